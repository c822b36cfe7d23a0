"""One sandbox bounded as a whole: memory and processes in a cgroup, an IPC
namespace, a scratch folder with a total size cap (issue 9, item 4)."""

from __future__ import annotations

import ctypes
import os
import random
from pathlib import Path

import pytest

from grader.sandbox import Limits, StudentProcess, cgroups, isolation

HOSTILE = Path(__file__).parent / "hostile"
BOUNDS = HOSTILE / "sandbox_bounds.py"
HAS_NS = isolation.namespace_prefix()[0] is not None
needs_ns = pytest.mark.skipif(not HAS_NS, reason="no namespaces on this machine")
needs_memory_cgroup = pytest.mark.skipif("memory" not in cgroups.available(), reason="no writable memory cgroup")
needs_pids_cgroup = pytest.mark.skipif("pids" not in cgroups.available(), reason="no writable pids cgroup")
MODES = [pytest.param(None, marks=needs_ns, id="namespaces"), pytest.param(False, id="degraded")]


def open_student(limits, namespaces):
    return StudentProcess(BOUNDS, limits, namespaces=namespaces, prestart=False)


@needs_memory_cgroup
@pytest.mark.parametrize("namespaces", MODES)
def test_forks_cannot_add_up_past_the_memory_limit(namespaces):
    """Four forks of 150 MB each, under a 400 MB limit: each is within RLIMIT_AS, the sum is not."""
    limits = Limits(call_timeout=20, memory_mb=400)
    with open_student(limits, namespaces) as student:
        assert "cgroup-memory" in student.isolation
        out = student.call("forks", 4, 150)
        if out.ok:
            assert out.value["forked"] == 4
            assert out.value["holding"] * 150 <= 400
        else:
            assert out.error.kind in ("crash", "memory")  # the OOM killer chose the worker itself


@needs_memory_cgroup
@pytest.mark.parametrize("namespaces", MODES)
def test_memfd_files_cannot_hold_memory_past_the_limit(namespaces):
    limits = Limits(call_timeout=20, memory_mb=300)
    with open_student(limits, namespaces) as student:
        out = student.call("memfds", 600)
        if out.ok:
            assert out.value["written_mb"] <= 300
        else:
            assert out.error.kind in ("crash", "memory")


@needs_pids_cgroup
@pytest.mark.parametrize("namespaces", MODES)
def test_process_count_is_bounded_for_the_whole_sandbox(namespaces):
    limits = Limits(call_timeout=20, max_processes=12)
    with open_student(limits, namespaces) as student:
        assert "cgroup-pids" in student.isolation
        out = student.call("process_count", 40)
        assert out.ok, out.error
        assert out.value < 12


@needs_ns
def test_the_scratch_folder_has_a_total_size_cap():
    """Files of 8 MB each (under the 16 MB per-file cap) until 320 MB: the 32 MB tmpfs stops them."""
    limits = Limits(call_timeout=20, max_scratch_mb=32)
    with open_student(limits, None) as student:
        assert "scratch-tmpfs" in student.isolation
        out = student.call("fill_scratch", 40)
        assert out.ok, out.error
        assert out.value["written_mb"] <= 32 and out.value["stopped"] is not None
        host_scratch = Path(student.scratch_dirs[-1])
        assert not list(host_scratch.glob("fill-*"))  # nothing reached the host's disk


def segment_ids(key) -> list:
    """SysV shm ids with this key, from /proc (only the key this test chose)."""
    rows = Path("/proc/sysvipc/shm").read_text().splitlines()[1:]
    return [int(r.split()[1]) for r in rows if int(r.split()[0]) == key]


def remove_segments(key):
    libc = ctypes.CDLL(None)
    for shmid in segment_ids(key):
        libc.shmctl(shmid, 0, None)  # IPC_RMID


@pytest.mark.skipif(not os.path.exists("/proc/sysvipc/shm"), reason="no SysV IPC information")
@pytest.mark.parametrize("namespaces", MODES)
def test_sysv_shared_memory_does_not_outlive_grading(namespaces):
    key = random.SystemRandom().randrange(1 << 24, 1 << 30)
    try:
        with open_student(Limits(call_timeout=10), namespaces) as student:
            out = student.call("sysv_segment", key)
            assert out.ok, out.error
            if namespaces is None:
                assert "ipcns" in student.isolation
            else:  # no IPC namespace: the seccomp filter refuses SysV IPC
                assert "seccomp" in student.isolation and out.value["shmid"] is None
        assert segment_ids(key) == []
    finally:
        remove_segments(key)


def test_without_a_cgroup_the_fallback_is_named(monkeypatch):
    monkeypatch.setattr(cgroups, "available", lambda: {})
    with open_student(Limits(call_timeout=9.5), None if HAS_NS else False) as student:
        layers = student.isolation
    assert not {"cgroup-memory", "cgroup-pids"} & set(layers)
    assert any(s.startswith("degraded: no memory cgroup") and "per process" in s for s in layers)
    assert any(s.startswith("degraded: no pids cgroup") for s in layers)


@needs_pids_cgroup
def test_stale_empty_groups_are_swept_but_busy_and_young_ones_are_not():
    """A grader killed before its clean-up leaves empty groups behind; the next one removes
    them, but not a group in use, nor a young one (another grader may be setting it up).
    The stale ones are dated an hour back: a group made a moment ago may carry a
    timestamp a hair after the sweep's clock. The prefix is not the graders' own, so
    the sweep of a grader starting meanwhile (another test worker) leaves them alone."""
    import subprocess
    import time

    base = cgroups.available()["pids"]
    prefix = f"lstm-sweeptest-{os.getpid()}-"
    assert not prefix.startswith(cgroups.PREFIX)
    stale, busy, young = (os.path.join(base, prefix + name) for name in ("stale", "busy", "young"))
    for path in (stale, busy, young):
        os.mkdir(path)
    an_hour_ago = time.time() - 3600
    for path in (stale, busy):
        os.utime(path, (an_hour_ago, an_hour_ago))
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        Path(busy, "cgroup.procs").write_text(str(sleeper.pid))
        assert cgroups.sweep(base, prefix=prefix) == 1
        assert not os.path.exists(stale) and os.path.exists(busy) and os.path.exists(young)
    finally:
        sleeper.kill()
        sleeper.wait()
        os.rmdir(young)
        for _ in range(200):  # the killed sleeper leaves its group a moment after wait()
            if cgroups.sweep(base, prefix=prefix) or not os.path.exists(busy):
                break
            time.sleep(0.01)
    assert not os.path.exists(busy)
