"""``grades.csv``: one row per student, ready for an LMS or a spreadsheet.

The first columns are those of nbgrader's CSV export (``nbgrader export``), so
scripts and LMS importers written for it keep working; we fill what we know and
leave the rest empty. Then one column per check (points earned, in the order of
the points table), one ``bug:<id>`` column per catalogued bug (1 or 0; the
prefix keeps a bug id from ever colliding with a check name), the number of
unexplained findings, and the errors.

A submission the grader could not grade (its report has no checks) gets empty
score cells, not 0: an LMS import then leaves the grade blank instead of
recording a zero the student did not earn.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader.batch.discover import Submission
from grader.report import Report

NBGRADER_COLUMNS = ("assignment", "duedate", "timestamp", "student_id", "last_name", "first_name",
                    "email", "raw_score", "late_submission_penalty", "score", "max_score")
BUG_PREFIX = "bug:"
# A spreadsheet runs a cell starting with these as a formula; student text may.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Entry:
    """One student of the class: the submission and its report (None: not graded yet)."""

    submission: Submission
    report: Report | None

    @property
    def graded(self) -> bool:
        """True when the grader produced checks (a grade), even a zero."""
        return self.report is not None and bool(self.report.tests)


def number(value: float) -> str:
    """``100`` not ``100.0``; ``69.6`` stays; the same value always prints the same."""
    return f"{round(float(value), 4):g}"


def safe_text(text: str) -> str:
    """Text cell that a spreadsheet will not evaluate as a formula. Applied to
    every cell: student ids, folder names, timestamp.txt, errors, and even
    our own numbers and names (none of them starts with these characters).
    Control characters become spaces, so no cell can break a row."""
    text = "'" + text if text.startswith(FORMULA_START) else text
    # a control character (CR, LF, escape...) would split a row or reach a terminal
    return "".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in text)


# What the sandbox says when a submission did not run as a program should (a
# hang, a memory hog, an output flood, a crash, an unwritten function). Those
# words reach the report only as check feedback, so they are looked for there:
# a class report and the gradebook must list such a student as a problem.
RUN_PROBLEMS = ("is not implemented yet", "did not return within", "time budget", "used more than its",
                "ran out of memory", "printed more than", "killed (SIGKILL)", "crashed the process",
                "died unexpectedly", "ended the process", "called sys.exit", "is not defined in your file",
                "is not a function", "did not finish loading")


def problems(report: Report) -> list[str]:
    """Why a submission did not run fully: the report's errors, then each
    distinct run problem found in the checks' feedback (first line)."""
    found = [" ".join(error.split()) for error in report.errors]
    for test in report.tests:
        line = test.feedback.strip().splitlines()[0] if test.feedback.strip() else ""
        if not test.passed and any(words in line for words in RUN_PROBLEMS):
            line = line.removeprefix("not graded: ")
            if line not in found:
                found.append(line)
    return found


def bug_ids(entries: list[Entry], catalogue: list[str]) -> list[str]:
    """Catalogue ids in catalogue order, then any other id a report names."""
    extra = sorted({bug["id"] for e in entries if e.report for bug in e.report.bugs} - set(catalogue))
    return list(catalogue) + extra


def columns(check_names: list[str], ids: list[str]) -> list[str]:
    return [*NBGRADER_COLUMNS, *check_names, *(BUG_PREFIX + i for i in ids), "unexplained", "errors"]


def row(entry: Entry, check_names: list[str], ids: list[str]) -> list[str]:
    submission, report = entry.submission, entry.report
    cells = {"assignment": submission.assignment, "timestamp": submission.timestamp,
             "student_id": submission.student_id}
    if report is None:
        cells["errors"] = "not graded yet: run the batch again"
    else:
        cells["max_score"] = number(report.max_score)
        if entry.graded:
            cells["raw_score"] = cells["score"] = number(report.score)
            points = {test.name: test.score for test in report.tests}
            cells.update({name: number(points[name]) for name in check_names if name in points})
            named = {bug["id"] for bug in report.bugs}
            cells.update({BUG_PREFIX + i: "1" if i in named else "0" for i in ids})
            cells["unexplained"] = str(len(report.unexplained))
        cells["errors"] = " | ".join(problems(report))
    return [safe_text(cells.get(column, "")) for column in columns(check_names, ids)]


def render_csv(entries: list[Entry], check_names: list[str], catalogue: list[str]) -> str:
    """The whole CSV, rows sorted by student id."""
    ids = bug_ids(entries, catalogue)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([safe_text(name) for name in columns(check_names, ids)])
    for entry in sorted(entries, key=lambda e: e.submission.student_id):
        writer.writerow(row(entry, check_names, ids))
    return buffer.getvalue()


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write a file so that readers see the old or the new one, never half."""
    path = Path(path)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
