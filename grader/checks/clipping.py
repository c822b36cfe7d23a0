"""The clip_and_update cases: each crafted so one rule of the contract decides it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
