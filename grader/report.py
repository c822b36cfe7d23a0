"""The grading report: one data structure, written as JSON and as text.

The JSON keys are the published results format (``submission``, ``score``,
``max_score``, ``tests``, ``bugs``, ``errors``, ``duration_s``, ...); batch
grading, Gradescope and PrairieLearn exports are built from it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from typing import TYPE_CHECKING

from grader.cleantext import visible

if TYPE_CHECKING:  # the plugin imports pytest; reading a report needs neither
    from grader.plugin import CheckOutcome


@dataclass
class TestResult:
    """One check as reported: its points earned and its feedback."""

    name: str
    score: float
    max_score: float
    passed: bool
    feedback: str = ""


@dataclass
class Report:
    submission: str
    suite: str  # "hidden" (grade) or "public" (check)
    score: float
    max_score: float
    tests: list[TestResult]
    bugs: list[dict] = field(default_factory=list)  # named catalogue bugs
    unexplained: list[dict] = field(default_factory=list)  # wrong behaviour outside the catalogue
    errors: list[str] = field(default_factory=list)  # why grading could not run fully
    notes: list[str] = field(default_factory=list)  # e.g. notebook code that was not run (one per cell)
    duration_s: float = 0.0
    output: str = ""  # the submission's own stdout/stderr, trimmed; only for the public check (see instructor)
    training: dict = field(default_factory=dict)  # loss curves of the loss-decrease check
    isolation: list[str] = field(default_factory=list)  # sandbox layers that were active
    grader_version: str = ""
    # Instructor-only (results.json, --format json; never in a student-visible rendering): in hidden
    # grading, what the submission printed ("output") and the full text of its errors ("errors").
    instructor: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "Report":
        tests = [TestResult(**test) for test in data.get("tests", [])]
        return cls(**{**data, "tests": tests})

    def write_json(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")


def score_checks(outcomes: list[CheckOutcome], points: dict[str, float]) -> list[TestResult]:
    """Points per check from its credit, in the order of the points table.

    A check that did not run at all (for instance because collection failed)
    still appears, with 0 points, so a report always lists every check.
    """
    by_name = {outcome.name: outcome for outcome in outcomes}
    results = []
    for name, max_score in points.items():
        outcome = by_name.get(name)
        if outcome is None:
            results.append(TestResult(name, 0.0, max_score, False, "this check did not run"))
            continue
        feedback = visible(outcome.feedback)  # student text inside: control characters shown, not executed
        if outcome.internal_error:
            feedback = "the grader failed on this check (not your fault); please report it"
        results.append(TestResult(name, round(max_score * outcome.credit, 2), max_score,
                                  outcome.passed, feedback))
    return results
