"""Inside a grading container: find the one submission, grade it, and always
leave a valid results.json behind.

``python -m grader.platforms.autograder gradescope ROOT`` is what the bundle's
``run_autograder`` runs (ROOT is /autograder: the submission in
ROOT/submission, results in ROOT/results/results.json).
``python -m grader.platforms.autograder prairielearn ROOT`` does the same for
a PrairieLearn external grader (ROOT is /grade: student files in
ROOT/student, results in ROOT/results/results.json).

Grading runs ``lstm-grader grade --format ...`` in a child process, so even a
crash of the grader itself ends in a results file that says what happened
(score 0) instead of no file at all. The full text report, with what the
submission printed, goes to this process's stdout, which both platforms show
to instructors only (the results file leaves the printout out: a submission
could print the hidden inputs it was called with).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from grader.cleantext import visible
from grader.platforms.gradescope import failure_results
from grader.platforms.prairielearn import not_gradable_results

SUBMISSION_SUFFIXES = (".py", ".ipynb")
IGNORED_PARTS = ("__pycache__", "__MACOSX")
GRADE_TIMEOUT = 900  # seconds; the grader's own per-call and total limits come first
LAYOUT = {  # platform -> (folder of the student's files, results file), under ROOT
    "gradescope": ("submission", "results/results.json"),
    "prairielearn": ("student", "results/results.json"),
}


class NoSubmission(ValueError):
    """No single gradable file: the message tells the student what to submit."""


def find_submission(folder: Path) -> Path:
    """The one .py or .ipynb file in ``folder`` (searched recursively)."""
    if not folder.is_dir():
        raise NoSubmission(f"no submission folder {folder}: nothing was submitted")
    candidates = sorted(
        path for path in folder.rglob("*")
        if path.is_file() and path.suffix.lower() in SUBMISSION_SUFFIXES
        and not any(part in IGNORED_PARTS or part.startswith(".") for part in path.relative_to(folder).parts))
    if not candidates:
        raise NoSubmission("no .py or .ipynb file was submitted: submit your lstm.py (or your notebook)")
    if len(candidates) > 1:
        names = ", ".join(str(path.relative_to(folder)) for path in candidates)
        raise NoSubmission(f"submit exactly one .py or .ipynb file, not {len(candidates)}: {names}")
    return candidates[0]


def grade_command(platform: str, submission: Path, out_dir: Path) -> list[str]:
    return [sys.executable, "-c", "from grader.cli import main; main()",
            "grade", "--format", platform, "--out", str(out_dir), str(submission)]


def show_instructor_report(out_dir: Path) -> None:
    """Print the text report (feedback.txt of --out) and the instructor-only part
    of results.json (what the submission printed, its full error texts) for the
    instructor's eyes."""
    report = out_dir / "feedback.txt"
    if report.is_file():
        print(report.read_text(encoding="utf-8"))
    try:
        instructor = json.loads((out_dir / "results.json").read_text(encoding="utf-8")).get("instructor") or {}
    except (OSError, ValueError):
        return
    if instructor.get("output", "").strip():
        print("The submission printed (instructor only):\n" + visible(instructor["output"]))
    for error in instructor.get("errors", []):
        print(visible(f"{error.get('function')} ({error.get('kind')}): {error.get('message')}\n"
                      f"{error.get('traceback', '')}"))


def failed(platform: str, message: str) -> dict:
    if platform == "prairielearn":
        return not_gradable_results(message)
    return failure_results(message)


def results_for(platform: str, root: Path) -> dict:
    """Grade the submission under ``root``; the platform's results object."""
    try:
        submission = find_submission(root / LAYOUT[platform][0])
    except NoSubmission as problem:
        return failed(platform, f"Not graded: {problem}")
    with tempfile.TemporaryDirectory(prefix="lstm-grader-report-") as out_dir:
        try:
            child = subprocess.run(grade_command(platform, submission, Path(out_dir)), capture_output=True,
                                   text=True, timeout=GRADE_TIMEOUT, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return failed(platform, f"Not graded: grading took longer than {GRADE_TIMEOUT} s.")
        show_instructor_report(Path(out_dir))
    sys.stderr.write(child.stderr)
    if child.returncode == 0:
        try:
            return json.loads(child.stdout)
        except json.JSONDecodeError:
            pass
    detail = child.stderr.strip().splitlines()[-1:] or [f"exit status {child.returncode}"]
    return failed(platform, f"Not graded: {detail[0].removeprefix('Error: ')}")


def run(platform: str, root: Path) -> Path:
    """Write the results file for the submission under ``root``; return its path."""
    results = results_for(platform, root)
    target = root / LAYOUT[platform][1]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"lstm-grader: score {results.get('score', 0)} written to {target}")
    return target


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] not in LAYOUT:
        print(f"usage: python -m grader.platforms.autograder {{{'|'.join(LAYOUT)}}} ROOT", file=sys.stderr)
        return 2
    run(args[0], Path(args[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
