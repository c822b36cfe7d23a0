"""The text report a student reads in a terminal: score and named bugs first,
then every check, then (trimmed) what the submission printed."""

from __future__ import annotations

import textwrap

from grader.cleantext import visible
from grader.report import Report

WIDTH = 78


def wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=indent)


def status(test) -> str:
    if test.passed:
        return "PASS"
    return "PART" if test.score > 0 else "FAIL"


def render_bug(bug: dict) -> list[str]:
    """A named bug: id and title, explanation, fix, and its evidence."""
    lines = [f"  * {bug['id']}: {bug['title']}",
             wrap(bug["explanation"], "      "),
             wrap("Fix: " + bug["fix"], "      ")]
    evidence = evidence_summary(bug.get("evidence") or {})
    if evidence:
        lines.append(wrap("Evidence: " + evidence, "      "))
    return lines


def evidence_summary(evidence: dict) -> str:
    """One sentence from a named bug's evidence: which outputs, how closely."""
    outputs, probes = evidence.get("outputs"), evidence.get("probes")
    if not outputs or not probes:
        return ""
    shown = ", ".join(outputs[:6]) + (f" and {len(outputs) - 6} more" if len(outputs) > 6 else "")
    verb = "matches" if len(outputs) == 1 else "match"
    sentence = f"with this mistake assumed, {shown} {verb} your code on {len(probes)} probe{'s' if len(probes) > 1 else ''}"
    if "max_error_with_bug" in evidence:
        sentence += f" (relative error {evidence['max_error_with_bug']:.0e})"
    if "min_error_without_bug" in evidence:
        sentence += f"; without it they are off by {evidence['min_error_without_bug']:.1e} or more"
    return sentence + "."


def problem_text(error: str) -> str:
    """A problem's first line wrapped; what follows (a traceback: file, line,
    the code, a caret) kept line by line, as Python prints it."""
    first, _, rest = error.partition("\n")
    return "\n".join([wrap("Problem: " + first, ""), *rest.rstrip("\n").splitlines()])


def summary_lines(report: Report, indent: str = "  ") -> list[str]:
    """Problems, notebook notes, named bugs and other findings: what every
    rendering of a report (terminal, Gradescope, PrairieLearn, nbgrader)
    leads with, since naming the mistake is what this grader adds."""
    lines = [problem_text(error) for error in report.errors]
    if report.errors:
        lines.append("")
    if report.notes:
        lines.append("About your file:" if report.submission.lower().endswith(".py") else
                     wrap("About your notebook (grading loads only its imports, definitions and "
                          "simple constants, so your experiments do not run):", ""))
        lines += [textwrap.fill(note, WIDTH, initial_indent=indent + "- ", subsequent_indent=indent + "  ")
                  for note in report.notes]
        lines.append("")
    if report.bugs:
        lines.append(f"Bugs found ({len(report.bugs)}):")
        for bug in report.bugs:
            lines += render_bug(bug)
        lines.append("")
    if report.unexplained:
        lines.append("Something else is wrong:")
        for finding in report.unexplained:
            lines.append(textwrap.fill(finding.get("message", str(finding)), WIDTH,
                                       initial_indent=indent + "* ", subsequent_indent=indent + "  "))
        lines.append("")
    if not report.bugs and not report.unexplained and report.score == report.max_score:
        lines += ["No bugs found: every check passed.", ""]
    return lines


def student_edition_notice() -> str:
    """Why the student edition names no bug: a notice, not a problem."""
    from grader.edition import is_student_edition

    return (" This self-check does not name bugs (that needs the reference solution, which "
            "is not shipped to students): the checks below say what is wrong."
            if is_student_edition() else "")


def render_text(report: Report) -> str:
    """The whole text report, control characters shown as escapes (see grader.cleantext)."""
    lines = [f"lstm-grader {'self-check' if report.suite == 'public' else 'grade'}: {report.submission}",
             f"Score: {report.score:g} / {report.max_score:g}", ""]
    if report.suite == "public":
        lines += [wrap("This was the public self-check only: the hidden checks that decide "
                       "your grade were NOT run." + student_edition_notice(), ""), ""]
    lines += summary_lines(report)
    lines.append("Checks:")
    name_width = max((len(test.name) for test in report.tests), default=10)
    for test in report.tests:
        lines.append(f"  {status(test)}  {test.name:<{name_width}}  {test.score:g} / {test.max_score:g}")
        if test.feedback:
            lines.append(wrap(test.feedback, "        "))
    if report.output.strip():
        lines += ["", "Your code printed (trimmed):", textwrap.indent(report.output.rstrip(), "  | ")]
    elif report.instructor.get("output", "").strip():
        lines += ["", wrap("What your code printed is not shown for the hidden checks (it could contain "
                           "their inputs); your instructor can see it.", "")]
    lines += ["", f"Graded in {report.duration_s:.2f} s."]
    return visible("\n".join(lines) + "\n")
