"""The student release: its layout, a scan of the bundle and its wheel for any
trace of the reference code or the hidden probes, and the student edition
installed alone in a clean virtualenv running `lstm-grader check`.

The leak scan here is written independently of grader.release's own scan, so
a bug in one does not hide a leak from the other.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from grader.checks.stored import MissingExpectation, StoredExpectations, probe_key
from grader.cli import main
from grader.release.student import find_leaks

ROOT = Path(__file__).resolve().parents[1]
SOLUTION = ROOT / "solutions" / "lstm.py"
EXERCISE = ROOT / "exercises" / "lstm.py"
EXAMPLE = ROOT / "examples" / "buggy_submission.py"
HIDDEN_PROBES = ROOT / "grader" / "suites" / "hidden_probes.py"
WHEELHOUSE = Path(os.environ.get("LSTM_GRADER_WHEELHOUSE", Path.home() / ".cache" / "lstm-grader-wheelhouse"))
DEPENDENCIES = ["numpy>=1.23", "click>=8.1", "pytest>=7.4", "matplotlib>=3.6", "nbformat>=5.7"]


@pytest.fixture(scope="module")
def release_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("release") / "bundle"
    result = CliRunner().invoke(main, ["release", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def wheel_path(release_dir) -> Path:
    wheels = list((release_dir / "wheels").glob("*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def wheel(wheel_path):
    with zipfile.ZipFile(wheel_path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


# --------------------------------------------------------------------------
# Layout
# --------------------------------------------------------------------------

def test_bundle_layout(release_dir, wheel_path):
    assert sorted(p.name for p in release_dir.iterdir()) == ["README.md", "lstm.py", "wheels"]
    assert (release_dir / "lstm.py").read_text() == EXERCISE.read_text()
    readme = (release_dir / "README.md").read_text()
    assert "lstm-grader check lstm.py" in readme and "pip install wheels/" in readme
    assert "+student" in wheel_path.name


def test_wheel_metadata_keeps_the_command_and_dependencies(wheel):
    dist_info = {name.split("/", 1)[1]: data.decode() for name, data in wheel.items() if ".dist-info/" in name}
    assert "lstm-grader = grader.cli:main" in dist_info["entry_points.txt"]
    assert "Requires-Dist: numpy" in dist_info["METADATA"]
    assert "+student" in dist_info["METADATA"]
    for name in wheel:
        if not name.endswith("/RECORD"):
            assert name in dist_info["RECORD"]


def test_wheel_carries_the_marker_and_only_public_points(wheel):
    marker = json.loads(wheel["grader/student_edition.json"])
    assert marker["edition"] == "student"
    points = wheel["grader/default_points.toml"].decode()
    assert "[public]" in points and "[hidden]" not in points and "T=6" not in points


# --------------------------------------------------------------------------
# No trace of the reference or of the hidden probes
# --------------------------------------------------------------------------

def solution_block_lines() -> set[str]:
    """Every line of the reference's solution blocks that students do not
    already have in the exercise (long enough to be telling)."""
    given = {line.strip() for line in EXERCISE.read_text().splitlines()}
    text = SOLUTION.read_text()
    blocks = re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", text, flags=re.S)
    assert len(blocks) == 3
    lines = {line.strip() for block in blocks for line in block.splitlines()}
    return {line for line in lines if len(line) >= 10 and line not in given}


def hidden_strings() -> set[str]:
    names = set(re.findall(r'make_probe\("([^"]+)"', HIDDEN_PROBES.read_text()))
    assert "hidden-T6" in names
    return names


def every_file(release_dir: Path):
    """(name, bytes) of every file in the bundle, inside the wheel and inside
    any zip-based file in it (the .npz)."""
    def members(name, data):
        yield name, data
        if data[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for member in archive.namelist():
                    yield from members(f"{name}!{member}", archive.read(member))

    for path in sorted(release_dir.rglob("*")):
        if path.is_file():
            yield from members(str(path.relative_to(release_dir)), path.read_bytes())


def test_forbidden_strings_are_the_ones_meant():
    lines = solution_block_lines()
    assert "dC_next = dC * f[t]" in lines
    assert "clip_coef = max_norm / (total_norm + 1e-6)" in lines
    assert len(lines) > 40


def leaks_in(data: bytes, forbidden: set[str]) -> list[str]:
    """Forbidden strings in ``data``: anywhere for distinctive ones, as a whole
    line for short ones ("loss = 0.0" is also the end of "train_loss = 0.0")."""
    lines = {line.strip() for line in data.decode("utf-8", "replace").splitlines()}
    return [secret for secret in forbidden
            if (secret.encode() in data if len(secret) >= 16 else secret in lines)]


def test_the_scan_tells_a_whole_line_from_a_longer_one():
    assert leaks_in(b"    train_loss = 0.0\n", {"loss = 0.0"}) == []
    assert leaks_in(b"    loss = 0.0\n", {"loss = 0.0"}) == ["loss = 0.0"]
    assert leaks_in(b"x = '...dC_next = dC * f[t]...'", {"dC_next = dC * f[t]"}) == ["dC_next = dC * f[t]"]


def test_no_trace_of_the_reference_or_the_hidden_probes(release_dir):
    forbidden = solution_block_lines() | hidden_strings()
    names, leaks = [], []
    for name, data in every_file(release_dir):
        names.append(name)
        leaks += [(name, secret) for secret in leaks_in(data, forbidden)]
    assert leaks == []
    assert any(name.endswith("public_expected.npz") for name in names)
    excluded = ("grader/solutions/", "grader/diagnosis/", "hidden_probes")
    assert [name for name in names if any(part in name for part in excluded)] == []


def test_stored_expectations_hold_public_probes_only(wheel):
    from grader.suites.hidden_probes import PROBESET as HIDDEN
    from grader.suites.public_probes import PROBESET as PUBLIC

    with np.load(io.BytesIO(wheel["grader/suites/public_expected.npz"]), allow_pickle=False) as archive:
        keys = set(archive.files)
    digests = {key.split("/")[1] for key in keys}
    hidden = {probe_key(p) for p in [*HIDDEN.sequences.values(), HIDDEN.contract, HIDDEN.large_logits]}
    public = {probe_key(p) for p in [*PUBLIC.sequences.values(), PUBLIC.contract, PUBLIC.large_logits]}
    assert digests & hidden == set()
    assert public <= digests


def test_the_release_scan_catches_a_leak():
    line = "dC_next = dC * f[t]"
    nested = io.BytesIO()
    with zipfile.ZipFile(nested, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("deep/file.py", f"x = 1\n{line}\n")
    assert find_leaks({"a.py": b"fine"}, {line}) == []
    assert find_leaks({"pkg.whl": nested.getvalue()}, {line}) == [f"pkg.whl!deep/file.py: {line!r}"]
    assert find_leaks({"grader/solutions/lstm.py": b""}, set()) == ["grader/solutions/lstm.py: excluded file"]


def test_stored_expectations_refuse_probes_they_were_not_built_for():
    from grader.probes import make_probe

    stored = StoredExpectations({})
    with pytest.raises(MissingExpectation, match="differ from those the release was built with"):
        stored.forward(make_probe("other", T=2, H=2, V=3, seed=1))


def test_release_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    result = CliRunner().invoke(main, ["release", str(tmp_path)])
    assert result.exit_code != 0 and "is not empty" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


# --------------------------------------------------------------------------
# The student edition alone, in a clean virtualenv
# --------------------------------------------------------------------------

def pip(python: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), "-m", "pip", "--disable-pip-version-check", *args],
                          capture_output=True, text=True, timeout=900)


def readme_commands(readme: str) -> list[str]:
    """The commands of the student README's indented code blocks, in order."""
    return [line.strip() for line in readme.splitlines() if line.startswith("    ") and line.strip()]


INSTALL_COMMANDS = ["python3 -m venv .venv", ". .venv/bin/activate", "python -m pip install wheels/*.whl"]


def test_the_readme_shows_the_install_and_check_commands_the_tests_run(release_dir):
    commands = readme_commands((release_dir / "README.md").read_text())
    assert commands == [*INSTALL_COMMANDS, "lstm-grader check lstm.py", "python lstm.py"]


@pytest.fixture(scope="module")
def student_venv(tmp_path_factory, release_dir) -> Path:
    """A fresh virtualenv with only the student wheel and its dependencies,
    made by running the student README's install commands as written, in a
    copy of the bundle; pip is kept offline (PIP_NO_INDEX, PIP_FIND_LINKS) on a
    local wheelhouse, filled once from the index."""
    bundle = tmp_path_factory.mktemp("student") / "lstm"
    shutil.copytree(release_dir, bundle)
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(WHEELHOUSE), PIP_DISABLE_PIP_VERSION_CHECK="1",
               PATH=str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""))
    script = " && ".join(INSTALL_COMMANDS)

    def install() -> subprocess.CompletedProcess:
        shutil.rmtree(bundle / ".venv", ignore_errors=True)
        return subprocess.run(["bash", "-c", script], cwd=bundle, env=env, capture_output=True, text=True,
                              timeout=900)

    result = install()
    if result.returncode != 0:
        WHEELHOUSE.mkdir(parents=True, exist_ok=True)
        download = pip(Path(sys.executable), "download", "--only-binary=:all:", "-d", str(WHEELHOUSE), *DEPENDENCIES)
        if download.returncode != 0:
            pytest.skip(f"cannot fill the wheelhouse {WHEELHOUSE} (offline?): {download.stderr[-300:]}")
        result = install()
    assert result.returncode == 0, result.stderr
    return bundle / ".venv" / "bin"


def run_student(bin_dir: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = str(bin_dir) + os.pathsep + env.get("PATH", "")
    return subprocess.run([str(bin_dir / "lstm-grader"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def test_student_edition_has_no_reference_to_import(student_venv, tmp_path):
    probe = subprocess.run([str(student_venv / "python"), "-c",
                            "import importlib.util as u; print([u.find_spec(m) is None for m in "
                            "('grader.solutions', 'grader.diagnosis', 'grader.suites.hidden_probes')])"],
                           cwd=tmp_path, capture_output=True, text=True)
    assert probe.stdout.strip() == "[True, True, True]", probe.stderr


def check_json(bin_dir: Path, cwd: Path, submission: Path) -> dict:
    result = run_student(bin_dir, cwd, "check", "--format", "json", str(submission))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_student_check_judges_like_the_full_check(student_venv, release_dir):
    """The same scores per check as the instructor's `check` (live reference),
    for the reference, the untouched exercise and a buggy submission."""
    from grader.grading import GradingOptions, grade

    for submission in (SOLUTION, release_dir / "lstm.py", EXAMPLE):
        student = check_json(student_venv, release_dir, submission)
        full = grade(submission, GradingOptions(suite="public")).to_json()
        assert [(t["name"], t["score"]) for t in student["tests"]] == \
               [(t["name"], t["score"]) for t in full["tests"]], submission
        assert student["bugs"] == []
        assert not any("does not name bugs" in error for error in student["errors"])  # a notice, not a problem
    assert check_json(student_venv, release_dir, SOLUTION)["score"] == 100


def test_student_check_text_report(student_venv, release_dir):
    result = run_student(student_venv, release_dir, "check", "lstm.py")
    assert result.returncode == 0, result.stderr
    assert "Score: 0 / 100" in result.stdout and "forward is not implemented yet" in result.stdout


def test_student_check_of_a_full_score_shows_a_notice_not_a_problem(student_venv, release_dir):
    result = run_student(student_venv, release_dir, "check", str(SOLUTION))
    assert result.returncode == 0, result.stderr
    assert "Score: 100 / 100" in result.stdout
    assert "Problem" not in result.stdout
    assert "does not name bugs" in " ".join(result.stdout.split())


def test_student_edition_says_grade_is_not_available(student_venv, release_dir):
    result = run_student(student_venv, release_dir, "grade", "lstm.py")
    assert result.returncode != 0
    assert "not available in the student edition" in result.stderr
    assert "Traceback" not in result.stderr
    result = run_student(student_venv, release_dir, "release", str(release_dir / "again"))
    assert result.returncode != 0 and "student edition" in result.stderr


@pytest.mark.parametrize("command", [["batch", "subs", "--out", "graded"], ["nbgrader-course", "course"],
                                     ["release", "again"]])
def test_student_edition_refuses_instructor_commands_in_one_line(student_venv, tmp_path, command):
    (tmp_path / "subs").mkdir()
    (tmp_path / "subs" / "alice.py").write_text(EXERCISE.read_text())
    result = run_student(student_venv, tmp_path, *command)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"Error: `lstm-grader {command[0]}` is for instructors and is not part of the student edition; "
        "use `lstm-grader check FILE.py` (or FILE.ipynb) for the public self-check."]
    assert not (tmp_path / "graded").exists() and not (tmp_path / "course").exists()


def test_student_check_of_a_folder_does_not_suggest_batch(student_venv, tmp_path):
    result = run_student(student_venv, tmp_path, "check", str(tmp_path))
    assert result.returncode != 0 and "is a folder; pass one .py or .ipynb file" in result.stderr
    assert "batch" not in result.stderr


def test_every_command_of_the_student_readme_runs_as_written(student_venv, tmp_path):
    """After the install commands (the fixture ran them): the check, its JSON
    and --out variants the README mentions, and `python lstm.py`, which on the
    untouched exercise stops with one line naming the function to write."""
    bundle = student_venv.parent.parent
    result = run_student(student_venv, bundle, "check", "lstm.py")
    assert result.returncode == 0 and "Score: 0 / 100" in result.stdout, result.stderr
    result = run_student(student_venv, bundle, "check", "lstm.py", "--format", "json")
    assert json.loads(result.stdout)["suite"] == "public"
    result = run_student(student_venv, bundle, "check", "lstm.py", "--out", str(tmp_path / "mine"))
    assert result.returncode == 0 and (tmp_path / "mine" / "results.json").is_file()
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(MPLBACKEND="Agg", MPLCONFIGDIR=str(tmp_path))
    ran = subprocess.run([str(student_venv / "python"), "lstm.py"], cwd=bundle, env=env, capture_output=True,
                         text=True, timeout=600)
    assert ran.returncode == 1 and "Traceback" not in ran.stderr
    assert "forward is not implemented yet" in ran.stderr
