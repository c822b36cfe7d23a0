"""Measure the sandbox: cold and warm start, per-call overhead.  ``python -m grader.sandbox.bench``."""

from __future__ import annotations

import os
import statistics
import tempfile
from contextlib import contextmanager
import time
from pathlib import Path

import numpy as np

from .forkserver import NO_ZYGOTE
from .limits import Limits
from .process import StudentProcess, shutdown_spares

_SUBMISSION = "def identity(x):\n    return x\n"


def main(rounds: int = 6) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sub = Path(tmp, "identity.py")
        sub.write_text(_SUBMISSION)
        cold, forked, warm = [], [], []
        for _ in range(rounds):
            shutdown_spares()
            with _exec_only(), StudentProcess(sub, Limits()) as student:
                cold.append(student.startup_seconds)
        for _ in range(rounds):
            shutdown_spares()
            with StudentProcess(sub, Limits()) as student:
                forked.append(student.startup_seconds)
        for _ in range(rounds):
            with StudentProcess(sub, Limits()) as student:
                warm.append(student.startup_seconds)
            time.sleep(0.4)  # let the next spare finish warming up
        x = np.random.default_rng(0).normal(size=(10, 20))
        caches = tuple([np.zeros((10, 1))] * 10 for _ in range(9))  # the shape of a forward() result
        with StudentProcess(sub, Limits()) as student:
            layers = student.isolation
            small = _time(lambda: student.call("identity", x), 500)
            big = _time(lambda: student.call("identity", caches), 100)
        shutdown_spares()
    print(f"isolation: {layers}")
    print(f"start, cold, exec'd (python + numpy + namespaces): median {1000 * statistics.median(cold):.0f} ms")
    print(f"start, cold, forked from the zygote:        median {1000 * statistics.median(forked):.1f} ms"
          f"   (x{statistics.median(cold) / statistics.median(forked):.1f} faster)")
    print(f"start, warm spare:                         median {1000 * statistics.median(warm):.1f} ms")
    print(f"call identity(10x20 array):                median {1000 * small:.3f} ms")
    print(f"call identity(9 lists of 10 (10,1) arrays): median {1000 * big:.3f} ms")


@contextmanager
def _exec_only():
    """Children exec'd, not forked from the zygote (forkserver.NO_ZYGOTE)."""
    os.environ[NO_ZYGOTE] = "1"
    try:
        yield
    finally:
        del os.environ[NO_ZYGOTE]


def _time(fn, n):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


if __name__ == "__main__":
    main()
