"""Children forked from the zygote (grader/sandbox/zygote.py) are confined exactly
like exec'd ones and inherit nothing of the zygote but NumPy."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import grader.solutions
from grader.sandbox import Limits, StudentProcess, forkserver, isolation, process

HOSTILE = Path(__file__).parent / "hostile"
REFERENCE = Path(grader.solutions.__file__).parent / "lstm.py"
FAST = Limits(call_timeout=2.0, total_timeout=30.0)
FORKS = forkserver.available(isolation.plan())
needs_zygote = pytest.mark.skipif(not FORKS, reason="children are exec'd on this platform")


def layers_and_values(path, **kw):
    with StudentProcess(path, FAST, prestart=False, **kw) as student:
        return student.isolation, student.call("environment").value, student.call("open_descriptors").value


@needs_zygote
@pytest.mark.parametrize("namespaces", [None, False], ids=["namespaces", "degraded"])
def test_a_forked_child_is_confined_like_an_exec_d_one(namespaces, monkeypatch):
    forked = layers_and_values(HOSTILE / "zygote_probe.py", namespaces=namespaces)
    monkeypatch.setattr(forkserver, "available", lambda plan: False)
    execd = layers_and_values(HOSTILE / "zygote_probe.py", namespaces=namespaces)
    assert forked[0] == execd[0]  # the same isolation layers
    assert set(forked[1]) == set(execd[1])  # the same environment variables, nothing of the zygote's
    assert [kind for _, kind in forked[2]] == [kind for _, kind in execd[2]]  # stdio and its two pipes
    assert "socket" not in [kind for _, kind in forked[2]]  # not the zygote's control socket


@needs_zygote
def test_the_marker_is_in_the_environment_proc_shows():
    """The grader finds a child's processes by the marker /proc shows (a fork keeps the
    zygote's environment block unless the child writes its own marker over it)."""
    with StudentProcess(REFERENCE, FAST, prestart=False) as student:
        block = Path(f"/proc/{student.pid}/environ").read_bytes().split(b"\0")
        assert f"LSTM_SANDBOX={student.markers[-1]}".encode() in block


@needs_zygote
def test_a_killed_zygote_is_replaced():
    with StudentProcess(REFERENCE, FAST, prestart=False) as student:
        assert student.load_error is None
    zygote = forkserver._current[0]
    assert zygote is not None
    zygote.popen.kill()
    zygote.popen.wait()
    with StudentProcess(REFERENCE, FAST, prestart=False) as student:
        assert student.load_error is None
        assert student.call("init_lstm", 3, 2, seed=0).ok
    assert forkserver._current[0] is not zygote


@needs_zygote
def test_a_request_the_zygote_cannot_serve_fails_that_start_only():
    with StudentProcess(REFERENCE, FAST, prestart=False):
        pass
    zygote = forkserver._current[0]
    ends = [os.pipe() for _ in range(4)]
    handle = zygote.fork({"cfg": {"no": "configuration"}, "env": {}}, [w for _, w in ends])
    for r, w in ends:
        os.close(r)
        os.close(w)
    assert handle.pid is None and handle.poll() is not None  # not started
    with StudentProcess(REFERENCE, FAST, prestart=False) as student:
        assert student.call("init_lstm", 3, 2, seed=0).ok
    assert forkserver._current[0] is zygote  # the same zygote served it


@needs_zygote
def test_zygote_and_children_die_with_a_killed_grader(tmp_path):
    """A grader killed without any clean-up leaves neither the zygote nor a child."""
    script = textwrap.dedent(f"""
        import os, sys, time
        from grader.sandbox import Limits, StudentProcess, forkserver
        student = StudentProcess({str(REFERENCE)!r}, Limits(), prestart=False).__enter__()
        print(forkserver._current[0].popen.pid, student.pid, flush=True)
        time.sleep(60)
    """)
    grader_process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    zygote_pid, child_pid = (int(word) for word in grader_process.stdout.readline().split())
    grader_process.send_signal(signal.SIGKILL)
    grader_process.wait()
    for pid in (zygote_pid, child_pid):
        for _ in range(200):
            if not _alive(pid):
                break
            time.sleep(0.05)
        assert not _alive(pid), f"pid {pid} outlived the grader"


def _alive(pid) -> bool:
    """Running (a zombie waiting for its parent counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_children_are_exec_d_where_the_zygote_cannot_reproduce_the_set_up():
    through_user_namespace = isolation.Plan(prefix=["unshare", "--user", "--map-root-user"], namespaces=True,
                                            drop_uid=False, hide=[], hide_import=[], keep=[])
    assert not forkserver.available(through_user_namespace)


def test_the_zygote_can_be_switched_off(monkeypatch):
    plan = isolation.plan()
    monkeypatch.setenv(forkserver.NO_ZYGOTE, "1")
    assert not forkserver.available(plan)
    with StudentProcess(REFERENCE, FAST, prestart=False) as student:  # exec'd: graded all the same
        assert student.call("init_lstm", 3, 2, seed=0).ok


def test_shutdown_leaves_no_zygote():
    with StudentProcess(REFERENCE, FAST, prestart=False):
        pass
    zygote = forkserver._current[0]
    process.shutdown_spares()
    forkserver.shutdown()
    assert forkserver._current[0] is None
    if zygote is not None:
        assert zygote.popen.poll() is not None
