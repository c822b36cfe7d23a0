"""A real nbgrader round trip of the generated course, no mocks.

`lstm-grader nbgrader-course` writes the course; real nbgrader commands
(generate_assignment, autograde, generate_feedback, export) run on it with a
real kernel, for three submissions: the reference (full marks), a catalogued
bug in backward (`C[t]` for `C[t + 1]`, named in the feedback) and a
backward that raises. The points per cell are read from nbgrader's
gradebook and must equal, part by part, what `lstm-grader grade` gives the
same notebook: one grader, two front ends.

Takes about a minute (every nbgrader command starts ~2.5 s of Jupyter, the
autograde runs a kernel per notebook).
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("nbgrader", reason="nbgrader is the optional extra `lstm-autograder[nbgrader]`")
import nbformat  # noqa: E402

pytestmark = pytest.mark.nbgrader

ASSIGNMENT = "lstm"
BUGGY_LINE = ("C_t = C[t + 1]", "C_t = C[t]")  # catalogued: backward/cell-state-off-by-one
RAISING_LINE = ("    W_f, W_i, W_g, W_o, W_v, b_f, b_i, b_g, b_o, b_v = p\n    hidden_size",
                "    raise ValueError('I give up')\n    hidden_size")
PARTS = {"test_forward": "forward", "test_backward": "backward",
         "test_clip_and_update": "clip_and_update", "test_training": "training"}


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    """Run one nbgrader command in the course folder with this interpreter's tools."""
    bin_dir = str(Path(sys.executable).parent)
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""),
               MPLCONFIGDIR=str(course / ".mpl"), MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


def submission(course: Path, student: str, edit=None) -> Path:
    """The released notebook with its answer cells filled from the source
    (the reference), optionally edited; saved as the student's submission."""
    source = nbformat.read(course / "source" / ASSIGNMENT / "lstm.ipynb", as_version=4)
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    notebook = nbformat.read(course / "release" / ASSIGNMENT / "lstm.ipynb", as_version=4)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
            if edit and grade_id == "backward":
                old, new = edit
                assert old in cell.source
                cell.source = cell.source.replace(old, new)
    path = course / "submitted" / student / ASSIGNMENT / "lstm.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(notebook, str(path))
    return path


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """The course after generate_assignment, three submissions and autograde."""
    from click.testing import CliRunner

    from grader.cli import main

    root = tmp_path_factory.mktemp("course")
    result = CliRunner().invoke(main, ["nbgrader-course", str(root)])
    assert result.exit_code == 0, result.output
    nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
    paths = {"correct": submission(root, "correct"),
             "buggy": submission(root, "buggy", BUGGY_LINE),
             "raises": submission(root, "raises", RAISING_LINE)}
    for student in paths:
        nbgrader(root, "db", "student", "add", student)
    done = nbgrader(root, "autograde", ASSIGNMENT)
    LOGS["autograde"] = done.stdout + done.stderr
    return root, paths


LOGS: dict[str, str] = {}  # what the nbgrader commands printed, for the tests of their messages


def part_points():
    from grader.nbgrader_course import part_points as points

    return points()


def cell_points(course: Path, student: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission_notebook("lstm", ASSIGNMENT, student)
        return {grade.name: grade.score for grade in submission.grades}


def cli_part_scores(path: Path) -> dict[str, float]:
    """The same notebook graded by `lstm-grader grade`, summed per part."""
    from grader.grading import grade
    from grader.nbgrader_hooks import part_score

    report = grade(path).to_json()
    return {cell: part_score(report, part, 100.0) for cell, part in PARTS.items()}, report


def test_release_hides_solutions_and_hidden_tests(course):
    root, _ = course
    released = (root / "release" / ASSIGNMENT / "lstm.ipynb").read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in released and "HIDDEN TESTS" not in released
    assert "dC_next = dC * f[t]" not in released  # a line of the reference backward
    cells = nbformat.reads(released, as_version=4).cells
    stubs = [c.metadata["nbgrader"]["grade_id"] for c in cells if "raise NotImplementedError()" in c.source
             and c.cell_type == "code"]
    assert stubs == ["forward", "backward", "clip_and_update"]


def test_points_per_cell(course):
    root, paths = course
    maxima = {f"test_{part}": points for part, points in part_points().items()}
    assert maxima == {"test_forward": 24, "test_backward": 48, "test_clip_and_update": 18,
                      "test_training": 10}  # as documented in docs/instructor-guide.md
    correct = cell_points(root, "correct")
    assert {k: correct[k] for k in PARTS} == maxima
    buggy = cell_points(root, "buggy")
    assert buggy["test_forward"] == 24 and buggy["test_clip_and_update"] == 18
    assert 0 <= buggy["test_backward"] < 48
    raises = cell_points(root, "raises")
    assert raises["test_forward"] == 24 and raises["test_clip_and_update"] == 18
    assert raises["test_backward"] == 0 and raises["test_training"] == 0
    # the same notebooks through the CLI: the same share of each part
    for student, cells in (("buggy", buggy), ("raises", raises)):
        shares, _ = cli_part_scores(paths[student])
        for cell, share in shares.items():
            assert cells[cell] == pytest.approx(maxima[cell] * share / 100, abs=0.02), (student, cell)


def test_feedback_names_the_bug(course):
    root, _ = course
    done = nbgrader(root, "generate_feedback", ASSIGNMENT)
    assert "not recognized" not in done.stdout + done.stderr  # e.g. display_data_priority
    buggy = (root / "feedback" / "buggy" / ASSIGNMENT / "lstm.html").read_text(encoding="utf-8")
    assert "backward/cell-state-off-by-one" in buggy
    assert "HIDDEN TESTS" not in buggy
    correct = (root / "feedback" / "correct" / ASSIGNMENT / "lstm.html").read_text(encoding="utf-8")
    assert "backward/cell-state-off-by-one" not in correct and "Bugs found" not in correct
    raises = (root / "feedback" / "raises" / ASSIGNMENT / "lstm.html").read_text(encoding="utf-8")
    assert "I give up" in raises


def test_export_has_the_scores(course):
    root, _ = course
    nbgrader(root, "export", "--to", str(root / "grades.csv"))
    with open(root / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert float(rows["correct"]["score"]) == 100
    assert float(rows["raises"]["score"]) == 42  # forward 24 + clip 18
    assert 42 <= float(rows["buggy"]["score"]) < 100


def test_the_notebook_grades_through_the_cli(course):
    """The released notebook filled in, straight through `lstm-grader grade`."""
    _, paths = course
    _, report = cli_part_scores(paths["buggy"])
    assert [bug["id"] for bug in report["bugs"]] == ["backward/cell-state-off-by-one"]
    assert not any("NBGRADER_EXECUTION" in note for note in report["notes"])  # the course's training cell
    assert report["notes"] == []


def test_student_runs_the_notebook_with_the_self_check(course):
    """What a student sees: the released notebook, filled in, run top to
    bottom in a real kernel: training runs, the self-check names the bug,
    and no cell writes to stderr or fails."""
    from nbclient import NotebookClient

    root, paths = course
    notebook = nbformat.read(paths["buggy"], as_version=4)
    os.environ.setdefault("MPLCONFIGDIR", str(root / ".mpl"))
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(paths["buggy"].parent)}}).execute()
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error" or o.get("name") == "stderr"]
    text = "".join(o.get("text", "") for o in outputs)
    assert "test set:" in text  # the students' training cell ran (not during autograde)
    assert "lstm-grader self-check" in text and "backward/cell-state-off-by-one" in text


def test_the_only_changed_cell_warnings_are_the_documented_checksum_ones(course):
    """nbgrader warns that the checksum of every test cell with a hidden region
    changed, even for untouched notebooks (upstream behaviour, documented in
    the instructor guide as harmless); no other cell or attribute is reported."""
    import re

    warnings = re.findall(r"Attribute '(\w+)' for cell (\w+) has changed", LOGS["autograde"])
    assert {attribute for attribute, _ in warnings} <= {"checksum"}
    assert {cell for _, cell in warnings} <= set(PARTS)
    guide = (Path(__file__).resolve().parents[1] / "docs" / "instructor-guide.md").read_text(encoding="utf-8")
    assert "Attribute 'checksum' for cell test_forward has changed!" in guide and "not tampering" in guide
