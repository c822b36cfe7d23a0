"""The student sandbox with real processes: plain-data round trips, every error
kind, and hostile submissions (tests/hostile/).  Every test checks that no
process of its children survives and that their scratch dirs are gone."""

from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import grader.solutions
from grader.probes import make_probe
from grader.sandbox import CallOutcome, Limits, StudentError, StudentProcess
from grader.sandbox import isolation, process

HOSTILE = Path(__file__).parent / "hostile"
REFERENCE = Path(grader.solutions.__file__).parent / "lstm.py"
PROJECT = REFERENCE.parent.parent
FAST = Limits(call_timeout=1.5, total_timeout=30.0, max_output_bytes=4096)
HAS_NS = isolation.namespace_prefix()[0] is not None
needs_ns = pytest.mark.skipif(not HAS_NS, reason="no namespaces on this machine")


def pids_with_marker(markers) -> list:
    """Host pids whose environment holds LSTM_SANDBOX=<one of markers> (a /proc scan)."""
    wanted = {f"LSTM_SANDBOX={m}".encode() for m in markers}
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            env = Path(f"/proc/{entry}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if wanted.intersection(env):
            found.append(int(entry))
    return found


@pytest.fixture
def sandbox():
    """Opens StudentProcesses; afterwards asserts nothing of them is left behind."""
    opened = []

    def open_(path, limits=FAST, **kw):
        student = StudentProcess(path, limits, **kw)
        opened.append(student)
        return student.__enter__()

    yield open_
    for student in opened:
        student.close()
        assert student.markers, "no child was ever started"
        assert pids_with_marker(student.markers) == []
        for d in student.scratch_dirs:
            assert not os.path.exists(d), f"scratch dir {d} left behind"


def reference():
    import grader.solutions.lstm as lstm

    return lstm


def probe():
    return make_probe("t", T=4, H=5, V=3, seed=7)


# --------------------------------------------------------------------------- good submission, data types


def test_reference_submission_matches_the_reference(sandbox):
    p = probe()
    student = sandbox(REFERENCE)
    assert student.load_error is None
    out = student.call("forward", p.inputs, p.h_prev, p.C_prev, p.params)
    assert out.ok, out.error
    expected = reference().forward(p.inputs, p.h_prev, p.C_prev, p.params)
    assert type(out.value) is tuple and len(out.value) == 9
    for got, want in zip(out.value, expected):
        assert type(got) is list and len(got) == len(want)
        for g, w in zip(got, want):
            assert g.dtype == np.float64 and g.shape == w.shape
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)
    back = student.call("backward", *out.value, p.targets, p.params)
    loss, grads = back.value
    want_loss, want_grads = reference().backward(*expected, p.targets, p.params)
    assert isinstance(loss, float) and abs(loss - want_loss) < 1e-10
    assert type(grads) is tuple and len(grads) == 10
    assert student.signature("backward") == ["z", "f", "i", "g", "C", "o", "h", "v", "outputs", "targets", "p"]
    assert student.signature("does_not_exist") is None


def test_kwargs_reach_the_function(sandbox):
    p = probe()
    student = sandbox(REFERENCE)
    grads = tuple(np.full_like(w, 3.0) for w in p.params)
    out = student.call("clip_and_update", p.params, grads, lr=0.05, max_norm=1.0)
    want = reference().clip_and_update(p.params, grads, lr=0.05, max_norm=1.0)
    assert type(out.value) is tuple
    for g, w in zip(out.value, want):
        np.testing.assert_allclose(g, w, rtol=1e-12)
    default = student.call("clip_and_update", p.params, grads)
    assert not np.allclose(default.value[0], out.value[0])  # the kwargs really changed something


def test_every_plain_data_type_round_trips(sandbox):
    student = sandbox(HOSTILE / "roundtrip.py")
    base = np.arange(24, dtype=np.float64).reshape(4, 6)
    arrays = [base, base.astype(np.float32), base.astype(np.int64), base.astype(np.int32),
              base.astype(np.uint8), base > 3, base + 1j, np.array(2.5),
              np.zeros((0, 3)), np.asfortranarray(base), base[:, ::2], base.astype(">f8"),
              np.ones((2, 1, 3, 1))]
    value = (arrays, [1, 2.5, True, None, "ü", (3,), []], {"a": (1, [2]), "b": {"c": base}}, ())
    out = student.call("echo", *value, flag=False, arr=base)
    assert out.ok, out.error
    args, kwargs = out.value
    assert type(args) is tuple and len(args) == 4
    got_arrays, mixed, nested, empty = args
    assert type(got_arrays) is list and len(got_arrays) == len(arrays)
    for g, w in zip(got_arrays, arrays):
        assert type(g) is np.ndarray and g.dtype == w.dtype and g.shape == w.shape
        assert np.array_equal(g, w)
    assert mixed == [1, 2.5, True, None, "ü", (3,), []]
    assert type(mixed[5]) is tuple and type(mixed[6]) is list and type(mixed[2]) is bool
    assert type(nested["a"]) is tuple and type(nested["a"][1]) is list
    assert np.array_equal(nested["b"]["c"], base) and empty == ()
    assert kwargs["flag"] is False and np.array_equal(kwargs["arr"], base)


def test_numpy_scalars_become_python_numbers(sandbox):
    out = sandbox(HOSTILE / "roundtrip.py").call("scalars")
    f, i, b, c, *plain = out.value
    assert type(f) is float and f == 1.5
    assert type(i) is int and i == 7
    assert type(b) is bool and b is True
    assert type(c) is np.ndarray and c.shape == () and c == 1 + 2j
    assert plain == [3, 2.5, True, None, "é"]


def test_output_is_captured_per_call(sandbox):
    student = sandbox(HOSTILE / "roundtrip.py")
    out = student.call("shout")
    assert out.value == 1 and "hello from the student" in out.output
    assert "hello from the student" not in student.call("identity", 1).output
    assert "hello from the student" in student.output


def test_results_are_deterministic(sandbox):
    p = probe()
    runs = []
    for _ in range(2):
        student = sandbox(REFERENCE)
        runs.append(student.call("forward", p.inputs, p.h_prev, p.C_prev, p.params).value)
        student.close()
    for a, b in zip(runs[0], runs[1]):
        assert all(np.array_equal(x, y) for x, y in zip(a, b))


# --------------------------------------------------------------------------- error kinds


def test_exception_shows_only_student_frames(sandbox):
    out = sandbox(HOSTILE / "roundtrip.py").call("boom", 1)
    assert out.error.kind == "exception"
    assert out.error.message.startswith("boom raised ValueError: shapes (3,1) and (4,1) not aligned")
    tb = out.error.traceback
    assert 'File "roundtrip.py", line 35, in boom' in tb
    assert 'File "roundtrip.py", line 39, in helper' in tb
    assert "child.py" not in tb and "numpy" not in tb and "/tmp" not in tb


def test_not_implemented_and_missing(sandbox):
    student = sandbox(HOSTILE / "roundtrip.py")
    out = student.call("todo")
    assert out.error == StudentError("not-implemented", "todo is not implemented yet", out.error.traceback)
    assert student.call("forward").error.kind == "missing"
    assert "not a function" in student.call("not_a_function").error.message
    assert student.signature("not_a_function") is None
    assert student.signature("echo") == ["args", "kwargs"]


def test_syntax_error_at_load(sandbox):
    student = sandbox(HOSTILE / "syntax_error.py")
    err = student.load_error
    assert err.kind == "load" and "syntax error on line 4" in err.message
    assert "def forward(inputs, h_prev, C_prev, p)" in err.traceback
    t0 = time.monotonic()
    assert student.call("forward", 1).error == err
    assert time.monotonic() - t0 < 0.1


@pytest.mark.parametrize("name, words", [
    ("import_error.py", ["could not import", "torch"]),
    ("raise_at_import.py", ["ZeroDivisionError", "while loading"]),
])
def test_failures_at_import(sandbox, name, words):
    err = sandbox(HOSTILE / name).load_error
    assert err.kind == "load" and all(w in err.message for w in words)
    assert f'File "{name}"' in err.traceback


@pytest.mark.parametrize("name", ["hang_import_loop.py", "hang_import_sleep.py"])
def test_hang_at_import_counts_once(sandbox, name):
    t0 = time.monotonic()
    student = sandbox(HOSTILE / name, Limits(call_timeout=1.0, total_timeout=30))
    err = student.load_error
    assert err.kind == "timeout" and "did not finish loading" in err.message
    assert 0.9 < time.monotonic() - t0 < 5
    t1 = time.monotonic()
    for _ in range(3):
        assert student.call("forward", 1).error == err
    assert time.monotonic() - t1 < 0.1  # remembered, not retried


def test_exit_at_import(sandbox):
    err = sandbox(HOSTILE / "exit_at_import.py").load_error
    assert err.kind == "exit" and "sys.exit()" in err.message


@pytest.mark.parametrize("func", ["hang", "spin"])
def test_hang_in_a_call_then_a_fresh_child(sandbox, func):
    student = sandbox(HOSTILE / "roundtrip.py")
    first = student.markers[-1]
    t0 = time.monotonic()
    out = student.call(func)
    assert out.error.kind == "timeout" and out.error.message == f"{func} did not return within 1.5 s"
    assert time.monotonic() - t0 < 3
    assert pids_with_marker([first]) == []  # the hung child is gone at once
    assert student.call("identity", 5).value == 5  # a fresh child
    assert len(student.markers) == 2


def test_total_budget_is_enforced(sandbox):
    student = sandbox(HOSTILE / "roundtrip.py", Limits(call_timeout=1.0, total_timeout=2.0))
    assert student.call("hang").error.message == "hang did not return within 1 s"
    second = student.call("hang").error  # the rest of the budget is less than a call
    assert second.kind == "timeout" and "total time budget of 2 s" in second.message
    t0 = time.monotonic()
    third = student.call("identity", 1)
    assert third.error.kind == "timeout" and "total time budget of 2 s" in third.error.message
    assert time.monotonic() - t0 < 0.1


def test_ten_gigabytes_fail_with_memory(sandbox):
    student = sandbox(HOSTILE / "roundtrip.py")
    out = student.call("eat_memory")
    assert out.error.kind == "memory" and "1024 MB" in out.error.message
    assert student.call("identity", 2).value == 2


def test_sys_exit_and_os_exit_in_a_call(sandbox):
    student = sandbox(HOSTILE / "roundtrip.py")
    out = student.call("leave_early")
    assert out.error.kind == "exit" and out.error.message == "your code called sys.exit()"
    out = student.call("hard_exit")
    assert out.error.kind == "exit" and "os._exit(3)" in out.error.message
    assert student.call("identity", 3).value == 3


def test_crash_by_signal(sandbox):
    student = sandbox(HOSTILE / "roundtrip.py")
    out = student.call("segfault")
    assert out.error.kind == "crash" and "SIGSEGV" in out.error.message
    assert student.call("identity", 4).value == 4


def test_output_flood(sandbox):
    student = sandbox(HOSTILE / "roundtrip.py")
    t0 = time.monotonic()
    out = student.call("flood")
    assert out.error.kind == "output" and "4096 bytes" in out.error.message
    assert time.monotonic() - t0 < 1.0  # stopped at the cap, not at the timeout
    assert len(out.output) < 4096 + 100 and "trimmed" in out.output
    assert len(student.output) < 4096 + 100
    assert student.call("identity", 6).value == 6


@pytest.mark.parametrize("func, words", [
    ("object_array", ["dtype object"]),
    ("huge_list", ["more than 200000 values"]),
    ("a_class", ["Generator object"]),
])
def test_values_that_are_not_plain_data(sandbox, func, words):
    out = sandbox(HOSTILE / "roundtrip.py").call(func)
    assert out.error.kind == "garbage" and all(w in out.error.message for w in words)


def test_a_forged_reply_is_garbage(sandbox):
    """Junk written straight into the reply pipe: a clear error, no exception in the parent."""
    student = sandbox(HOSTILE / "roundtrip.py")
    out = student.call("forge_reply")
    assert out.error.kind == "garbage" and "cannot read" in out.error.message
    assert student.call("identity", 7).value == 7


# --------------------------------------------------------------------------- hostile submissions


def test_patching_numpy_stays_in_the_child(sandbox):
    out = sandbox(HOSTILE / "patch_numpy.py").call("patched")
    assert out.value is True  # the child's numpy is patched...
    assert not np.allclose(np.zeros(1), np.ones(1))  # ...the parent's is not
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(np.zeros(1), np.ones(1))
    assert not np.array_equal(np.zeros(1), np.ones(1))


@pytest.mark.parametrize("namespaces", [pytest.param(True, marks=needs_ns), False])
def test_grader_and_reference_are_unreachable(sandbox, namespaces, monkeypatch):
    monkeypatch.setenv("GRADER_SECRET", "s3cret-token")
    student = sandbox(HOSTILE / "snoop.py", Limits(call_timeout=20), namespaces=namespaces)
    found = student.call("attempts", str(REFERENCE), str(PROJECT)).value
    assert found["import grader"] is None
    assert found["from grader.solutions import lstm"] is None
    assert found["import solutions"] is None
    assert found["open reference"] is None and found["os.open reference"] is None
    assert found["grader in modules"] == []
    assert not any(str(PROJECT) == p or p.startswith(str(PROJECT / "grader")) for p in found["sys.path"])
    if namespaces:
        assert found["walk"] == []
        assert found["listdir project"] in (None, [Path(sys.prefix).name], [])  # only the venv, when it is in the project
    secret = REFERENCE.read_text()
    assert "### BEGIN SOLUTION" in secret
    assert "BEGIN SOLUTION" not in repr(found)
    env = student.call("environment").value
    assert "GRADER_SECRET" not in env and "s3cret-token" not in repr(env)
    assert set(env) <= {"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "PYTHONHASHSEED", "PYTHONDONTWRITEBYTECODE",
                        "PYTHONIOENCODING", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                        "NUMEXPR_NUM_THREADS", "MPLBACKEND", "MPLCONFIGDIR", "LSTM_SANDBOX", "LC_CTYPE"}
    if not namespaces:
        assert any(s.startswith("degraded") for s in student.isolation)


@needs_ns
def test_forged_results_do_not_escape(sandbox, tmp_path, monkeypatch):
    cwd, out_dir = tmp_path / "cwd", tmp_path / "out"
    cwd.mkdir()
    out_dir.mkdir()
    monkeypatch.chdir(cwd)
    student = sandbox(HOSTILE / "forge_results.py", hide=[out_dir])
    written = student.call("forge", str(cwd), str(out_dir)).value
    assert written == [os.path.join(os.path.realpath(student.scratch_dirs[-1]), "results.json")]  # only its scratch dir
    # the scratch dir is a tmpfs only the child sees: not even the host's scratch dir gets the file
    assert not (Path(student.scratch_dirs[-1]) / "results.json").exists()
    student.close()
    assert list(cwd.iterdir()) == [] and list(out_dir.iterdir()) == []
    assert not Path(student.scratch_dirs[-1]).exists()


@needs_ns
def test_no_network(sandbox):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.setblocking(False)
    port = server.getsockname()[1]
    try:
        student = sandbox(HOSTILE / "network.py")
        assert student.call("python_socket", port).value == "PermissionError"  # audit hook
        assert student.call("raw_socket", port).value == "connect errno 101"  # netns: ENETUNREACH
        with pytest.raises(BlockingIOError):
            server.accept()
    finally:
        server.close()


def test_forked_processes_die_on_close(sandbox):
    student = sandbox(HOSTILE / "fork_escape.py")
    assert student.call("python_fork").value == "PermissionError"
    pid = student.call("raw_fork").value
    assert isinstance(pid, int) and pid > 0
    time.sleep(0.1)
    assert len(pids_with_marker(student.markers)) >= 2 + HAS_NS  # unshare, init, worker, the escapee
    student.close()
    assert pids_with_marker(student.markers) == []


def test_isolation_layers_reported(sandbox):
    layers = sandbox(REFERENCE).isolation
    assert {"rlimits", "audit-hook", "import-scrub"} <= set(layers)
    if HAS_NS:
        assert {"netns", "mountns", "pidns", "ipcns", "scratch-tmpfs", "ro-fs", "no-new-privs"} <= set(layers)
        assert ("nobody" in layers) == (os.geteuid() == 0)


# --------------------------------------------------------------------------- speed


def test_outcome_types_are_plain():
    assert CallOutcome(value=1).ok and not CallOutcome(error=StudentError("timeout", "x")).ok



def test_no_sandbox_process_left_at_the_end():
    """Every child this interpreter started (spares included) is gone; other graders on the
    machine, and other test workers, have other markers."""
    process.shutdown_spares()
    assert process.started_markers
    assert pids_with_marker(process.started_markers) == []
