"""Packaging: a regular (non-editable) install works, and CI runs the test
command that README.md gives.

The wheel is built once per run from a copy of the source tree (so the
checkout gets no build/ or egg-info litter), then installed on its own into a
temporary folder and used from a directory away from the checkout. About
8 s; marked ``packaging`` (runs by default; ``-m "not packaging"`` skips it).
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from conftest import REPO_ROOT

pytestmark = pytest.mark.packaging

# Folders of the source tree that are never part of the package.
IGNORED = (".git", ".venv", ".ci-venv", "build", "dist", "__pycache__", "*.egg-info",
           ".pytest_cache", "*.pyc", "loss.png")
# Source folder -> folder inside the wheel.
PACKAGE_FOLDERS = {"grader": "grader", "solutions": "grader/solutions", "exercises": "grader/exercises"}


def _run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, **kwargs)
    assert result.returncode == 0, (
        f"{' '.join(map(str, command))} failed ({result.returncode}):\n"
        f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("source") / "lstm-autograder"
    shutil.copytree(REPO_ROOT, source, ignore=shutil.ignore_patterns(*IGNORED))
    out = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check",
          "-q", "-w", str(out), str(source)])
    (path,) = out.glob("lstm_autograder-*.whl")
    return path


@pytest.fixture(scope="module")
def wheel_names(wheel) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """The wheel installed with pip into a folder of its own (dependencies
    come from the running environment)."""
    target = tmp_path_factory.mktemp("installed")
    _run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index",
          "--disable-pip-version-check", "-q", "--target", str(target), str(wheel)])
    return target


def _env_for(installed: Path, tmp_path: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(installed), MPLBACKEND="Agg", MPLCONFIGDIR=str(tmp_path))
    env.pop("PYTHONSAFEPATH", None)
    return env


def test_the_wheel_holds_the_reference_the_exercise_and_the_cli(wheel_names):
    for name in ("grader/__init__.py", "grader/cli.py", "grader/exercise.py",
                 "grader/solutions/__init__.py", "grader/solutions/lstm.py",
                 "grader/exercises/__init__.py", "grader/exercises/lstm.py"):
        assert name in wheel_names, f"{name} is missing from the wheel"
    entry_points = next(n for n in wheel_names if n.endswith(".dist-info/entry_points.txt"))
    assert entry_points


def test_every_package_folder_of_the_source_tree_is_in_the_wheel(wheel_names):
    """A folder under grader/ with .py files that is not listed in
    pyproject.toml's ``packages`` would silently be left out of the wheel."""
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    data_globs = [g for globs in pyproject["tool"]["setuptools"].get("package-data", {}).values()
                  for g in globs]
    missing = []
    for folder, inside in PACKAGE_FOLDERS.items():
        for path in sorted((REPO_ROOT / folder).rglob("*")):
            relative = path.relative_to(REPO_ROOT / folder)
            if not path.is_file() or any(
                    fnmatch.fnmatch(part, pattern) for part in relative.parts for pattern in IGNORED):
                continue
            if path.suffix == ".py" or any(fnmatch.fnmatch(path.name, g) for g in data_globs):
                name = f"{inside}/{relative.as_posix()}"
                if name not in wheel_names:
                    missing.append(name)
    assert not missing, (
        "not in the wheel (add the package to [tool.setuptools] packages in pyproject.toml, "
        "and give it an __init__.py): " + ", ".join(missing))


def test_the_installed_wheel_works_away_from_the_checkout(installed, tmp_path):
    code = (
        "import grader, grader.solutions.lstm as ref, grader.exercises.lstm as ex\n"
        "from grader import exercise\n"
        "print(grader.__file__); print(ref.__file__); print(ex.__file__)\n"
        "assert exercise.is_up_to_date()\n"
        "p = ref.init_lstm(3, 4)\n"
        "assert len(p) == 10\n"
    )
    result = _run([sys.executable, "-c", code], cwd=tmp_path, env=_env_for(installed, tmp_path))
    for line in result.stdout.split():
        assert Path(line).resolve().is_relative_to(installed.resolve()), line
    _run([sys.executable, "-m", "grader.exercise", "--check"], cwd=tmp_path,
         env=_env_for(installed, tmp_path))


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_the_console_script_of_the_installed_wheel(installed, tmp_path, flag):
    script = installed / "bin" / "lstm-grader"
    assert script.is_file()
    result = _run([str(script), flag], cwd=tmp_path, env=_env_for(installed, tmp_path))
    if flag == "--version":
        assert re.search(r"lstm-grader, version \d+\.\d+", result.stdout), result.stdout
    else:
        assert "Usage: lstm-grader" in result.stdout


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_the_console_script_of_this_environment(tmp_path, flag):
    script = Path(sys.executable).parent / "lstm-grader"
    if not script.exists():
        script = shutil.which("lstm-grader")
    assert script, "lstm-grader is not installed in this environment"
    result = _run([str(script), flag], cwd=tmp_path)
    expected = "lstm-grader, version" if flag == "--version" else "Usage: lstm-grader"
    assert expected in result.stdout


# --------------------------------------------------------------------------
# README.md and .ci/run give the same test command
# --------------------------------------------------------------------------


def _ci_test_command() -> str:
    script = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    match = re.search(r'^TEST_CMD="([^"]+)"$', script, flags=re.M)
    assert match, ".ci/run must define TEST_CMD=\"...\""
    assert re.search(r'^\$TEST_CMD( "\$@")?$', script, flags=re.M), ".ci/run must run $TEST_CMD"
    return match.group(1)


def test_readme_and_ci_run_the_same_test_command():
    command = _ci_test_command()
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", readme, flags=re.S)
    assert any(line.strip() == command for block in blocks for line in block.splitlines()), (
        f"README.md must show the test command `{command}` of .ci/run in a sh block")
    assert any(line.strip() == ".ci/run" for block in blocks for line in block.splitlines())
    assert command.split()[:3] == ["python", "-m", "pytest"]


def test_ci_run_is_an_executable_bash_script_with_the_test_extra():
    path = REPO_ROOT / ".ci" / "run"
    assert os.access(path, os.X_OK)
    script = path.read_text(encoding="utf-8")
    assert script.startswith("#!/usr/bin/env bash\n")
    assert 'pip install -e ".[test]"' in script
    assert "MPLBACKEND=Agg" in script
    assert re.search(r'"\$status" -eq 5', script), "exit code 5 (no tests) must fail CI"
    assert shutil.which("bash") is None or subprocess.run(
        ["bash", "-n", str(path)], capture_output=True).returncode == 0


# --------------------------------------------------------------------------
# Every command README.md and docs/instructor-guide.md show, run as written
# in a copy of the checkout (what a fresh clone has), with the lstm-grader of
# this environment. Not run here, because they need the network or are not
# tests: the first command's `pip install -e .` and `.ci/run` (this very test
# run is what they start), the nbgrader commands (tests/test_nbgrader_roundtrip.py
# runs them), a Dask cluster, and the benchmarks in bench/.
# --------------------------------------------------------------------------

README = REPO_ROOT / "README.md"
GUIDE = REPO_ROOT / "docs" / "instructor-guide.md"


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("clone") / "lstm-autograder"
    shutil.copytree(REPO_ROOT, copy, ignore=shutil.ignore_patterns(*IGNORED, "*.egg-info"))
    return copy


def shown(command: str, *docs: Path) -> str:
    """``command``, after making sure one of the docs shows it verbatim."""
    texts = [doc.read_text(encoding="utf-8") for doc in docs]
    assert any(command in " ".join(text.split()) for text in texts), f"no doc shows `{command}` any more"
    return command


def run_shell(command: str, cwd: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    bin_dir = str(Path(sys.executable).parent)
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""), MPLBACKEND="Agg",
               MPLCONFIGDIR=str(tmp_path))
    result = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=600)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_readme_first_command_grades_the_example_as_shown(clone, tmp_path):
    first = re.search(r"```sh\n(python -m venv .*)\n```", README.read_text(encoding="utf-8")).group(1)
    grade = first.split(" && ")[-1]
    assert grade == "lstm-grader grade examples/buggy_submission.py"
    result = run_shell(grade, clone, tmp_path)
    assert result.returncode == 0, result.stderr
    sample = README.read_text(encoding="utf-8").split("$ " + grade + "\n", 1)[1].split("  ...")[0]
    for line in sample.splitlines()[:4]:  # header, score, blank, "Bugs found (2):"
        assert line in result.stdout.splitlines(), line
    for bug in ("backward/cell-state-off-by-one", "backward/cell-carry-missing-forget"):
        assert f"  * {bug}:" in result.stdout


def test_readme_student_commands(clone, tmp_path):
    reference = run_shell(shown("python solutions/lstm.py", README), clone, tmp_path)
    assert reference.returncode == 0, reference.stderr
    assert (clone / "loss.png").is_file() or any(clone.rglob("loss.png"))
    exercise = clone / "exercises"
    result = run_shell(shown("lstm-grader check lstm.py", README), exercise, tmp_path)
    assert result.returncode == 0 and "Score: 0 / 100" in result.stdout, result.stderr
    ran = run_shell(shown("python lstm.py", README), exercise, tmp_path)
    assert ran.returncode == 1 and "forward is not implemented yet" in ran.stderr


def test_readme_instructor_commands(clone, tmp_path):
    shown("python -m grader.exercise [--check]", README)  # only the read-only form: the other rewrites
    assert run_shell("python -m grader.exercise --check", clone, tmp_path).returncode == 0  # the installed copy
    shown("lstm-grader points > points.toml", README)
    points = run_shell("lstm-grader points > points.toml", clone, tmp_path)
    assert points.returncode == 0 and "[hidden]" in (clone / "points.toml").read_text()
    shown("--points points.toml", README)
    graded = run_shell("lstm-grader grade examples/buggy_submission.py --points points.toml --format json "
                       "--out graded", clone, tmp_path)
    assert graded.returncode == 0 and (clone / "graded" / "results.json").is_file(), graded.stderr
    bundle = run_shell(shown("lstm-grader gradescope-bundle autograder.zip", README), clone, tmp_path)
    assert bundle.returncode == 0 and zipfile.is_zipfile(clone / "autograder.zip"), bundle.stderr
    release = run_shell(shown("lstm-grader release OUT", README, GUIDE).replace("OUT", "handout"), clone, tmp_path)
    assert release.returncode == 0 and (clone / "handout" / "lstm.py").is_file(), release.stderr


def test_instructor_guide_commands(clone, tmp_path):
    """The plain CLI path and the re-grade of nbgrader's submitted/ folder, on
    a buggy .py and the course notebook (which holds the reference)."""
    course = run_shell(shown("lstm-grader nbgrader-course mycourse", GUIDE), clone, tmp_path)
    assert course.returncode == 0, course.stderr
    notebook = clone / "mycourse" / "source" / "lstm" / "lstm.ipynb"
    (clone / "subs").mkdir()
    shutil.copy(clone / "examples" / "buggy_submission.py", clone / "subs" / "alice.py")
    shutil.copy(notebook, clone / "subs" / "bob.ipynb")
    batch = run_shell(shown("lstm-grader batch subs --out results", GUIDE) + " --quiet", clone, tmp_path)
    assert batch.returncode == 0, batch.stderr
    for name in ("grades.csv", "report.html", "students/alice/feedback.html", "students/bob/results.json"):
        assert (clone / "results" / name).is_file(), name
    one = run_shell(shown("lstm-grader grade subs/bob.ipynb", GUIDE), clone, tmp_path)
    assert one.returncode == 0 and "Score: 100 / 100" in one.stdout, one.stderr
    submitted = clone / "mycourse" / "submitted" / "carol" / "lstm"
    submitted.mkdir(parents=True)
    shutil.copy(notebook, submitted / "lstm.ipynb")
    again = run_shell(shown("lstm-grader batch mycourse/submitted --out check", GUIDE) + " --quiet", clone,
                      tmp_path)
    assert again.returncode == 0, again.stderr
    assert "carol" in (clone / "check" / "grades.csv").read_text()


def test_the_json_example_of_grading_md_has_the_keys_of_a_report():
    """docs/grading.md shows results.json: every key a report has, no other."""
    import json

    from grader.report import Report

    text = (REPO_ROOT / "docs" / "grading.md").read_text(encoding="utf-8")
    example = json.loads(re.search(r"```json\n(.*?)```", text, flags=re.S).group(1))
    keys = set(Report("x.py", "hidden", 0.0, 100.0, []).to_json())
    assert set(example) == keys


WHEELHOUSE = Path(os.environ.get("LSTM_GRADER_WHEELHOUSE", Path.home() / ".cache" / "lstm-grader-wheelhouse"))


def test_readme_first_command_runs_as_written_in_a_fresh_clone(tmp_path_factory):
    """The README's first line, exactly, in a copy of the checkout: a new
    virtualenv, `pip install -e .`, and the grading of the example. pip is kept
    offline on a local wheelhouse (PIP_NO_INDEX, PIP_FIND_LINKS; filled once
    from the index) so the test does not depend on the network."""
    first = re.search(r"```sh\n(python -m venv .*)\n```", README.read_text(encoding="utf-8")).group(1)
    fresh = tmp_path_factory.mktemp("fresh") / "lstm-autograder"
    shutil.copytree(REPO_ROOT, fresh, ignore=shutil.ignore_patterns(*IGNORED, "*.egg-info"))
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(WHEELHOUSE), PIP_DISABLE_PIP_VERSION_CHECK="1",
               MPLBACKEND="Agg", MPLCONFIGDIR=str(fresh / ".mpl"),
               PATH=str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", ""))

    def run() -> subprocess.CompletedProcess:
        shutil.rmtree(fresh / ".venv", ignore_errors=True)
        return subprocess.run(["bash", "-c", first], cwd=fresh, env=env, capture_output=True, text=True,
                              timeout=900)

    result = run()
    if result.returncode != 0 and "Score:" not in result.stdout:
        pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
        wanted = [*pyproject["build-system"]["requires"],
                  *(d for d in pyproject["project"]["dependencies"] if "python_version" not in d)]
        WHEELHOUSE.mkdir(parents=True, exist_ok=True)
        download = subprocess.run([sys.executable, "-m", "pip", "download", "--disable-pip-version-check",
                                   "--only-binary=:all:", "-d", str(WHEELHOUSE), *wanted],
                                  capture_output=True, text=True, timeout=900)
        if download.returncode != 0:
            pytest.skip(f"cannot fill the wheelhouse {WHEELHOUSE} (offline?): {download.stderr[-300:]}")
        result = run()
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    shown = re.search(r"^Score: [\d.]+ / 100$", README.read_text(encoding="utf-8"), re.MULTILINE).group(0)
    assert shown in result.stdout and "Traceback" not in result.stderr  # the README shows what it prints
