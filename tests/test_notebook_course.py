"""`lstm-grader nbgrader-course`: the generated course, checked without
nbgrader (tests/test_nbgrader_roundtrip.py runs it through real nbgrader)."""

from __future__ import annotations

import nbformat
from click.testing import CliRunner

from grader.cli import main
from grader.exercise import solution_path


def generate(tmp_path, *extra):
    return CliRunner().invoke(main, ["nbgrader-course", str(tmp_path / "course"), *extra])


def test_course_layout_and_cells(tmp_path):
    result = generate(tmp_path, "--assignment", "week3")
    assert result.exit_code == 0, result.output
    config = (tmp_path / "course" / "nbgrader_config.py").read_text(encoding="utf-8")
    assert "c.CourseDirectory.root = here" in config and "ClearHiddenTests" in config
    compile(config, "nbgrader_config.py", "exec")
    notebook = nbformat.read(tmp_path / "course" / "source" / "week3" / "lstm.ipynb", as_version=4)
    nbformat.validate(notebook)
    meta = {c.metadata["nbgrader"]["grade_id"]: (c, c.metadata["nbgrader"])
            for c in notebook.cells if "nbgrader" in c.metadata}
    # one autograded answer cell per student function, holding the reference body
    reference = solution_path().read_text(encoding="utf-8")
    for function in ("forward", "backward", "clip_and_update"):
        cell, m = meta[function]
        assert m["solution"] and not m["grade"] and not m["locked"] and m["schema_version"] == 3
        assert cell.source.startswith(f"def {function}(") and cell.source in reference
        assert cell.source.count("### BEGIN SOLUTION") == cell.source.count("### END SOLUTION") == 1
    # test cells: points sum to 100, and the hidden part is only a call
    tests = {k: v for k, v in meta.items() if v[1]["grade"]}
    assert {k: m["points"] for k, (_, m) in tests.items()} == {
        "test_forward": 24, "test_backward": 48, "test_clip_and_update": 18, "test_training": 10}
    for grade_id, (cell, m) in tests.items():
        assert m["locked"] and not m["solution"]
        hidden = cell.source.split("### BEGIN HIDDEN TESTS\n")[1].split("### END HIDDEN TESTS")[0]
        part = grade_id.removeprefix("test_")
        assert hidden == ("from grader.nbgrader_hooks import grade_part\n"
                          f"grade_part({part!r}, {float(m['points'])!r})\n")
    # the given helpers are read-only and hold no solution code
    for grade_id in ("given_helpers", "given_training"):
        cell, m = meta[grade_id]
        assert m["locked"] and not m["grade"] and "SOLUTION" not in cell.source
    assert "def train(" in meta["given_training"][0].source
    assert "__main__" not in "".join(c.source for c in notebook.cells)


def test_existing_course_is_not_overwritten_without_force(tmp_path):
    assert generate(tmp_path).exit_code == 0
    again = generate(tmp_path)
    assert again.exit_code != 0 and "pass --force" in again.output and "Traceback" not in again.output
    assert generate(tmp_path, "--force").exit_code == 0


def test_bad_assignment_name_is_a_usage_error(tmp_path):
    result = generate(tmp_path, "--assignment", "../escape")
    assert result.exit_code == 2 and "letters, digits" in result.output
