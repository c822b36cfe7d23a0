"""The submission-level text both platforms show: score, then what the
terminal report leads with (problems, named bugs, other findings).

Named bugs are what this grader adds over a plain test runner, so they lead.
What the submission printed is deliberately left out: in a student-visible
field it would let a submission print the hidden probes it was called with.
"""

from __future__ import annotations

from grader.cleantext import visible
from grader.feedback import summary_lines
from grader.report import Report


def summary_text(report: Report) -> str:
    """Score, problems, notes, named bugs and unexplained findings, as plain text."""
    lines = [f"lstm-grader: {report.score:g} / {report.max_score:g} points", "", *summary_lines(report)]
    return visible("\n".join(lines).rstrip() + "\n")
