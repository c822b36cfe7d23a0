"""Gradescope and PrairieLearn exports, and the Gradescope autograder bundle:
results files validated against schemas written from the platforms' docs,
the named bugs in what students see, and run_autograder run end to end
against a local folder laid out like /autograder."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.platforms.autograder import NoSubmission, find_submission
from grader.platforms.gradescope import gradescope_results
from grader.platforms.prairielearn import not_gradable_results, prairielearn_results
from grader.report import Report
from grader.report import TestResult as CheckResult
from platform_schemas import GRADESCOPE, PRAIRIELEARN

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "solutions" / "lstm.py"
EXAMPLE = ROOT / "examples" / "buggy_submission.py"
BUG = {"id": "backward/cell-carry-missing-forget", "function": "backward",
       "title": "cell carry without the forget gate", "explanation": "The gradient reaching C_{t-1} ...",
       "fix": "Scale it by f_t.", "evidence": {"summary": "dC_prev off by f"}}


def report(suite="hidden", bugs=(), tests=None, score=None, max_score=None, **extra) -> Report:
    tests = tests if tests is not None else [
        CheckResult("forward/values[T=1]", 5.0, 5.0, True),
        CheckResult("backward/gradients[T=1]", 2.5, 10.0, False, "wrong gradients: dW_f"),
    ]
    return Report(submission="lstm.py", suite=suite,
                  score=sum(t.score for t in tests) if score is None else score,
                  max_score=sum(t.max_score for t in tests) if max_score is None else max_score,
                  tests=tests, bugs=list(bugs), duration_s=1.25, output="SECRET PRINTOUT", **extra)


def validate(data: dict, schema: dict) -> None:
    jsonschema.Draft202012Validator(schema).validate(data)


# --------------------------------------------------------------------------
# The schemas themselves can fail
# --------------------------------------------------------------------------

@pytest.mark.parametrize("broken", [
    {"score": 1, "tests": [{"name": "x", "visibility": "later"}]},
    {"score": 1, "tests": [{"name": "x", "status": "ok"}]},
    {"score": "1"},
    {"scroe": 1},
])
def test_gradescope_schema_rejects_what_the_docs_do_not_allow(broken):
    with pytest.raises(jsonschema.ValidationError):
        validate(broken, GRADESCOPE)


@pytest.mark.parametrize("broken", [
    {"score": 1.5},
    {"score": 0.5, "tests": [{"name": "x", "points": 1}]},
    {"gradable": True},
    {"score": 0.5, "passed": True},
])
def test_prairielearn_schema_rejects_what_the_docs_do_not_allow(broken):
    with pytest.raises(jsonschema.ValidationError):
        validate(broken, PRAIRIELEARN)


# --------------------------------------------------------------------------
# Gradescope results from hand-made reports
# --------------------------------------------------------------------------

def test_gradescope_results_follow_the_schema_and_name_the_bugs():
    data = gradescope_results(report(bugs=[BUG]))
    validate(data, GRADESCOPE)
    assert data["score"] == 7.5 and data["execution_time"] == 1.25
    assert "cell carry without the forget gate" in data["output"]
    assert "Scale it by f_t." in data["output"]
    assert [t["status"] for t in data["tests"]] == ["passed", "failed"]
    assert data["tests"][1]["output"] == "wrong gradients: dW_f"
    assert data["tests"][1]["max_score"] == 10.0


def test_hidden_checks_are_shown_after_publishing_and_public_ones_always():
    hidden = gradescope_results(report(suite="hidden"))
    public = gradescope_results(report(suite="public"))
    assert {t["visibility"] for t in hidden["tests"]} == {"after_published"}
    assert {t["visibility"] for t in public["tests"]} == {"visible"}


def test_visibility_can_be_chosen_by_environment(monkeypatch):
    monkeypatch.setenv("LSTM_GRADER_GRADESCOPE_VISIBILITY", "after_due_date")
    assert {t["visibility"] for t in gradescope_results(report())["tests"]} == {"after_due_date"}
    monkeypatch.setenv("LSTM_GRADER_GRADESCOPE_VISIBILITY", "whenever")
    assert {t["visibility"] for t in gradescope_results(report())["tests"]} == {"after_published"}


def test_what_the_submission_printed_never_reaches_students():
    assert "SECRET PRINTOUT" not in json.dumps(gradescope_results(report()))
    assert "SECRET PRINTOUT" not in json.dumps(prairielearn_results(report()))


# --------------------------------------------------------------------------
# PrairieLearn results from hand-made reports
# --------------------------------------------------------------------------

def test_prairielearn_results_follow_the_schema_and_name_the_bugs():
    data = prairielearn_results(report(bugs=[BUG]))
    validate(data, PRAIRIELEARN)
    assert data["gradable"] is True
    assert data["score"] == pytest.approx(7.5 / 15.0)
    assert "cell carry without the forget gate" in data["message"]
    assert "cell carry without the forget gate" in data["output"]
    assert [(t["points"], t["max_points"]) for t in data["tests"]] == [(5.0, 5.0), (2.5, 10.0)]
    assert data["tests"][1]["message"] == "wrong gradients: dW_f"
    assert all(t["description"] for t in data["tests"])


def test_prairielearn_score_stays_a_fraction_without_points():
    data = prairielearn_results(report(tests=[], score=0.0, max_score=0.0))
    validate(data, PRAIRIELEARN)
    assert data["score"] == 0.0


def test_not_gradable_results_follow_the_schema():
    data = not_gradable_results("no .py file was submitted")
    validate(data, PRAIRIELEARN)
    assert data["gradable"] is False and data["format_errors"] == ["no .py file was submitted"]


# --------------------------------------------------------------------------
# Through the real command line
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cli():
    return CliRunner()


def test_grade_format_gradescope_gives_the_reference_full_marks(cli):
    result = cli.invoke(main, ["grade", "--format", "gradescope", str(REFERENCE)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    validate(data, GRADESCOPE)
    assert data["score"] == sum(t["max_score"] for t in data["tests"]) == 100
    assert all(t["status"] == "passed" for t in data["tests"])


def test_grade_format_gradescope_names_the_bugs_of_the_example(cli):
    result = cli.invoke(main, ["grade", "--format", "gradescope", str(EXAMPLE)])
    data = json.loads(result.output)
    validate(data, GRADESCOPE)
    assert 0 < data["score"] < 100
    assert "backward/cell-carry-missing-forget" in data["output"]
    assert "backward/cell-state-off-by-one" in data["output"]


def test_grade_format_prairielearn(cli):
    reference = json.loads(cli.invoke(main, ["grade", "--format", "prairielearn", str(REFERENCE)]).output)
    example = json.loads(cli.invoke(main, ["grade", "--format", "prairielearn", str(EXAMPLE)]).output)
    for data in (reference, example):
        validate(data, PRAIRIELEARN)
    assert reference["score"] == 1.0
    assert 0 < example["score"] < 1
    assert "backward/cell-carry-missing-forget" in example["message"]


# --------------------------------------------------------------------------
# Finding the submission in a container
# --------------------------------------------------------------------------

def test_find_submission_takes_the_one_python_file(tmp_path):
    (tmp_path / "sub" / "__pycache__").mkdir(parents=True)
    (tmp_path / "sub" / "__pycache__" / "lstm.cpython-311.py").write_text("")
    (tmp_path / "sub" / "lstm.py").write_text("x = 1\n")
    (tmp_path / "notes.txt").write_text("")
    assert find_submission(tmp_path) == tmp_path / "sub" / "lstm.py"


def test_find_submission_refuses_none_or_several(tmp_path):
    with pytest.raises(NoSubmission, match="no .py or .ipynb file"):
        find_submission(tmp_path)
    (tmp_path / "a.py").write_text("")
    (tmp_path / "b.ipynb").write_text("")
    with pytest.raises(NoSubmission, match="exactly one .py or .ipynb file, not 2: a.py, b.ipynb"):
        find_submission(tmp_path)
    with pytest.raises(NoSubmission, match="nothing was submitted"):
        find_submission(tmp_path / "missing")


# --------------------------------------------------------------------------
# The Gradescope bundle, run like Gradescope runs it
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    target = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    result = CliRunner().invoke(main, ["gradescope-bundle", str(target)])
    assert result.exit_code == 0, result.output
    return target


def test_bundle_holds_the_scripts_and_the_full_wheel(bundle):
    with zipfile.ZipFile(bundle) as archive:
        names = archive.namelist()
        assert {"setup.sh", "run_autograder"} <= set(names)
        for script in ("setup.sh", "run_autograder"):
            mode = archive.getinfo(script).external_attr >> 16
            assert mode & stat.S_IXUSR, f"{script} is not executable"
            assert archive.read(script).startswith(b"#!/usr/bin/env bash\n")
        wheels = [n for n in names if n.startswith("wheels/") and n.endswith(".whl")]
        assert len(wheels) == 1
        setup = archive.read("setup.sh").decode()
        assert "apt-get install" in setup and "pip install /autograder/source/wheels/" in setup
        wheel = zipfile.ZipFile(archive.open(wheels[0]))
    wheel_names = set(wheel.namelist())
    for needed in ("grader/cli.py", "grader/solutions/lstm.py", "grader/suites/hidden_probes.py",
                   "grader/sandbox/child.py", "grader/diagnosis/catalog.json"):
        assert needed in wheel_names
    entry_points = next(n for n in wheel_names if n.endswith(".dist-info/entry_points.txt"))
    assert b"lstm-grader = grader.cli:main" in wheel.read(entry_points)


def autograder_root(tmp_path: Path, bundle: Path, submissions: dict[str, Path | str]) -> Path:
    """A folder laid out like /autograder: source/ (the unpacked zip),
    submission/, results/."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    (root / "source" / "run_autograder").chmod(0o755)
    (root / "submission").mkdir()
    (root / "results").mkdir()
    for name, content in submissions.items():
        target = root / "submission" / name
        if isinstance(content, Path):
            shutil.copy(content, target)
        else:
            target.write_text(content)
    return root


def run_autograder(root: Path) -> dict:
    """Run run_autograder as Gradescope would, with this environment's Python
    (which has the package) first on PATH; return the validated results."""
    env = {**os.environ, "AUTOGRADER_ROOT": str(root),
           "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    completed = subprocess.run([str(root / "source" / "run_autograder")], cwd=root, env=env,
                               capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr
    data = json.loads((root / "results" / "results.json").read_text())
    validate(data, GRADESCOPE)
    return data


def test_run_autograder_gives_the_reference_the_maximum(tmp_path, bundle):
    data = run_autograder(autograder_root(tmp_path, bundle, {"lstm.py": REFERENCE}))
    assert data["score"] == sum(t["max_score"] for t in data["tests"]) == 100


def test_run_autograder_names_the_bug_of_a_buggy_submission(tmp_path, bundle):
    data = run_autograder(autograder_root(tmp_path, bundle, {"lstm.py": EXAMPLE}))
    assert 0 < data["score"] < 100
    assert "cell carry without the forget gate" in data["output"]


@pytest.mark.parametrize("files, message", [
    ({}, "no .py or .ipynb file was submitted"),
    ({"a.py": "x = 1\n", "b.py": "y = 2\n"}, "submit exactly one .py or .ipynb file, not 2"),
    ({"lstm.py": "def forward(:\n"}, None),
])
def test_run_autograder_always_leaves_a_valid_results_file(tmp_path, bundle, files, message):
    data = run_autograder(autograder_root(tmp_path, bundle, files))
    assert data["score"] == 0
    if message:
        assert message in data["output"]


def test_gradescope_bundle_refuses_a_target_that_is_not_a_zip(tmp_path):
    result = CliRunner().invoke(main, ["gradescope-bundle", str(tmp_path / "autograder.tar")])
    assert result.exit_code != 0
    assert "must end in .zip" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_gradescope_bundle_refuses_a_missing_folder(tmp_path):
    result = CliRunner().invoke(main, ["gradescope-bundle", str(tmp_path / "nowhere" / "a.zip")])
    assert result.exit_code != 0 and "no such folder" in result.output


def test_bundle_builds_the_same_wheel_from_an_installed_copy(tmp_path, bundle):
    """Unpack the bundled wheel (a regular, non-editable install of a pure
    wheel) and rebuild the wheel from that copy: the same files come out."""
    with zipfile.ZipFile(bundle) as archive:
        wheel_name = next(n for n in archive.namelist() if n.endswith(".whl"))
        with zipfile.ZipFile(archive.open(wheel_name)) as wheel:
            wheel.extractall(tmp_path / "site")
            packaged = sorted(n for n in wheel.namelist() if ".dist-info/" not in n)
    script = ("import json, grader.release.wheel as w; "
              "print(json.dumps([str(w.source_root()), sorted(w.full_wheel_spec().files)]))")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    completed = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env,
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    root, files = json.loads(completed.stdout)
    assert root == "None"  # not built from a source tree
    assert files == packaged
