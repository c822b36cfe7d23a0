"""The submission-level text both platforms show: score, named bugs, problems.

Named bugs are what this grader adds over a plain test runner, so they lead.
What the submission printed is deliberately left out: in a student-visible
field it would let a submission print the hidden probes it was called with.
"""

from __future__ import annotations

from grader.report import Report


def bug_lines(bug: dict) -> list[str]:
    lines = [f"* {bug.get('title', bug.get('id', 'bug'))} [{bug.get('id', '?')}]"]
    if bug.get("explanation"):
        lines.append(f"  {bug['explanation']}")
    if bug.get("fix"):
        lines.append(f"  Fix: {bug['fix']}")
    evidence = bug.get("evidence_summary") or (bug.get("evidence") or {}).get("summary")
    if evidence:
        lines.append(f"  Evidence: {evidence}")
    return lines


def summary_text(report: Report) -> str:
    """Score, bugs, unexplained findings and problems, as plain text."""
    lines = [f"lstm-grader: {report.score:g} / {report.max_score:g} points", ""]
    if report.bugs:
        lines.append(f"Bugs found ({len(report.bugs)}):")
        for bug in report.bugs:
            lines += bug_lines(bug)
        lines.append("")
    if report.unexplained:
        lines.append("Something else is wrong:")
        lines += [f"* {finding.get('message', str(finding))}" for finding in report.unexplained]
        lines.append("")
    if report.errors:
        lines.append("Problems:")
        lines += [f"* {error}" for error in report.errors]
        lines.append("")
    if report.notes:
        lines.append("Notes:")
        lines += [f"* {note}" for note in report.notes]
        lines.append("")
    if not report.bugs and not report.unexplained and not report.errors and report.score == report.max_score:
        lines += ["No bugs found: every check passed.", ""]
    return "\n".join(lines).rstrip() + "\n"
