"""What the autograder test cells of the generated nbgrader notebook call.

Why this design: under nbgrader the student's code runs in a Jupyter kernel
we cannot trust (an answer cell may have patched ``numpy``; nbgrader is no
sandbox). So a test cell never checks the live objects itself. It calls
:func:`grade_part`, which

1. takes the code the kernel has executed so far (IPython's raw input
   history, in execution order, so it matches the kernel's definitions) and
   reduces it with the notebook rule of :mod:`grader.notebook` (imports,
   definitions, simple constants; the student's experiments are left out);
2. grades that source ONCE per kernel (cached by its hash) in a fresh
   ``python -m grader.nbgrader_hooks`` process -- clean NumPy, the normal
   ``grade()`` with its sandboxed child for the student's code;
3. prints the feedback of one part (its named bugs and checks) on stdout and
   returns the part's points as a float. The float is the cell's last
   expression, so nbgrader's partial credit gives the cell exactly those
   points. Nothing is written to stderr: any stderr output in a test cell
   would score it 0 (nbgrader 0.9).

The hidden-test region of each test cell is only ``grade_part(...)``, so
nbgrader showing hidden tests in feedback (its issue #917) reveals nothing.

Residual risk, stated in docs/instructor-guide.md: code in the kernel runs
before the test cell and can replace this module's functions there. The
independent cross-check is ``lstm-grader batch`` on the submitted notebooks,
which never involves a kernel.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from grader.feedback import render_bug, render_text, status, wrap

# Which checks and which catalogued bugs belong to each graded part.
PARTS = {
    "forward": {"checks": ("contract/forward_structure", "forward/"), "functions": ("forward",)},
    "backward": {"checks": ("contract/backward_structure", "backward/", "gradcheck/"),
                 "functions": ("backward",)},
    "clip_and_update": {"checks": ("contract/clip_and_update_structure", "clip/"),
                        "functions": ("clip_and_update",)},
    "training": {"checks": ("training/",), "functions": ()},
}
GRADING_TIMEOUT_S = 900  # the whole grading run; the sandbox has its own per-call limits

_cache: dict[tuple[str, str], dict] = {}


class GradingFailed(RuntimeError):
    """The grader itself could not grade (not the student's fault)."""


def part_of(check_name: str, part: str) -> bool:
    """Whether the check ``check_name`` counts towards ``part``."""
    return check_name.startswith(PARTS[part]["checks"])


def part_score(report: dict, part: str, points: float) -> float:
    """The part's share of ``points``: its checks' score over their maximum."""
    tests = [t for t in report["tests"] if part_of(t["name"], part)]
    maximum = sum(t["max_score"] for t in tests)
    if maximum <= 0:
        return 0.0
    earned = sum(t["score"] for t in tests)
    return round(min(points, max(0.0, points * earned / maximum)), 2)


def kernel_source() -> tuple[str, list[str]]:
    """The kernel's executed code reduced by the notebook rule, and the notes."""
    from grader.notebook import extract_cells

    try:
        from IPython import get_ipython
    except ImportError:
        get_ipython = None
    shell = get_ipython() if get_ipython else None
    if shell is None:
        raise GradingFailed("grade_part() runs inside a Jupyter/IPython kernel only; "
                            "outside one, use `lstm-grader grade lstm.ipynb`")
    history = list(shell.history_manager.input_hist_raw)
    extraction = extract_cells(list(enumerate(history))[1:], label="In")
    return extraction.source, extraction.notes


def grade_source(source: str, suite: str = "hidden") -> dict:
    """The report (as JSON data) of ``source``, graded in a fresh process."""
    key = (suite, hashlib.sha256(source.encode("utf-8")).hexdigest())
    if key in _cache:
        return _cache[key]
    with tempfile.TemporaryDirectory(prefix="lstm-grader-nb-") as scratch:
        path = Path(scratch) / "lstm.py"
        path.write_text(source, encoding="utf-8")
        env = dict(os.environ, MPLBACKEND="Agg", PYTHONWARNINGS="ignore",
                   MPLCONFIGDIR=str(Path(scratch) / "mpl"))
        try:
            done = subprocess.run([sys.executable, "-m", "grader.nbgrader_hooks", suite, str(path)],
                                  capture_output=True, text=True, env=env, cwd=scratch,
                                  timeout=GRADING_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise GradingFailed(f"lstm-grader did not finish within {GRADING_TIMEOUT_S} s") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise GradingFailed(f"lstm-grader failed (exit code {done.returncode}): {last}")
    report = json.loads(done.stdout)
    _cache[key] = report
    return report


def render_part(report: dict, part: str, points: float, notes: list[str]) -> str:
    """The feedback printed under one test cell: score, bugs, checks, notes."""
    score = part_score(report, part, points)
    lines = [f"lstm-grader, {part}: {score:g} / {points:g} points", ""]
    for error in report.get("errors", []):
        lines += [wrap("Problem: " + error.splitlines()[0], ""), ""]
    bugs = [b for b in report.get("bugs", []) if b.get("function") in PARTS[part]["functions"]]
    if bugs:
        lines.append(f"Bugs found ({len(bugs)}):")
        for bug in bugs:
            lines += render_bug(bug)
        lines.append("")
    if part == "training" and report.get("bugs") and score < points:
        lines += [wrap("Training uses all three functions: fix the bugs named above first.", ""), ""]
    unexplained = [u for u in report.get("unexplained", [])
                   if u.get("function") in PARTS[part]["functions"] or "function" not in u]
    for finding in unexplained:
        lines += [wrap("Something else is wrong: " + finding.get("message", str(finding)), ""), ""]
    lines.append("Checks:")
    for test in report["tests"]:
        if part_of(test["name"], part):
            lines.append(f"  {status(_Test(test))}  {test['name']}  {test['score']:g} / {test['max_score']:g}")
            if test.get("feedback") and not test["passed"]:
                lines.append(wrap(test["feedback"], "        "))
    if notes:
        lines += ["", wrap("Not run by the grader (it loads only imports, definitions and simple "
                           "constants from your notebook):", "")]
        lines += [wrap(note, "    ").replace("    ", "  - ", 1) for note in notes]
    return "\n".join(lines)


class _Test:
    """Attribute view of one test's JSON, for :func:`grader.feedback.status`."""

    def __init__(self, data: dict):
        self.passed, self.score = data["passed"], data["score"]


def grade_part(part: str, points: float) -> float:
    """Grade the kernel's code (once), print ``part``'s feedback, return its points.

    Used as the last line of an nbgrader test cell: the returned float is the
    cell's output, which nbgrader takes as the cell's partial credit.
    """
    if part not in PARTS:
        raise ValueError(f"unknown part {part!r}: expected one of {', '.join(PARTS)}")
    source, notes = kernel_source()
    report = grade_source(source, "hidden")
    # the notes concern the whole notebook: show them once, under the first part
    first = part == next(iter(PARTS))
    print(render_part(report, part, points, notes if first else []))
    return part_score(report, part, points)


def self_check() -> None:
    """Print the public self-check of the kernel's code (not the grade).

    Does nothing while nbgrader autogrades (``NBGRADER_EXECUTION=autograde``):
    the hidden tests grade then, and the self-check would only cost time.
    """
    if os.environ.get("NBGRADER_EXECUTION") == "autograde":
        return
    source, notes = kernel_source()
    report = grade_source(source, "public")
    report["notes"] = notes
    from grader.report import Report

    print(render_text(Report.from_json(report)))


def main(argv: list[str]) -> int:
    """``python -m grader.nbgrader_hooks SUITE FILE.py``: the report as JSON."""
    import warnings

    from grader.sandbox.process import prestart

    prestart(one_shot=True)  # the sandbox child starts while the grader imports pytest
    from grader.grading import GradingOptions, grade

    warnings.simplefilter("ignore")
    suite, path = argv
    report = grade(Path(path), GradingOptions(suite=suite))
    report.submission = "your notebook"
    sys.stdout.write(json.dumps(report.to_json()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
