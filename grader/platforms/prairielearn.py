"""PrairieLearn's external-grader results.json, to its published format.

``gradable`` (true: a Report means the submission was graded), ``score`` as a
fraction in [0, 1], ``message`` (the named bugs), ``output`` (the whole text
report, without what the submission printed) and ``tests`` with ``name``,
``description``, ``points``, ``max_points``, ``message``, ``output``. A
submission that cannot be graded at all (no file, not Python) is
``gradable: false`` with ``format_errors``: PrairieLearn then charges no
attempt.
"""

from __future__ import annotations

import json
from dataclasses import replace

from grader.cleantext import visible
from grader.feedback import render_text, status
from grader.platforms.summary import summary_text
from grader.report import Report

DESCRIPTIONS = {
    "contract": "The function exists, takes the published arguments and returns the published structure.",
    "forward": "forward's values against the reference, step by step.",
    "backward": "backward's loss and gradients against the reference, fed the reference's forward caches.",
    "gradcheck": "Your backward against finite differences of your own forward.",
    "clip": "clip_and_update on a case built so that one rule of the contract decides it.",
    "training": "A small LSTM trained with your three functions: the validation loss must fall.",
}


def description(check_name: str) -> str:
    return DESCRIPTIONS.get(check_name.split("/", 1)[0], "")


def fraction(score: float, max_score: float) -> float:
    if max_score <= 0:
        return 0.0
    return min(1.0, max(0.0, float(score) / float(max_score)))


def prairielearn_results(report: Report) -> dict:
    """The results.json object for one report."""
    return {
        "gradable": True,
        "score": fraction(report.score, report.max_score),
        "message": summary_text(report),
        "output": render_text(replace(report, output="")),
        "tests": [
            {
                "name": visible(test.name),
                "description": description(test.name),
                "points": float(test.score),
                "max_points": float(test.max_score),
                "message": visible(test.feedback) or ("Passed." if test.passed else "Failed."),
                "output": f"{status(test)}  {test.score:g} / {test.max_score:g}",
            }
            for test in report.tests
        ],
    }


def not_gradable_results(message: str) -> dict:
    """A submission PrairieLearn should mark "invalid, not gradable"."""
    return {"gradable": False, "score": 0.0, "message": message, "format_errors": [message], "tests": []}


def as_prairielearn(report: Report) -> str:
    return json.dumps(prairielearn_results(report), indent=2) + "\n"
