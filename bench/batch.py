"""Benchmark of ``lstm-grader batch``: submissions per second and parallel efficiency.

A benchmark, not a test: it asserts nothing about speed. It generates N
submissions, a realistic mix for a class (correct ones, one or two bugs made by
small edits of the reference solution, a few untouched exercises and syntax
errors), then grades the same folder with 1, 2, ... workers through the real
command line and prints a table.

    python bench/batch.py                 # 40 submissions, 1 and 2 workers
    python bench/batch.py --n 200 --workers 1,2

Parallel efficiency = speed-up / workers (1.0 = perfect). The times include
starting the worker processes and writing grades.csv and report.html, i.e.
what an instructor waits for. The machine's load average is printed because
other work on the machine changes the figures. "cores busy" is the CPU of all
the run's processes over its wall time: above 1 with one worker, part of the
work overlaps the grading on another core (bench/versus_nbgrader.py's
efficiency_factors).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from cpu import CLOCK, machine_speed  # noqa: E402  (first: every process started from here on is counted)
REFERENCE = (ROOT / "solutions" / "lstm.py").read_text(encoding="utf-8")
EXERCISE = (ROOT / "exercises" / "lstm.py").read_text(encoding="utf-8")

# Small text edits of the reference: mistakes students actually make.
BUGS = {
    "cell-state-off-by-one": ("C_t = C[t + 1]", "C_t = C[t]"),
    "cell-carry-missing-forget": ("dC_next = dC * f[t]", "dC_next = dC"),
    "concat-order": ("z = np.vstack((h_s[-1], x))", "z = np.vstack((x, h_s[-1]))"),
    "hidden-missing-tanh": ("h = o * tanh(C)", "h = o * C"),
    "cell-update": ("C = f * C_s[-1] + i * g", "C = C_s[-1] + i * g"),
    "no-hidden-carry": ("dh_next = dz[:hidden_size]", "dh_next = 0 * dz[:hidden_size]"),
    "forget-derivative": ("df = dC * C_prev * f[t] * (1.0 - f[t])", "df = dC * C_prev"),
    "always-rescales": ("if clip_coef < 1:", "if True:"),
    "wrong-sign": ("param - lr * grad for", "param + lr * grad for"),
}
# share of the class: correct, one bug, two bugs, untouched exercise, syntax error
MIX = (("correct", 0.35), ("one bug", 0.40), ("two bugs", 0.15), ("untouched", 0.05), ("syntax error", 0.05))


UNTOUCHED = None  # the exercise as released: stubs only
SYNTAX_ERROR = [("def backward(", "def backward(:")]


def class_mix(n: int, seed: int) -> list[tuple[str, list | None]]:
    """``n`` submissions as (kind, text edits of the reference), or (kind, UNTOUCHED):
    one description that bench/versus_nbgrader.py renders as notebooks too."""
    rng = random.Random(seed)
    kinds = rng.choices([kind for kind, _ in MIX], weights=[share for _, share in MIX], k=n)
    students = []
    for kind in kinds:
        if kind == "correct":
            edits = []
        elif kind == "one bug":
            edits = [BUGS[rng.choice(sorted(BUGS))]]
        elif kind == "two bugs":
            edits = [BUGS[name] for name in rng.sample(sorted(BUGS), 2)]
        elif kind == "untouched":
            edits = UNTOUCHED
        else:
            edits = SYNTAX_ERROR
        students.append((kind, edits))
    return students


def edited(source: str, edits: list) -> str:
    for old, new in edits:
        assert source.count(old) == 1, f"bug edit {old!r} no longer matches once"
        source = source.replace(old, new)
    return source


def generate(folder: Path, n: int, seed: int) -> dict[str, int]:
    """Write ``n`` submissions ``student000.py`` ... into ``folder``; returns the mix."""
    counts: dict[str, int] = {}
    for k, (kind, edits) in enumerate(class_mix(n, seed)):
        counts[kind] = counts.get(kind, 0) + 1
        source = EXERCISE if edits is UNTOUCHED else edited(REFERENCE, edits)
        (folder / f"student{k:03d}.py").write_text(source, encoding="utf-8")
    return counts


def grade_folder(folder: Path, out: Path, workers: int) -> float:
    """Seconds ``lstm-grader batch`` takes, start to finish."""
    command = [sys.executable, "-c", "from grader.cli import main; main()", "batch", str(folder),
               "--out", str(out), "--workers", str(workers), "--quiet"]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"lstm-grader batch failed ({result.returncode}):\n{result.stderr}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=40, help="number of submissions (default 40)")
    parser.add_argument("--workers", default="1,2", help="worker counts to compare (default 1,2)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the class mix (default 0)")
    parser.add_argument("--keep", type=Path, help="keep the submissions and outputs in this folder")
    args = parser.parse_args()
    counts = [int(w) for w in args.workers.split(",")]

    base = args.keep or Path(tempfile.mkdtemp(prefix="lstm-bench-"))
    folder = base / "submissions"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    mix = generate(folder, args.n, args.seed)
    print(f"{args.n} submissions: " + ", ".join(f"{mix.get(kind, 0)} {kind}" for kind, _ in MIX))
    print(f"{os.cpu_count()} cores, load average before: {os.getloadavg()[0]:.2f}, "
          f"machine speed: reference forward {machine_speed():.0f} us (bench/cpu.py)")
    print(f"{'workers':>7}  {'seconds':>8}  {'subs/s':>7}  {'speed-up':>8}  {'efficiency':>10}  {'CPU s/sub':>9}"
          f"  {'cores busy':>10}")
    base_rate = None
    try:
        for workers in counts:
            out = base / f"out-{workers}"
            shutil.rmtree(out, ignore_errors=True)
            cpu = CLOCK()
            seconds = grade_folder(folder, out, workers)
            cpu = (CLOCK() - cpu) / args.n
            rate = args.n / seconds
            base_rate = base_rate or rate / counts[0]
            speedup = rate / base_rate
            print(f"{workers:>7}  {seconds:>8.1f}  {rate:>7.2f}  {speedup:>8.2f}  {speedup / workers:>10.0%}"
                  f"  {cpu:>9.3f}  {cpu * args.n / seconds:>10.2f}", flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
