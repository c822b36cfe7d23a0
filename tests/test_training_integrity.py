"""The training check earns nothing unless the student's own functions did the training.

The loop runs in the student's process (one request) and reports a record;
these tests prove the grader verifies that record: hostile submissions that
fake the updates or forge the record lose the training points and nothing
else; the honest update rules of the bug catalog still count as descent
steps; anything unusual falls back to training call by call.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.checks.student import StudentCalls
from grader.checks.training import descent_problem, records_of, train_with_student, training_problems
from grader.grading import GradingOptions, grade
from grader.sandbox import Limits, StudentProcess
from grader.suites.hidden_probes import PROBESET

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_SOURCE = (ROOT / "solutions" / "lstm.py").read_text()
HOSTILE = sorted((ROOT / "tests" / "hostile").glob("speed_*.py"))
FAST = GradingOptions(limits=Limits(call_timeout=5.0, total_timeout=60.0))
TRAINING = "training/validation_loss_falls"


def with_snippet(tmp_path: Path, snippet: str) -> Path:
    path = tmp_path / "submission.py"
    path.write_text(REFERENCE_SOURCE + "\n" + snippet)
    return path


@pytest.mark.parametrize("hostile", HOSTILE, ids=[p.stem for p in HOSTILE])
def test_a_faked_training_run_earns_no_training_points(tmp_path, hostile):
    report = grade(with_snippet(tmp_path, hostile.read_text()), FAST)
    tests = {t.name: t for t in report.tests}
    assert tests[TRAINING].score == 0
    assert "not earned by training" in tests[TRAINING].feedback or "gave other results" in tests[TRAINING].feedback
    assert all(t.passed for name, t in tests.items() if name != TRAINING)
    assert report.score == report.max_score - tests[TRAINING].max_score


def train(path: Path):
    with StudentProcess(path) as process:
        student = StudentCalls(process.call, process.train)
        run = train_with_student(student, PROBESET.training)
        return run, training_problems(run)


def test_the_reference_trains_in_one_request_and_its_record_verifies(ref):
    run, problems = train(ROOT / "solutions" / "lstm.py")
    assert run.made_by == "child" and problems == []
    assert run.fall() >= PROBESET.training.required_fall
    assert run.record.grads.shape == (90, run.record.params.shape[1])


@pytest.mark.parametrize("snippet", [
    # a loss as a one-element array: accepted by the contract, off the loop's plain path
    "_backward = backward\ndef backward(*args):\n    loss, grads = _backward(*args)\n    return np.array([loss]), grads",
    # more printed text over the training run than one call may print
    "_forward = forward\ndef forward(*args):\n    print('x' * 1500)\n    return _forward(*args)",
], ids=["loss-as-array", "chatty-forward"])
def test_an_unusual_but_honest_submission_is_trained_call_by_call(tmp_path, snippet):
    run, problems = train(with_snippet(tmp_path, snippet))
    assert run.made_by == "calls" and problems == []
    assert run.fall() >= PROBESET.training.required_fall


# ---------------------------------------------------------------------------- descent steps

SHAPES = [(2, 3), (3, 1)]  # two parameters of 6 and 3 values


def one_step(update, seed=0):
    """(before, after, grads) of one step ``after = before - update(grads)``."""
    rng = np.random.default_rng(seed)
    before = rng.normal(size=(1, 9))
    grads = rng.normal(size=(1, 9))
    return before, before - update(grads), grads


@pytest.mark.parametrize("update", [
    lambda g: 0.5 * g,  # plain step
    lambda g: 0.5 * g * (1.0 / (np.linalg.norm(g) + 1e-6)),  # clipped by the global norm
    lambda g: np.concatenate([0.5 * g[:, :6] / np.linalg.norm(g[:, :6]), 0.1 * g[:, 6:]], axis=1),  # per parameter
    lambda g: 0.5 * np.clip(g, -0.3, 0.3),  # element-wise clipping
    lambda g: 0.01 * np.sign(g),  # a constant step (lr ignored)
    lambda g: 0.0 * g,  # no step at all
], ids=["plain", "global-clip", "per-parameter", "elementwise", "sign", "none"])
def test_catalogued_update_rules_are_descent_steps(update):
    assert descent_problem(*one_step(update), SHAPES) == ""


@pytest.mark.parametrize("update", [
    lambda g: -0.5 * g,  # ascent
    lambda g: 0.5 * g + np.random.default_rng(1).normal(size=g.shape),  # hand-built target
    lambda g: 0.5 * g[:, ::-1],  # not from this gradient
    lambda g: 0.5 / (np.abs(g) + 0.1) * np.sign(g),  # larger gradients move less
], ids=["ascent", "jump", "other-gradient", "inverted-size"])
def test_other_updates_are_not_descent_steps(update):
    assert "step 1 is no gradient-descent step" in descent_problem(*one_step(update), SHAPES)


def test_a_value_with_zero_gradient_must_not_move():
    before, after, grads = one_step(lambda g: 0.5 * g)
    grads[0, 2] = 0.0
    after[0, 2] = before[0, 2] + 0.1
    assert descent_problem(before, after, grads, SHAPES)


# ---------------------------------------------------------------------------- the record at the boundary

def good_run(n=3, size=9):
    return {"losses": np.ones(n), "grads": np.zeros((n, size)), "params": np.zeros((n, size)), "stopped": None}


@pytest.mark.parametrize("value", [
    None, 7, {"runs": []}, {"runs": [None]}, {"runs": [{"stopped": 2, "function": "backward"}]},
    {"runs": [dict(good_run(), losses=np.ones(2))]},
    {"runs": [dict(good_run(), grads=np.zeros((3, 9), dtype=np.float32))]},
    {"runs": [dict(good_run(), params=np.full((3, 9), np.nan))]},
    {"runs": [dict(good_run(), stopped=False)]},
    {"runs": [good_run(), good_run()]},
], ids=["none", "int", "no-run", "run-none", "stopped", "short", "float32", "nan", "stopped-false", "two-runs"])
def test_a_malformed_record_is_refused(value):
    assert records_of(value, [3], 9) is None


def test_a_wellformed_record_is_read():
    (record,) = records_of({"runs": [good_run()]}, [3], 9)
    assert record.grads.shape == (3, 9) and list(record.losses) == [1.0, 1.0, 1.0]
