"""Benchmark of the diagnosis alone, in-process (was a timed test; timing belongs here).

A benchmark, not a test: it asserts nothing. Median seconds of ``diagnose``
on the notebook mutant (a dozen catalogued bugs), the functions called in
this process, so only the error-model search is measured.

    python bench/diagnosis.py            # 5 runs
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from grader.diagnosis import diagnose

    spec = importlib.util.spec_from_file_location("mutant_adapter", ROOT / "tests" / "mutants" / "adapter.py")
    adapter = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(adapter)
    call = adapter.in_process_call(adapter.load_mutant(ROOT / "tests" / "mutants" / "notebook_original.py"))
    diagnose(call)
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        diagnose(call)
        times.append(time.perf_counter() - started)
    print(f"diagnose(notebook_original): median {statistics.median(times):.3f} s over {args.runs} runs "
          f"(load average {os.getloadavg()[0]:.2f}; the timed test asked < 0.5 s)")


if __name__ == "__main__":
    main()
