"""One BLAS thread per grading process.

The grader's arithmetic is on tiny matrices (hidden sizes of 4-10), where
OpenBLAS' worker threads only cost: after each call they spin, waiting for
more work, on another core (measured: a spinning BLAS thread took half as
much CPU as the grading itself). Parallelism comes from batch workers and the
sandbox's children instead (which get one thread each as well). The variables
must be set before NumPy is first imported; an instructor's own setting wins.
"""

from __future__ import annotations

import os

BLAS_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def one_blas_thread() -> None:
    """Ask BLAS for one thread, for this process and the ones it starts, unless set already."""
    for variable in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(variable, "1")
