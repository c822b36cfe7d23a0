"""Benchmark of the diagnosis alone: ``diagnose()`` on every mutant in
tests/mutants/, in-process (no sandbox), best of N runs per mutant.

A benchmark, not a test: it asserts nothing. Prints the median and the
maximum over the mutants, the slowest ones, and the error model's
evaluations (a machine-independent measure of the search's work).

    python bench/diagnosis.py            # 3 runs per mutant
    python bench/diagnosis.py --runs 5
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import time
from pathlib import Path

from grader.diagnosis import diagnose_function
from grader.diagnosis.domains import OBSERVERS

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("mutant_adapter", ROOT / "tests" / "mutants" / "adapter.py")
adapter = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(adapter)


def diagnosis_work(call) -> int:
    """One diagnosis, function by function; the number of model evaluations."""
    evaluations = 0
    for observe in OBSERVERS:
        observed = observe(call)
        diagnose_function(observed)
        evaluations += observed.domain.evaluations if observed.domain else 0
    return evaluations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows = []
    for path in adapter.mutant_files():
        call = adapter.in_process_call(adapter.load_mutant(path))
        seconds = []
        for _ in range(args.runs):
            start = time.perf_counter()
            evaluations = diagnosis_work(call)
            seconds.append(time.perf_counter() - start)
        rows.append((min(seconds), evaluations, path.name))
    rows.sort()
    times = [row[0] for row in rows]
    print(f"{len(rows)} mutants, best of {args.runs}: median {statistics.median(times) * 1000:.0f} ms, "
          f"max {max(times) * 1000:.0f} ms; model evaluations median {statistics.median(r[1] for r in rows):.0f}, "
          f"max {max(r[1] for r in rows)}")
    for seconds, evaluations, name in rows[-5:]:
        print(f"  {seconds * 1000:6.0f} ms  {evaluations:4d} evaluations  {name}")


if __name__ == "__main__":
    main()
