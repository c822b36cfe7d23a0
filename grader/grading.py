"""Grade one submission: sandbox, suite, diagnosis, report.

The student's code runs only in sandboxed child processes (two phases, one
after the other, see grader.session); this process runs the suite with the
reference, computes the scores and writes the report. Every value the student's
code returns is read once, at the boundary (grader.checks.boundary).
The student edition (see grader.edition) has no reference, hidden suite or
diagnosis: it grades only the public suite, against stored expected values.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader import __version__
from grader.checks.expected import expectations
from grader.cleantext import visible
from grader.checks.student import StudentCalls
from grader.contained_diagnosis import merged
from grader.credit import follow_fixes
from grader.edition import is_student_edition, require_full_edition
from grader.plugin import GradingPlugin
from grader.points import points_for
from grader.report import Report, score_checks
from grader.runner import run_suite
from grader.sandbox import Limits
from grader.sandbox.process import grades_once
from grader.session import GradingSession
from grader.submission import prepare


OUTPUT_HEAD, OUTPUT_TAIL = 3000, 1000  # characters of the student's output kept in a report


def trim_output(text: str) -> str:
    """The start and the end of what the submission printed, for the report."""
    if len(text) <= OUTPUT_HEAD + OUTPUT_TAIL:
        return text
    dropped = len(text) - OUTPUT_HEAD - OUTPUT_TAIL
    return f"{text[:OUTPUT_HEAD]}\n[... {dropped} characters left out ...]\n{text[-OUTPUT_TAIL:]}"


@dataclass(frozen=True)
class GradingOptions:
    """How to grade: which suite, with which limits and points."""

    suite: str = "hidden"  # "hidden" for grade, "public" for check
    limits: Limits = field(default_factory=Limits)
    points_file: Path | None = None


def probeset_for(suite: str):
    if suite == "hidden":
        from grader.suites.hidden_probes import PROBESET
    else:
        from grader.suites.public_probes import PROBESET
    return PROBESET


def diagnosis_of(session: GradingSession) -> dict:
    """Named bugs, or in the student edition (no error model: it is built on
    the reference) none; the text report says why (grader.feedback), as a
    notice, not as a problem of the submission."""
    if not session.diagnose:
        return {"bugs": [], "unexplained": []}
    return merged(session.diagnosis_parts)


def grade(submission: Path, options: GradingOptions = GradingOptions()) -> Report:
    """Grade ``submission`` (raises SubmissionError for unusable input)."""
    if options.suite == "hidden":
        require_full_edition("`lstm-grader grade` (the hidden checks)")
    started = time.perf_counter()
    points = points_for(options.suite, options.points_file)
    with tempfile.TemporaryDirectory(prefix="lstm-grader-") as workdir:
        source, notes = prepare(Path(submission), Path(workdir))
        hidden = options.suite == "hidden"
        with GradingSession(source, options.limits, hidden, diagnose=not is_student_edition()) as student:
            plugin = GradingPlugin(StudentCalls(student.boundary, student.train), expectations(),
                                   probeset_for(options.suite), end_forward_phase=student.end_forward_phase)
            run_suite(plugin, keep_session=not grades_once())  # a process grading again keeps pytest's session
            student.finish()
        diagnosis = diagnosis_of(student)
        output = trim_output(student.output)
        isolation, load_error = student.isolation, student.load_error

    faults = diagnosis.get("internal", [])
    errors = [f"internal grader error in the diagnosis of {fault['function']}" for fault in faults]
    if load_error is not None:
        errors.append(load_error.message + (f"\n{load_error.traceback}" if load_error.traceback else ""))
    errors += list(student.boundary.timed_out.values())  # its later checks ran without calling it
    errors += [f"internal grader error in {o.name}: {o.internal_error}" for o in plugin.outcomes if o.internal_error]
    errors += [f"internal grader error: {e}" for e in plugin.collection_errors]
    tests = score_checks(follow_fixes(plugin.outcomes, diagnosis, plugin.context, options.points_file, options.suite),
                         points)
    training = plugin.context.get("training")
    return Report(
        submission=str(submission),
        suite=options.suite,
        score=round(sum(t.score for t in tests), 2),
        max_score=round(sum(t.max_score for t in tests), 2),
        tests=tests,
        bugs=diagnosis["bugs"],
        unexplained=[{**finding, "message": visible(str(finding.get("message", "")))}
                     for finding in diagnosis["unexplained"]],
        errors=[visible(error) for error in errors],
        notes=[visible(note) for note in notes],
        duration_s=round(time.perf_counter() - started, 3),
        output="" if hidden else visible(output),  # hidden grading: what the code printed is for instructors only
        training={"validation": training.validation, "training": training.training} if training else {},
        isolation=isolation,
        grader_version=__version__,
        instructor={"output": output, "errors": student.boundary.log + faults} if hidden else {},
    )
