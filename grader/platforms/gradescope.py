"""Gradescope's results.json, written to its published autograder specification.

Top level: ``score`` (it overrides the sum of the tests), ``execution_time``
(seconds), ``output`` (shown to the student: the named bugs), ``tests``. Each
test: ``name``, ``score``, ``max_score``, ``status`` ("passed"/"failed"),
``output`` (the check's feedback) and ``visibility``. Hidden checks default to
``after_published``, so their details appear once the instructor publishes
grades; set ``LSTM_GRADER_GRADESCOPE_VISIBILITY`` to one of Gradescope's four
values to change that. Public checks are always ``visible``.
"""

from __future__ import annotations

import json
import os

from grader.cleantext import visible
from grader.platforms.summary import summary_text
from grader.report import Report

VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
DEFAULT_HIDDEN_VISIBILITY = "after_published"
VISIBILITY_VARIABLE = "LSTM_GRADER_GRADESCOPE_VISIBILITY"


def hidden_visibility() -> str:
    """The visibility of hidden checks: the environment's choice, if valid."""
    chosen = os.environ.get(VISIBILITY_VARIABLE, "").strip()
    return chosen if chosen in VISIBILITIES else DEFAULT_HIDDEN_VISIBILITY


def gradescope_results(report: Report, visibility: str | None = None) -> dict:
    """The results.json object for one report."""
    if visibility is None:
        visibility = hidden_visibility() if report.suite == "hidden" else "visible"
    if visibility not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {', '.join(VISIBILITIES)}, not {visibility!r}")
    output = summary_text(report)
    if visibility != "visible" and report.tests:
        output += ("\nThe details of each check are shown when your instructor publishes "
                   "the grades.\n")
    return {
        "score": float(report.score),
        "execution_time": round(float(report.duration_s), 3),
        "output": output,
        "tests": [
            {
                "name": test.name,
                "score": float(test.score),
                "max_score": float(test.max_score),
                "status": "passed" if test.passed else "failed",
                "output": visible(test.feedback) or ("Passed." if test.passed else "Failed."),
                "visibility": visibility,
            }
            for test in report.tests
        ],
        "extra_data": {
            "bugs": [bug.get("id", "") for bug in report.bugs],
            "grader_version": report.grader_version,
        },
    }


def failure_results(message: str) -> dict:
    """A valid results.json for a submission that could not be graded at all."""
    return {"score": 0.0, "execution_time": 0, "output": message.rstrip() + "\n", "tests": []}


def as_gradescope(report: Report) -> str:
    return json.dumps(gradescope_results(report), indent=2) + "\n"
