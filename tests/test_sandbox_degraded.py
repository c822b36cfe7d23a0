"""The sandbox without namespaces (forced with namespaces=False, as in a container
that refuses unshare): Landlock, seccomp, privilege drop, subreaper -- and the
refusal when none of them is available (issue 9, item 5)."""

from __future__ import annotations

import errno
import os
import site
import socket
import time
from pathlib import Path

import pytest

import grader.solutions
from grader.sandbox import Limits, SandboxUnavailable, StudentProcess, cgroups, isolation, landlock, process, seccomp

HOSTILE = Path(__file__).parent / "hostile"
DEGRADED = HOSTILE / "sandbox_degraded.py"
REFERENCE = Path(grader.solutions.__file__).parent / "lstm.py"
ABI = landlock.abi()
needs_landlock = pytest.mark.skipif(ABI < 1, reason="no Landlock on this kernel")
needs_landlock_net = pytest.mark.skipif(ABI < 4, reason="Landlock ABI >= 4 needed (TCP rules)")
needs_landlock_scope = pytest.mark.skipif(ABI < 6, reason="Landlock ABI >= 6 needed (scopes)")
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def degraded(limits=None):
    return StudentProcess(DEGRADED, limits or Limits(call_timeout=10), namespaces=False, prestart=False)


def gone(pid, seconds=10.0) -> bool:
    """True once ``pid`` no longer exists (or is a zombie); polls, asserts no time."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


@needs_landlock_scope
def test_layers_are_reported_exactly():
    with degraded() as student:
        layers = set(student.isolation)
    assert {"landlock-fs", "landlock-net", "landlock-scope", "seccomp", "subreaper", "process-group",
            "no-new-privs", "rlimits"} <= layers
    assert ("nobody" in layers or "no-caps" in layers) == (os.geteuid() == 0)
    assert not {"netns", "mountns", "pidns", "ipcns"} & layers
    assert any(s.startswith("degraded:") and "landlock" in s for s in student.isolation)


@pytest.mark.skipif(os.geteuid() != 0, reason="the uid drop needs a root grader")
def test_a_root_grader_runs_the_worker_as_nobody_who_can_still_import():
    with degraded() as student:
        out = student.call("identity_and_imports").value
        layers = student.isolation
    assert "nobody" in layers and out["uid"] == out["euid"] == 65534
    assert out["imported"] == ["wave", "fractions", "click"]  # stdlib and site-packages, after the drop
    if not isolation.others_can_run_python():
        assert "keeps-dac-read-search" in layers and "landlock-fs" in layers


@needs_landlock
def test_the_reference_cannot_be_read_even_through_libc():
    assert "BEGIN SOLUTION" in REFERENCE.read_text()
    with degraded() as student:
        found = student.call("read_reference", str(REFERENCE)).value
    assert found == {"libc open": None, "open": None}


@needs_landlock
def test_site_packages_cannot_be_written():
    site_dir = Path(site.getsitepackages()[0])
    target = site_dir / "zz_sandbox_hostile.pth"
    try:
        with degraded() as student:
            out = student.call("write_pth", str(site_dir)).value
        assert out["written"] is False and out["errno"] in (errno.EACCES, errno.EPERM)
        assert not target.exists()
    finally:
        if target.exists():
            target.unlink()


@needs_landlock_net
def test_the_network_is_refused():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.setblocking(False)
    try:
        with degraded() as student:
            out = student.call("tcp_connect", server.getsockname()[1]).value
        assert out["errno"] in (errno.EACCES, errno.EPERM)
        with pytest.raises(BlockingIOError):
            server.accept()
    finally:
        server.close()


@pytest.mark.skipif(seccomp.table() is None, reason="no seccomp table for this machine")
def test_udp_and_unix_sockets_are_refused_by_seccomp():
    with degraded() as student:
        assert "seccomp" in student.isolation
        out = student.call("other_sockets", "/nonexistent").value
    assert out == {"udp": errno.EACCES, "unix": errno.EACCES}


@needs_landlock_scope
def test_no_signals_ptrace_or_namespaces():
    with degraded() as student:
        out = student.call("kernel_calls", os.getpid()).value
    assert out == {"kill grader": errno.EPERM, "ptrace traceme": errno.EPERM, "unshare user": errno.EPERM}


@pytest.mark.parametrize("with_cgroup", [True, False], ids=["cgroup", "subreaper"])
def test_a_setsid_process_does_not_survive_grading(with_cgroup, monkeypatch):
    if not with_cgroup:
        monkeypatch.setattr(cgroups, "available", lambda: {})
    elif "pids" not in cgroups.available():
        pytest.skip("no writable pids cgroup")
    student = degraded(Limits(call_timeout=10, max_items=200_001 + with_cgroup))
    with student:
        assert ("cgroup-pids" in student.isolation) == with_cgroup
        pid = student.call("survivor").value
        assert isinstance(pid, int) and pid > 0 and not gone(pid, 0.2)
    assert gone(pid)


def test_grading_is_refused_when_nothing_confines(monkeypatch):
    monkeypatch.setattr(isolation, "degraded_confinement", lambda: [])
    limits = Limits(call_timeout=7.25)  # a configuration no other test has planned
    with pytest.raises(SandboxUnavailable, match="--allow-unconfined"):
        StudentProcess(DEGRADED, limits, namespaces=False, prestart=False).__enter__()
    process._plans.clear()
    allowed = Limits(call_timeout=7.25, allow_unconfined=True)
    with StudentProcess(DEGRADED, allowed, namespaces=False, prestart=False) as student:
        assert student.load_error is None
        assert not {"landlock-fs", "seccomp"} & set(student.isolation)
        assert any("nothing but rlimits" in s for s in student.isolation)
    process._plans.clear()


def test_a_hidden_folder_inside_site_packages_is_split_around():
    """A grader installed into site-packages: its files unreadable, the rest readable, the folder listable."""
    site_dir = os.path.realpath(site.getsitepackages()[0])
    hidden = os.path.join(site_dir, "numpy")  # stands in for an installed grader package
    readable, listable = isolation.landlock_readable({hidden})
    assert site_dir in listable and site_dir not in readable
    assert hidden not in readable and not any(p.startswith(hidden + "/") for p in readable)
    assert os.path.join(site_dir, "click") in readable
