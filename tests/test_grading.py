"""Grading end to end, through the real CLI and its Python API: the reference
earns full marks, the untouched exercise nothing, broken contracts are named."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.grading import GradingOptions, grade
from grader.points import points_for

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "solutions" / "lstm.py"
EXERCISE = ROOT / "exercises" / "lstm.py"
EXAMPLE = ROOT / "examples" / "buggy_submission.py"
CASES = Path(__file__).parent / "grading_cases"


@pytest.fixture(scope="module")
def reference_report():
    return grade(REFERENCE)


def test_reference_earns_full_marks_and_no_bug(reference_report):
    assert reference_report.score == reference_report.max_score == 100
    assert all(test.passed for test in reference_report.tests)
    assert reference_report.bugs == [] and reference_report.unexplained == []
    assert reference_report.errors == []


def test_every_default_check_ran(reference_report):
    assert [t.name for t in reference_report.tests] == list(points_for("hidden"))
    assert all(t.feedback != "this check did not run" for t in reference_report.tests)


def test_untouched_exercise_scores_zero_with_not_implemented_messages():
    report = grade(EXERCISE)
    assert report.score == 0
    assert report.bugs == []
    for test in report.tests:
        assert not test.passed
        assert "not implemented" in test.feedback, (test.name, test.feedback)


def test_broken_contract_is_named():
    report = grade(CASES / "wrong_return_count.py")
    feedback = {t.name: t.feedback for t in report.tests}
    assert "forward returned 8 values, expected 9" in feedback["contract/forward_structure"]
    assert "`dW_f` has shape (2, 2), expected (" in feedback["contract/backward_structure"]
    assert "has 9 entries, expected 10" in feedback["contract/clip_and_update_structure"]
    assert "forward returned 8 values, expected 9" in feedback["training/validation_loss_falls"]
    assert report.score == 0
    assert report.errors == []  # the student's mistakes, never an internal error of the grader


def test_functions_returning_none_are_reported_not_crashing(tmp_path):
    submission = tmp_path / "none.py"
    submission.write_text("def forward(*a):\n    pass\n\ndef backward(*a):\n    pass\n\n"
                          "def clip_and_update(*a, **k):\n    pass\n")
    report = grade(submission)
    assert report.score == 0 and report.errors == []
    assert all(t.feedback and "grader failed" not in t.feedback for t in report.tests)


def test_example_submission_gets_partial_credit_and_named_bugs():
    report = grade(EXAMPLE)
    assert 0 < report.score < 100
    named = {bug["id"] for bug in report.bugs}
    assert named == {"backward/cell-state-off-by-one", "backward/cell-carry-missing-forget"}


def test_same_submission_same_report():
    first, second = grade(EXAMPLE), grade(EXAMPLE)
    strip = lambda r: {k: v for k, v in r.to_json().items() if k != "duration_s"}  # noqa: E731
    assert strip(first) == strip(second)


def test_points_file_overrides_defaults(tmp_path):
    points = tmp_path / "points.toml"
    points.write_text('[hidden]\n"training/validation_loss_falls" = 50\n')
    report = grade(REFERENCE, GradingOptions(points_file=points))
    assert report.max_score == 140 and report.score == 140


def test_points_file_with_unknown_check_is_a_usage_error(tmp_path):
    points = tmp_path / "points.toml"
    points.write_text('[hidden]\n"training/loss_fals" = 50\n')
    result = CliRunner().invoke(main, ["grade", str(REFERENCE), "--points", str(points)])
    assert result.exit_code == 1
    assert "no check named training/loss_fals" in result.output


def test_cli_json_and_out_folder(tmp_path):
    result = CliRunner().invoke(main, ["grade", str(EXAMPLE), "--format", "json", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    for key in ("submission", "score", "max_score", "tests", "bugs", "errors", "duration_s"):
        assert key in data
    for test in data["tests"]:
        assert set(test) == {"name", "score", "max_score", "passed", "feedback"}
    assert json.loads((tmp_path / "results.json").read_text())["score"] == data["score"]
    assert (tmp_path / "feedback.txt").read_text().startswith("lstm-grader grade:")
    assert (tmp_path / "loss_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_text_report_leads_with_score_and_bugs():
    result = CliRunner().invoke(main, ["grade", str(EXAMPLE)])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[1].startswith("Score: ")
    assert lines[3].startswith("Bugs found (2)")
    assert "backward/cell-state-off-by-one" in result.output


def test_check_runs_public_suite_and_says_hidden_checks_did_not_run():
    result = CliRunner().invoke(main, ["check", str(REFERENCE)])
    assert result.exit_code == 0
    words = " ".join(result.output.split())
    assert "the hidden checks that decide your grade were NOT run" in words
    assert "Score: 100 / 100" in result.output


@pytest.mark.parametrize("args, message", [
    (["grade", "no/such/file.py"], "no such file"),
    (["grade", str(ROOT / "pyproject.toml")], "is not a Python file"),
    (["grade", str(ROOT / "grader")], "is a folder"),
    (["grade", "--format", "xml", "x.py"], "Invalid value for '--format'"),
])
def test_usage_errors_exit_non_zero_with_one_line(args, message):
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_not_utf8_is_a_usage_error(tmp_path):
    bad = tmp_path / "latin1.py"
    bad.write_bytes("# caf\xe9\n".encode("latin-1"))
    result = CliRunner().invoke(main, ["grade", str(bad)])
    assert result.exit_code == 1 and "is not UTF-8 text" in result.output


def test_console_script_version_and_help():
    script = Path(sys.executable).with_name("lstm-grader")
    version = subprocess.run([script, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("lstm-grader, version ")
    help_text = subprocess.run([script, "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("grade", "check", "points"):
        assert command in help_text


def test_an_exception_names_the_function_and_line_of_code_that_raised(tmp_path):
    source = EXAMPLE.read_text().replace(
        "    return float(loss), tuple(grads)",
        "    return helper(grads)\n\n\ndef helper(grads):\n    return grads[0] @ np.ones((3, 3, 3))")
    submission = tmp_path / "raises.py"
    submission.write_text(source)
    feedback = {t.name: t.feedback for t in grade(submission).tests}
    assert feedback["backward/loss"].startswith("backward raised ValueError: ")
    assert feedback["backward/loss"].endswith("(in helper: `return grads[0] @ np.ones((3, 3, 3))`)")
