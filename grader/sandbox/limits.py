"""Resource limits for one student's process, in one place so callers can tune them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """What the student's code may use.  Defaults suit a small NumPy LSTM.

    call_timeout:     wall-clock seconds one call (or loading the file) may take; also the
                      per-call CPU allowance (RLIMIT_CPU, raised before each call).
    total_timeout:    wall-clock seconds of child time (start-ups + calls) for the whole
                      StudentProcess; once used up every call fails fast with a timeout.
    memory_mb:        address-space limit of the child (RLIMIT_AS), NumPy included
                      (NumPy itself needs < 256 MB).
    max_output_bytes: stdout+stderr one call may print; beyond it the call fails with
                      kind 'output' and the child is restarted.  Also the size of the
                      kept (trimmed) output.
    max_file_mb:      largest file the child may write (RLIMIT_FSIZE), in its scratch dir.
    max_processes:    RLIMIT_NPROC of the child's user (threads count too); only enforced
                      when the child does not run as root (it runs as 'nobody' when the
                      grader is root and namespaces work).
    max_result_mb:    largest message (return value) accepted from the child.
    max_items:        most non-array values (list items, numbers...) in one return value.
    max_scratch_mb:   total size of the scratch dir (a tmpfs in the mount namespace; without
                      namespaces only max_file_mb per file applies).
    allow_unconfined: grade even where no confinement layer at all is available (no
                      namespaces, Landlock, seccomp nor uid drop); off by default, then
                      starting a child raises SandboxUnavailable.
    """

    call_timeout: float = 3.0  # a correct call takes milliseconds; three hanging functions cost < 15 s
    total_timeout: float = 30.0  # the reference uses about 1 s of child time
    memory_mb: int = 1024
    max_output_bytes: int = 65536
    max_file_mb: int = 16
    max_processes: int = 64
    max_result_mb: int = 256
    max_items: int = 200_000
    max_scratch_mb: int = 64
    allow_unconfined: bool = False
