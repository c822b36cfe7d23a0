"""What the class did: the numbers behind ``report.html``, and writing it.

Kept apart from the HTML so the statistics (which bug combinations are most
common, who could not be graded) can be tested as data.
"""

from __future__ import annotations

import statistics
from collections import Counter
from pathlib import Path

from grader import __version__
from grader.batch import charts
from grader.batch.gradebook import Entry, bug_ids, problems, write_atomic
from grader.batch.html import render_class_html

REPORT_HTML = "report.html"
HISTOGRAM_PNG = "score_histogram.png"
BUGS_PNG = "bug_counts.png"
TOP_COMBINATIONS = 10


def bug_counts(entries: list[Entry], catalogue: list[str]) -> list[tuple[str, int]]:
    """Students per bug id, every id included, most common first (ties by id)."""
    counts = Counter(bug_id for e in entries if e.graded for bug_id in {bug["id"] for bug in e.report.bugs})
    return sorted(((i, counts.get(i, 0)) for i in bug_ids(entries, catalogue)), key=lambda c: (-c[1], c[0]))


def combinations(entries: list[Entry], top: int = TOP_COMBINATIONS) -> list[tuple[tuple[str, ...], int]]:
    """The most common sets of bugs found together (one bug alone counts too)."""
    counts = Counter(tuple(sorted({bug["id"] for bug in e.report.bugs}))
                     for e in entries if e.graded and e.report.bugs)
    return sorted(counts.items(), key=lambda c: (-c[1], c[0]))[:top]


def problem_message(entry: Entry) -> str:
    """The first problem (an error, a hang, a memory hog, an unwritten
    function...) and how many more there are, on one line."""
    if entry.report is None:
        return "not graded yet: run the batch again"
    found = problems(entry.report)
    first = found[0].strip().splitlines()[0] if found and found[0].strip() else ""
    line = first[:300] + ("..." if len(first) > 300 else "")
    return line + (f" (and {len(found) - 1} more)" if len(found) > 1 else "")


def summarize(entries: list[Entry], check_names: list[str], catalogue: list[str]) -> dict:
    """Every number the class report shows (charts as PNG bytes)."""
    graded = [e for e in entries if e.graded]
    scores = [e.report.score for e in graded]
    max_score = max((e.report.max_score for e in graded), default=0.0)
    checks = []
    for name in check_names:
        results = [t for e in graded for t in e.report.tests if t.name == name]
        if results:
            checks.append((name, statistics.fmean(t.score for t in results), results[0].max_score,
                           sum(t.passed for t in results) / len(results)))
    assignments = sorted({e.submission.assignment for e in entries if e.submission.assignment})
    counts = bug_counts(entries, catalogue)
    return {
        "assignment": ", ".join(assignments),
        "grader_version": __version__,
        "students": len(entries),
        "graded": len(graded),
        "not_graded": len(entries) - len(graded),
        "max_score": max_score,
        "mean": statistics.fmean(scores) if scores else 0.0,
        "median": statistics.median(scores) if scores else 0.0,
        "min": min(scores, default=0.0),
        "max": max(scores, default=0.0),
        "full_marks": sum(1 for e in graded if e.report.score >= e.report.max_score),
        "bug_counts": counts,
        "combinations": combinations(entries),
        "checks": checks,
        "problems": [(e.submission.student_id, e.graded, problem_message(e))
                     for e in sorted(entries, key=lambda e: e.submission.student_id)
                     if e.report is None or problems(e.report)],
        "rows": [(e.submission.student_id, e.report.score if e.graded else None,
                  sorted({bug["id"] for bug in e.report.bugs}) if e.report else [],
                  len(e.report.unexplained) if e.graded else None)
                 for e in sorted(entries, key=lambda e: e.submission.student_id)],
        "histogram_png": charts.score_histogram(scores, max_score or 100.0),
        "bugs_png": charts.bug_counts(counts, len(graded)),
    }


def write_class_report(entries: list[Entry], check_names: list[str], catalogue: list[str],
                       out_dir: Path) -> Path:
    """Write report.html (self-contained) and its two charts as PNG files beside it."""
    summary = summarize(entries, check_names, catalogue)
    out_dir = Path(out_dir)
    write_atomic(out_dir / HISTOGRAM_PNG, summary["histogram_png"])
    write_atomic(out_dir / BUGS_PNG, summary["bugs_png"])
    write_atomic(out_dir / REPORT_HTML, render_class_html(summary))
    return out_dir / REPORT_HTML
