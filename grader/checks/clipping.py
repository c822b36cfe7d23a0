"""The clip_and_update cases: each crafted so one rule of the contract decides it
(the default-arguments case by comparing the student's function with itself)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from grader.checks.numeric import close
from grader.checks.student import clip_and_update_result
from grader.probes import random_params


@dataclass(frozen=True)
class ClipCase:
    """params, grads and the keyword arguments of one clip_and_update call."""

    name: str
    params: tuple
    grads: tuple
    kwargs: dict  # lr and max_norm; empty means the defaults


def global_norm(grads) -> float:
    return float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))


def scaled_to_norm(grads, norm: float) -> tuple:
    factor = norm / global_norm(grads)
    return tuple(g * factor for g in grads)


def make_case(name: str, seed: int, grad_norm: float, H: int = 3, V: int = 4,
              kwargs: dict | None = None, dominant: int | None = None) -> ClipCase:
    """A case whose gradients have global norm ``grad_norm``. With
    ``dominant``, one gradient carries almost all of that norm, so clipping
    each gradient by its own norm gives a different answer than one global
    norm."""
    rng = np.random.default_rng(seed)
    params = random_params(H, V, rng)
    grads = random_params(H, V, rng)
    if dominant is not None:
        grads = tuple(g * (40.0 if k == dominant else 0.05) for k, g in enumerate(grads))
    return ClipCase(name, params, scaled_to_norm(grads, grad_norm), dict(kwargs or {}))


def same_parameters(a, b) -> bool:
    return all(close(x, y) for x, y in zip(a, b))


def defaults_problem(student, case: ClipCase, defaults: dict, result) -> str:
    """'' when clip_and_update called without lr and max_norm behaves as when
    called with the contract's defaults, else what is wrong.

    Decided by the student's own function, so a mistake in the clipping or the
    step (judged by the other cases) never fails this one. A function that
    returns the same parameters whatever lr and max_norm are shows nothing
    about its defaults and earns nothing here.
    """
    explicit = clip_and_update_result(student, replace(case, kwargs=dict(defaults)))
    if not same_parameters(result, explicit):
        return ("called without lr and max_norm, your clip_and_update returns other parameters than "
                f"with lr = {defaults['lr']:g} and max_norm = {defaults['max_norm']:g}: those must be "
                "the default arguments")
    other = {name: 2 * value for name, value in defaults.items()}
    if same_parameters(explicit, clip_and_update_result(student, replace(case, kwargs=other))):
        return ("your clip_and_update returns the same parameters whatever lr and max_norm are, so "
                "its default arguments cannot be checked")
    return ""
