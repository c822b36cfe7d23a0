"""Benchmark of grading one submission: the sandboxed grader against the
unsandboxed way other autograders run the same checks.

A benchmark, not a test: it asserts nothing. Three figures, from one run on
the same machine, with the ratio between them:

* ``lstm-grader grade`` as a user runs it (a fresh process: start-up,
  sandboxed student process, hidden suite, diagnosis), median of N runs;
* ``grade()`` in a warm process (what a batch worker pays per submission);
* the same hidden suite with the student's functions called IN the grader's
  process, as nbgrader/otter do (no sandbox, no diagnosis): the price of
  running student code safely is the difference;
* CPU seconds per submission, warm, over the class mix of bench/batch.py
  (correct, one or two bugs, untouched, syntax errors): the grader's process
  and its sandbox processes apart (the zygote and the children it forks;
  bench/cpu.py counts them wherever they were started from).

CPU times are the figures to compare on a busy machine: wall-clock times grow
with the load average (printed), CPU times much less.

    python bench/grade.py               # the reference, 7 runs each, a mix of 20
    python bench/grade.py --runs 11 --mix 40 --submission examples/buggy_submission.py
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from cpu import CLOCK, machine_speed  # noqa: E402  (first: every process started from here on is counted)


def median_seconds(function, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


QUIET_SPEED = 115  # us: bench/cpu.machine_speed() on this machine when its host is quiet


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds (user + system) of this process, and of all the processes it started."""
    t = os.times()
    own = t.user + t.system
    return own, CLOCK() - own


def median_cpu(function, runs: int) -> float:
    """Median CPU seconds of all processes per run of ``function``."""
    used = []
    for _ in range(runs):
        before = CLOCK()
        function()
        used.append(CLOCK() - before)
    return statistics.median(used)


def warm_mix_cpu(n: int, seed: int = 0, repeats: int = 3) -> tuple[float, float, float, float]:
    """Median over ``repeats`` passes of the mean (grader CPU, sandbox CPU, wall) per
    submission over a class mix, warm, and of the machine speed around each pass
    (a shared machine's neighbours move single passes by 10-40 %)."""
    from batch import generate

    from grader.grading import grade
    from grader.submission import SubmissionError

    passes = []
    with tempfile.TemporaryDirectory() as folder:
        generate(Path(folder), n, seed)
        paths = sorted(Path(folder).glob("*.py"))
        grade(paths[0])  # warm-up
        for _ in range(repeats):
            speed = machine_speed()
            before, started = cpu_seconds(), time.perf_counter()
            for path in paths:
                try:
                    grade(path)
                except SubmissionError:
                    pass
            after, wall = cpu_seconds(), time.perf_counter() - started
            speed = (speed + machine_speed()) / 2
            passes.append(((after[0] - before[0]) / n, (after[1] - before[1]) / n, wall / n, speed))
    return tuple(statistics.median(figure) for figure in zip(*passes))


def cli_run(submission: Path):
    """``lstm-grader grade`` in a fresh interpreter (what the console script runs;
    this form also measures another source tree put first on PYTHONPATH)."""
    command = [sys.executable, "-c", "from grader.cli import main; main()", "grade", str(submission)]
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
    parser.add_argument("--mix", type=int, default=20, help="submissions in the warm class mix (0: skip)")
    args = parser.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

    cli_cpu = median_cpu(cli_run(args.submission), args.runs)
    figures = {
        "lstm-grader grade (fresh process)": median_seconds(cli_run(args.submission), args.runs),
        "grade() in a warm process": median_seconds(warm_grade(args.submission), args.runs),
        "same suite, unsandboxed, no diagnosis": median_seconds(unsandboxed(args.submission), args.runs),
    }
    baseline = figures["same suite, unsandboxed, no diagnosis"]
    print(f"submission: {args.submission}   runs: {args.runs}   load average: {os.getloadavg()[0]:.2f}   "
          f"machine speed: reference forward {machine_speed():.0f} us (bench/cpu.py)")
    for name, seconds in figures.items():
        print(f"  {name:40s} {seconds:7.3f} s   x{seconds / baseline:5.2f}")
    print(f"  {'lstm-grader grade (fresh), CPU':40s} {cli_cpu:7.3f} s   (all processes: CLI, zygote, sandbox)")
    if args.mix:
        own, children, wall, speed = warm_mix_cpu(args.mix)
        print(f"warm, class mix of {args.mix} (bench/batch.py), per submission, median of 3 passes:")
        print(f"  {'grader process CPU':40s} {own:7.3f} s")
        print(f"  {'sandbox processes CPU':40s} {children:7.3f} s")
        print(f"  {'both':40s} {own + children:7.3f} s   (goal <= 0.15 s)")
        print(f"  {'wall':40s} {wall:7.3f} s")
        print(f"  {'both, at a quiet machine speed':40s} {(own + children) * QUIET_SPEED / speed:7.3f} s   "
              f"(machine speed during the passes: {speed:.0f} us, quiet: {QUIET_SPEED} us)")
    print(f"CPU measured by {CLOCK.source}; machine speed after: {machine_speed():.0f} us")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    sys.exit(main())
