"""The boundary reads each returned value once: typed values or named problems.

Crash cases of the diagnosis and the checks before the boundary existed:
forward returning None for output_s, nine scalars, a loss of 10**400,
clip_and_update returning huge ints or complex numbers.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import grader.diagnosis
from grader.checks.boundary import Boundary, read
from grader.contained_diagnosis import diagnose_function, merged
from grader.grading import grade
from grader.probes import make_probe
from grader.sandbox.outcome import CallOutcome, StudentError
from grader.solutions import lstm as reference

sys.path.insert(0, str(Path(__file__).parent))
from mutants import adapter  # noqa: E402

PROBE = make_probe("boundary", T=3, H=4, V=5, seed=7)
FORWARD_ARGS = (PROBE.inputs, PROBE.h_prev, PROBE.C_prev, PROBE.params)
CACHES = reference.forward(*FORWARD_ARGS)
BACKWARD_ARGS = (*CACHES, PROBE.targets, PROBE.params)
LOSS, GRADS = reference.backward(*BACKWARD_ARGS)


def forward_reading(value):
    return read("forward", FORWARD_ARGS, {}, value)


def test_the_reference_is_read_into_typed_values_without_problems():
    reading = forward_reading(CACHES)
    assert reading.readable and reading.problems == ()
    assert all(type(a) is np.ndarray and a.dtype == np.float64 for items in reading.value for a in items)
    loss, grads = read("backward", BACKWARD_ARGS, {}, (np.float64(LOSS), list(GRADS))).value
    assert type(loss) is float and isinstance(grads, tuple) and len(grads) == 10


@pytest.mark.parametrize("value, problem", [
    (tuple(CACHES[:8]) + (None,), "`output_s` is a NoneType, expected a list of T = 3 arrays"),
    (tuple(range(9)), "`z_s` is an int, expected a list of T = 3 arrays"),
    (None, "forward returned a NoneType, expected a tuple of 9 lists"),
    (CACHES[:8], "forward returned 8 values, expected 9"),
    (tuple(CACHES[:8]) + ([y * 1j for y in CACHES[8]],), "`output_s[0]` has dtype complex128, expected float64"),
    (tuple(CACHES[:8]) + ([y.ravel() for y in CACHES[8]],), "`output_s[0]` has shape (5,), expected (5, 1)"),
])
def test_unreadable_forward_values_are_named_problems(value, problem):
    reading = forward_reading(value)
    assert not reading.readable
    assert any(p.startswith(problem) for p in reading.problems), reading.problems


def test_departures_the_diagnosis_needs_stay_readable():
    missing_state = tuple(items[1:] if name in (4, 6) else items for name, items in enumerate(CACHES))
    nan = tuple(CACHES[:8]) + ([np.full((5, 1), np.nan)] * 3,)
    ints = tuple(CACHES[:8]) + ([np.ones((5, 1), dtype=np.int64)] * 3,)
    stacked = tuple(CACHES[:8]) + (np.array(CACHES[8]),)
    for value, problem in [(missing_state, "`C_s` has 3 entries, expected T + 1 = 4"),
                           (nan, "`output_s[0]` contains NaN or inf"),
                           (ints, "`output_s[0]` has dtype int64, expected float64"),
                           (stacked, "`output_s` is an array of shape (3, 5, 1)")]:
        reading = forward_reading(value)
        assert reading.readable and any(p.startswith(problem) for p in reading.problems), reading.problems


@pytest.mark.parametrize("loss, problem", [
    (10 ** 400, "the loss is an int too large for a float"),
    (True, "the loss is a bool, expected a number"),
    (1j, "the loss is a complex, expected a number"),
    ("1.0", "the loss is a str, expected a number"),
])
def test_unreadable_losses(loss, problem):
    reading = read("backward", BACKWARD_ARGS, {}, (loss, GRADS))
    assert not reading.readable and problem in reading.problems


def test_clip_results_huge_ints_and_zero_d_arrays_are_unreadable():
    for value in [tuple([10 ** 400] * 10), [np.array(1.5)] * 10, tuple(np.zeros((0,)) for _ in range(10))]:
        reading = read("clip_and_update", (PROBE.params, GRADS), {}, value)
        assert not reading.readable and reading.problems


def test_strict_and_lenient_views():
    nan = tuple(CACHES[:8]) + ([np.full((5, 1), np.nan)] * 3,)
    boundary = Boundary(lambda name, *args, **kwargs: CallOutcome(value=nan))
    strict = boundary.strict("forward", *FORWARD_ARGS)
    assert strict.error.kind == "structure" and "contains NaN or inf" in strict.error.message
    assert np.isnan(boundary.lenient("forward", *FORWARD_ARGS).value[8][0]).all()
    unreadable = Boundary(lambda name, *args, **kwargs: CallOutcome(value=None)).lenient("forward", *FORWARD_ARGS)
    assert unreadable.error.message.startswith("not the published structure: forward returned a NoneType")


def test_a_timed_out_function_is_not_called_again():
    calls = []

    def call(name, *args, **kwargs):
        calls.append(name)
        return CallOutcome(error=StudentError("timeout", f"{name} did not return within 3 s"))
    boundary = Boundary(call)
    assert boundary.strict("backward", *BACKWARD_ARGS).error.message == "backward did not return within 3 s"
    again = boundary.strict("backward", *BACKWARD_ARGS).error
    assert again.kind == "timeout" and again.message.startswith("backward was not called again")
    boundary.strict("forward", *FORWARD_ARGS)
    assert calls == ["backward", "forward"]


def test_hidden_grading_cuts_exception_texts_and_logs_them_in_full():
    text = "ValueError: 0.123456 0.654321\n" + "array([...])" * 100
    error = StudentError("exception", "forward raised " + text, '  File "s.py", line 3, in forward\n    raise x\n')
    boundary = Boundary(lambda name, *args, **kwargs: CallOutcome(error=error), hidden=True)
    shown = boundary.strict("forward", *FORWARD_ARGS).error
    assert shown.message == "forward raised ValueError: … … [...]"
    assert boundary.log == [{"function": "forward", "kind": "exception", "message": error.message,
                             "traceback": error.traceback}]
    public = Boundary(lambda name, *args, **kwargs: CallOutcome(error=error), hidden=False)
    assert public.strict("forward", *FORWARD_ARGS).error.message == error.message and public.log == []


def failing_for_forward(real):
    """The diagnosis, made to fail whenever it is asked about forward."""
    def diagnose(call, functions=("forward", "backward", "clip_and_update")):
        if "forward" in functions:
            raise ZeroDivisionError("the diagnosis of forward fails")
        return real(call, functions)
    return diagnose


def test_a_failing_diagnosis_of_one_function_leaves_the_others_diagnosed(monkeypatch):
    path = next(p for p in adapter.mutant_files() if p.name == "combo_all_functions.py")
    call = Boundary(adapter.in_process_call(adapter.load_mutant(path))).lenient
    monkeypatch.setattr(grader.diagnosis, "diagnose", failing_for_forward(grader.diagnosis.diagnose))
    result = merged([diagnose_function(call, f) for f in ("forward", "backward", "clip_and_update")])
    functions = {bug["function"] for bug in result["bugs"]}
    assert "forward" not in functions and {"backward", "clip_and_update"} <= functions
    assert result["undiagnosed"]["forward"].startswith("forward could not be analysed")
    assert any(f["message"].startswith("forward could not be analysed") for f in result["unexplained"])
    assert result["internal"][0]["message"] == "ZeroDivisionError: the diagnosis of forward fails"


def test_a_failing_diagnosis_still_gives_a_graded_report(monkeypatch):
    monkeypatch.setattr(grader.diagnosis, "diagnose", failing_for_forward(grader.diagnosis.diagnose))
    report = grade(Path(__file__).parent / "mutants" / "combo_all_functions.py")
    assert report.score > 0 and "internal grader error in the diagnosis of forward" in report.errors
    assert {bug["function"] for bug in report.bugs} >= {"backward", "clip_and_update"}
    assert "the diagnosis of forward fails" not in " ".join(report.errors)  # the details: instructor only
    assert any("the diagnosis of forward fails" in e["message"] for e in report.instructor["errors"])
