"""--allow-unconfined: grading is refused only where nothing confines student code."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import grader.solutions
from grader.cli import main
from grader.sandbox import isolation, process

REFERENCE = Path(grader.solutions.__file__).parent / "lstm.py"
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@pytest.fixture
def nothing_confines(monkeypatch):
    """A platform without namespaces, Landlock, seccomp or root (as macOS)."""
    monkeypatch.setattr(isolation, "namespace_prefix", lambda: (None, "no namespaces in this test"))
    monkeypatch.setattr(isolation, "degraded_confinement", lambda: [])
    monkeypatch.setattr(process, "_plans", {})
    monkeypatch.setattr(process, "_spares", {})
    yield
    process.shutdown_spares()


@pytest.mark.parametrize("command", ["grade", "check"])
def test_grading_is_refused_without_the_flag(nothing_confines, command):
    result = CliRunner().invoke(main, [command, str(REFERENCE)])
    assert result.exit_code == 1
    assert "--allow-unconfined" in result.output and "Traceback" not in result.output


def test_batch_is_refused_before_it_starts(nothing_confines, tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "alice.py").write_text(REFERENCE.read_text())
    result = CliRunner().invoke(main, ["batch", str(subs), "--out", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 1 and "--allow-unconfined" in result.output
    assert not (tmp_path / "out" / "grades.csv").exists()


def test_the_flag_grades_anyway_and_says_so(nothing_confines):
    result = CliRunner().invoke(main, ["check", str(REFERENCE), "--allow-unconfined", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "nothing but rlimits" in result.output
