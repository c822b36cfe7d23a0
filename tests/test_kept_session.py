"""A process that grades again and again keeps one pytest session (grader.runner.KeptSession):
each grading must get exactly what a fresh session gives, whatever was graded before."""

from pathlib import Path

import pytest

import grader.grading
import grader.solutions
from grader.grading import grade

REFERENCE = Path(grader.solutions.__file__).parent / "lstm.py"
BUGGY = Path(__file__).resolve().parents[1] / "examples" / "buggy_submission.py"
RAISING = ("    W_f, W_i, W_g, W_o, W_v, b_f, b_i, b_g, b_o, b_v = p\n    hidden_size",
           "    raise ValueError('I give up')\n    hidden_size")


def readable(report) -> tuple:
    """Everything a user reads, but the timing."""
    return ([(t.name, t.score, t.max_score, t.passed, t.feedback) for t in report.tests],
            report.score, report.bugs, report.unexplained, report.errors)


@pytest.fixture(scope="module")
def raising_backward(tmp_path_factory) -> Path:
    source = REFERENCE.read_text(encoding="utf-8")
    assert source.count(RAISING[0]) == 1
    path = tmp_path_factory.mktemp("raising") / "raising.py"
    path.write_text(source.replace(*RAISING), encoding="utf-8")
    return path


def test_a_kept_session_grades_like_a_fresh_one(raising_backward, monkeypatch):
    # a sequence where each grading follows one that recorded other credit and other failures
    sequence = [BUGGY, raising_backward, REFERENCE, raising_backward, BUGGY]
    kept = [readable(grade(path)) for path in sequence]
    monkeypatch.setattr(grader.grading, "grades_once", lambda: True)  # a pytest session per grading
    fresh = {path: readable(grade(path)) for path in set(sequence)}
    for path, got in zip(sequence, kept):
        assert got == fresh[path], path.name
    assert fresh[raising_backward][1] < fresh[BUGGY][1] < fresh[REFERENCE][1] == 100
