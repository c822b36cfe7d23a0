"""Benchmark of grading one submission: the sandboxed grader against the
unsandboxed way other autograders run the same checks.

A benchmark, not a test: it asserts nothing. Three figures, from one run on
the same machine, with the ratio between them:

* ``lstm-grader grade`` as a user runs it (a fresh process: start-up,
  sandboxed student process, hidden suite, diagnosis), median of N runs;
* ``grade()`` in a warm process (what a batch worker pays per submission);
* the same hidden suite with the student's functions called IN the grader's
  process, as nbgrader/otter do (no sandbox, no diagnosis): the price of
  running student code safely is the difference.

    python bench/grade.py               # the reference, 7 runs each
    python bench/grade.py --runs 11 --submission examples/buggy_submission.py
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def median_seconds(function, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def cli_run(submission: Path):
    script = Path(sys.executable).with_name("lstm-grader")  # the console script of this environment
    command = [str(script) if script.exists() else "lstm-grader", "grade", str(submission)]
    return lambda: subprocess.run(command, check=True, capture_output=True)


def warm_grade(submission: Path):
    from grader.grading import grade

    grade(submission)  # warm-up: imports, first sandbox child
    return lambda: grade(submission)


def unsandboxed(submission: Path):
    """The same suite, the student's module imported into this process."""
    from grader.checks.expected import LiveReference
    from grader.checks.student import StudentCalls
    from grader.plugin import GradingPlugin
    from grader.runner import run_suite
    from grader.sandbox.outcome import CallOutcome, StudentError
    from grader.suites.hidden_probes import PROBESET

    spec = importlib.util.spec_from_file_location("submission_in_process", submission)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    def call(name, *args, **kwargs):
        try:
            return CallOutcome(value=getattr(module, name)(*args, **kwargs))
        except Exception as error:  # noqa: BLE001 - a student's exception is data
            return CallOutcome(error=StudentError("exception", str(error)))

    return lambda: run_suite(GradingPlugin(StudentCalls(call), LiveReference(), PROBESET))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submission", type=Path, default=ROOT / "solutions" / "lstm.py")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

    figures = {
        "lstm-grader grade (fresh process)": median_seconds(cli_run(args.submission), args.runs),
        "grade() in a warm process": median_seconds(warm_grade(args.submission), args.runs),
        "same suite, unsandboxed, no diagnosis": median_seconds(unsandboxed(args.submission), args.runs),
    }
    baseline = figures["same suite, unsandboxed, no diagnosis"]
    print(f"submission: {args.submission}   runs: {args.runs}   load average: {os.getloadavg()[0]:.2f}")
    for name, seconds in figures.items():
        print(f"  {name:40s} {seconds:7.3f} s   x{seconds / baseline:5.2f}")


if __name__ == "__main__":
    sys.exit(main())
