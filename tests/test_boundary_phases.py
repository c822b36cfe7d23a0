"""Forward is scored by a process that never saw a reference value, and a
function that hangs costs its time once.

Grading runs in two phases (grader.session): the checks that score forward
and the diagnosis of forward in a first sandboxed process, which is ended
before a second one gets the reference's caches for backward.
"""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
import time
from pathlib import Path

from grader.grading import GradingOptions, grade
from grader.plugin import scores_forward

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = ROOT / "tests" / "hostile"
REFERENCE_SOURCE = (ROOT / "solutions" / "lstm.py").read_text()


def test_replayed_reference_caches_earn_no_forward_points():
    """backward records the reference caches (memory and a file); forward replays them."""
    report = grade(HOSTILE / "integrity_cache_replay.py")
    scores = {test.name: test for test in report.tests}
    forward_values = [test for name, test in scores.items() if name.startswith("forward/")]
    assert forward_values and all(test.score == 0 for test in forward_values), forward_values
    assert scores["contract/forward_structure"].passed  # zeros of the right shapes: the structure points only
    assert not any(bug["function"] == "forward" for bug in report.bugs)  # nothing replayed reached the diagnosis
    assert report.score <= 20, [(t.name, t.score) for t in report.tests if t.score]


def test_the_forward_phase_holds_exactly_the_checks_that_score_forward():
    assert scores_forward("forward/values[T=1, zero state]")
    assert scores_forward("contract/forward_structure")
    assert not scores_forward("contract/backward_structure")
    assert not scores_forward("backward/gradients[T=1, zero state]")
    assert not scores_forward("gradcheck/backward_matches_own_forward")


def test_a_hanging_backward_costs_one_timeout_and_nothing_else(tmp_path):
    """Default limits: backward's first call times out, its later calls fail at
    once saying why, every check of the other functions is scored."""
    path = tmp_path / "hangs.py"
    path.write_text(REFERENCE_SOURCE + "\n\ndef backward(*args):\n    while True:\n        pass\n")
    report = grade(path, GradingOptions())
    scores = {test.name: test for test in report.tests}
    backward_checks = [t for t in report.tests if t.name.startswith(("backward/", "contract/backward", "gradcheck/",
                                                                     "training/"))]
    assert all(t.score == 0 for t in backward_checks)
    assert scores["backward/loss"].feedback.startswith("backward did not return within 3 s")
    later = [t for t in backward_checks if not t.feedback.startswith("backward did not return within 3 s")]
    # (checks on the same probe as backward/loss share its one memoised call)
    assert len(later) >= 5 and all("backward was not called again: an earlier call ran out of time" in t.feedback
                                   for t in later), [t.feedback for t in later]
    others = [t for t in report.tests if t not in backward_checks]
    assert others and all(t.passed for t in others), [(t.name, t.feedback) for t in others if not t.passed]
    assert "backward" in report.unexplained[0]["message"] and "not called again" in report.unexplained[0]["message"]


def test_a_slow_run_shows_a_status_line_on_a_terminal_stderr_only(tmp_path):
    """stderr is a pseudo-terminal, stdout a pipe: the line goes to the terminal,
    the report alone to stdout."""
    path = tmp_path / "slow.py"
    path.write_text(REFERENCE_SOURCE + "\n\nimport time as _time\n_reference_forward = forward\n_slept = []\n\n"
                    "def forward(*args):\n    if not _slept:\n        _slept.append(1)\n        _time.sleep(3.5)\n"
                    "    return _reference_forward(*args)\n")
    controller, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-c", "from grader.cli import main; main()", "check", "--timeout",
                                "20", str(path)], stdout=subprocess.PIPE, stderr=terminal, text=True)
    os.close(terminal)
    stdout, _ = process.communicate(timeout=300)
    shown = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal's other end is closed: all read
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    assert process.returncode == 0
    assert b"lstm-grader: still checking slow.py" in shown
    assert "still checking" not in stdout and stdout.startswith("lstm-grader self-check")


def test_no_status_line_when_stderr_is_not_a_terminal(tmp_path):
    from grader.progress import StatusLine

    stream = io.StringIO()
    with StatusLine(stream, "grading", after=0.0, every=0.01):
        time.sleep(0.1)
    assert stream.getvalue() == ""
