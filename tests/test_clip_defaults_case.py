"""The default-arguments clip case is decided by that rule alone (issue 11):
a clipping mistake judged by the other cases never fails it, wrong defaults
always do, and a function blind to lr and max_norm earns nothing there."""

from __future__ import annotations

import numpy as np
import pytest

from grader.checks.clipping import defaults_problem, make_case
from grader.checks.student import StudentCalls
from grader.sandbox.outcome import CallOutcome
from grader.solutions import lstm as reference

DEFAULTS = {"lr": 1e-2, "max_norm": 0.25}
CASE = make_case("defaults", seed=405, grad_norm=2.0)


def calls(function) -> StudentCalls:
    return StudentCalls(lambda name, *args, **kwargs: CallOutcome(value=function(*args, **kwargs)))


def per_parameter(params, grads, lr=1e-2, max_norm=0.25):
    clipped = [g * min(1.0, max_norm / (np.linalg.norm(g) + 1e-6)) for g in grads]
    return tuple(p - lr * g for p, g in zip(params, clipped))


def wrong_default_norm(params, grads, lr=1e-2, max_norm=1.0):
    return reference.clip_and_update(params, grads, lr=lr, max_norm=max_norm)


def wrong_default_lr(params, grads, lr=0.1, max_norm=0.25):
    return reference.clip_and_update(params, grads, lr=lr, max_norm=max_norm)


def blind(params, grads, lr=1e-2, max_norm=0.25):
    return tuple(np.array(p, copy=True) for p in params)


def problem(function) -> str:
    student = calls(function)
    return defaults_problem(student, CASE, DEFAULTS, function(CASE.params, CASE.grads))


@pytest.mark.parametrize("function", [reference.clip_and_update, per_parameter])
def test_right_defaults_pass_whatever_the_clipping(function):
    assert problem(function) == ""


@pytest.mark.parametrize("function", [wrong_default_norm, wrong_default_lr])
def test_wrong_defaults_fail_with_the_defaults_message(function):
    assert "must be the default arguments" in problem(function)


def test_a_function_blind_to_its_arguments_earns_nothing():
    assert "whatever lr and max_norm are" in problem(blind)


def test_per_parameter_clipping_fails_only_the_norm_cases():
    """End to end on the hidden suite: the per-parameter mutant keeps the
    default-arguments points and loses those of the norm rules."""
    import importlib.util
    from pathlib import Path

    from grader.checks.expected import LiveReference
    from grader.plugin import GradingPlugin
    from grader.runner import run_suite
    from grader.suites.hidden_probes import PROBESET

    path = Path(__file__).parent / "mutants" / "single_clip__per_parameter_norm.py"
    spec = importlib.util.spec_from_file_location("per_parameter_mutant", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    student = StudentCalls(lambda name, *args, **kwargs: CallOutcome(value=getattr(module, name)(*args, **kwargs)))
    plugin = run_suite(GradingPlugin(student, LiveReference(), PROBESET))
    clip = {o.name: o.passed for o in plugin.outcomes if o.name.startswith("clip/")}
    assert clip["clip/clip_and_update[uses_the_default_arguments]"]
    assert not clip["clip/clip_and_update[uses_one_global_norm]"]
