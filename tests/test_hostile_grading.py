"""Hostile submissions are contained: none earns points its behaviour does not
earn, crashes the grader, or leaves a file or a process behind.

Each case is the reference solution with one hostile snippet added, so the
points it keeps are exactly those of the checks the snippet does not touch.
"""

from __future__ import annotations

import os
import socket
import tempfile
import threading
from pathlib import Path

import pytest

from grader.grading import GradingOptions, grade
from grader.outputs import write_report_files
from grader.sandbox import Limits
from grader.sandbox.process import shutdown_spares

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_SOURCE = (ROOT / "solutions" / "lstm.py").read_text()
FAST = GradingOptions(limits=Limits(call_timeout=1.0, total_timeout=20.0))

BACKWARD_CHECKS = {"contract/backward_structure", "backward/loss", "gradcheck/backward_matches_own_forward",
                   "training/validation_loss_falls"}


def submission(tmp_path: Path, snippet: str, before: bool = False) -> Path:
    path = tmp_path / "hostile.py"
    path.write_text(snippet + "\n" + REFERENCE_SOURCE if before else REFERENCE_SOURCE + "\n" + snippet)
    return path


def is_backward_check(name: str) -> bool:
    return name in BACKWARD_CHECKS or name.startswith("backward/")


def assert_only_backward_lost(report, structure_right=False):
    """Every backward check scores 0 (but the structure check, when the
    returned structure is right), every other check full marks."""
    for test in report.tests:
        if structure_right and test.name == "contract/backward_structure":
            assert test.passed, test
        elif is_backward_check(test.name):
            assert test.score == 0, test
        else:
            assert test.passed, test


@pytest.fixture(autouse=True)
def leaves_no_scratch_folder(tmp_path, monkeypatch):
    """Grading's temporary folders go to a private place that must end empty
    (the sandbox's warm spare child is shut down first: it is the grader's)."""
    private = tmp_path / "tmp"
    private.mkdir()
    shutdown_spares()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    yield
    shutdown_spares()
    assert list(private.iterdir()) == []


@pytest.mark.parametrize("snippet, message", [
    ("import time\ntime.sleep(1e9)", "did not"),
    ("while True:\n    pass", "did not"),
    ("import sys\nsys.exit(0)", "sys.exit"),
    ("import os\nos._exit(3)", "exit"),
])
def test_misbehaving_at_import_scores_zero_with_a_clear_message(tmp_path, snippet, message):
    report = grade(submission(tmp_path, snippet), FAST)
    assert report.score == 0
    assert any(message in error for error in report.errors), report.errors


@pytest.mark.parametrize("body, message", [
    ("    while True:\n        pass", "did not return within"),
    ("    import time\n    time.sleep(1e9)", "did not return within"),
    ("    import numpy\n    return numpy.ones((40000, 40000, 8))", "memory"),
    ("    import sys\n    sys.exit(1)", "sys.exit"),
    ("    import os\n    os._exit(0)", "exit"),
    ("    print('x' * 10_000_000)\n    return 0", "output"),
])
def test_misbehaving_backward_loses_only_the_backward_checks(tmp_path, body, message):
    report = grade(submission(tmp_path, "def backward(*args):\n" + body), FAST)
    assert_only_backward_lost(report)
    feedback = {t.name: t.feedback for t in report.tests}
    assert message in feedback["backward/loss"], feedback["backward/loss"]
    assert len(report.output) < 20_000


def test_patched_numpy_comparisons_with_garbage_earn_nothing_for_backward(tmp_path):
    snippet = """
np.allclose = lambda *a, **k: True
np.isclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
np.array_equal = lambda *a, **k: True
def backward(z, f, i, g, C, o, h, v, outputs, targets, p):
    return 0.0, tuple(np.zeros_like(w) for w in p)
"""
    report = grade(submission(tmp_path, snippet), FAST)
    assert_only_backward_lost(report, structure_right=True)


def test_importing_the_reference_fails_inside_the_sandbox(tmp_path):
    snippet = """
try:
    from grader.solutions.lstm import backward as _stolen
    backward = _stolen
except ImportError:
    def backward(*args):
        raise NotImplementedError
"""
    report = grade(submission(tmp_path, snippet), FAST)
    assert_only_backward_lost(report)


def test_a_forged_results_file_changes_nothing(tmp_path, monkeypatch):
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    forged = '{"score": 100, "max_score": 100, "tests": []}'
    snippet = f"""
import os
for folder in (".", "..", os.environ.get("PWD", "."), os.environ.get("OLDPWD", "."), {str(workdir)!r}):
    try:
        with open(os.path.join(folder, "results.json"), "w") as handle:
            handle.write({forged!r})
    except OSError:
        pass
def backward(*args):
    raise NotImplementedError
"""
    report = grade(submission(tmp_path, snippet), FAST)
    out = tmp_path / "out"
    write_report_files(report, out)
    assert list(workdir.iterdir()) == []
    assert '"score": 100,' not in (out / "results.json").read_text()
    assert report.score < 100


def test_a_socket_cannot_reach_a_local_server(tmp_path):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.2)
    port = server.getsockname()[1]
    snippet = f"""
import socket
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=1).sendall(b"leak")
except OSError:
    pass
"""
    accepted = []

    def accept():
        try:
            accepted.append(server.accept())
        except OSError:
            pass

    report = grade(submission(tmp_path, snippet, before=True), FAST)
    listener = threading.Thread(target=accept)
    listener.start()
    listener.join()
    server.close()
    assert accepted == []
    assert report.score == 100  # the snippet tried and failed; the functions are right


def test_a_process_started_by_the_submission_does_not_outlive_grading(tmp_path):
    marker = "4242.123"
    snippet = f"""
import subprocess
try:
    subprocess.Popen(["sleep", "{marker}"])
except Exception:
    pass
"""
    grade(submission(tmp_path, snippet, before=True), FAST)
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        assert marker.encode() not in cmdline
