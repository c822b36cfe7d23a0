"""Notebook submissions: the extraction rule, and grading through the CLI.

The rule (grader/notebook.py): imports, definitions and simple constants are
loaded; the student's experiments (training loops, plots, magics, shell
lines) are not run and are listed in the report's notes.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.notebook import extract_cells, extract_notebook
from grader.submission import SubmissionError, prepare

REFERENCE = Path(__file__).resolve().parent.parent / "solutions" / "lstm.py"


def write_notebook(path: Path, cells: list[str], markdown_first: bool = True) -> Path:
    notebook = nbformat.v4.new_notebook()
    if markdown_first:
        notebook.cells.append(nbformat.v4.new_markdown_cell("# My LSTM"))
    notebook.cells += [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(notebook, str(path))
    return path


def reference_cells(backward_edit=None) -> list[str]:
    """The reference, one top-level block per cell, with the loss epsilon
    taken from a module-level constant (so a constant must survive)."""
    source = REFERENCE.read_text(encoding="utf-8").replace("outputs[t][k, 0] + 1e-12", "outputs[t][k, 0] + EPS")
    assert "+ EPS" in source
    if backward_edit:
        source = source.replace(*backward_edit)
    return [source]


# --------------------------------------------------------------------------
# The rule, statement by statement
# --------------------------------------------------------------------------


def kept_and_notes(*cells: str):
    extraction = extract_cells(list(enumerate(cells, start=1)))
    return extraction.source, extraction.notes


def test_definitions_imports_and_simple_constants_are_kept():
    source, _ = kept_and_notes(
        "import numpy as np\nfrom math import pi as PI",
        "hidden_size = 16\nVOCAB = ['a', 'b', 'EOS']\nV = len(VOCAB)\n"
        "word_to_idx = {w: i for i, w in enumerate(VOCAB)}\nscale: float = PI / hidden_size\n"
        "relu = lambda x: np.maximum(x, 0)",
        "def zeros():\n    return np.zeros((hidden_size, 1))\n\nclass Model:\n    pass",
    )
    for line in ("import numpy as np", "from math import pi as PI", "hidden_size = 16", "V = len(VOCAB)",
                 "word_to_idx = {w: i", "scale: float = PI / hidden_size", "relu = lambda",
                 "def zeros():", "class Model:"):
        assert line in source
    namespace: dict = {}
    exec(compile(source, "extracted", "exec"), namespace)  # the test's own code, not a submission
    assert namespace["zeros"]().shape == (16, 1) and namespace["word_to_idx"]["EOS"] == 2


def test_experiments_magics_and_calls_are_dropped_and_reported():
    source, notes = kept_and_notes(
        "%matplotlib inline\n!pip install numpy\nimport numpy as np",
        "params = init_lstm(16, 4)\nfor epoch in range(100):\n    train()\nplt.plot([1, 2])",
        "%%time\ndef forward():\n    pass",
        "if __name__ == '__main__':\n    main()",
        "rng = np.random.default_rng(0)\nlr = rng_scale * 2",
        "def broken(:\n    pass",
    )
    assert "import numpy as np" in source
    for dropped in ("%matplotlib", "!pip", "init_lstm(16, 4)", "for epoch", "plt.plot", "main()",
                    "default_rng", "rng_scale", "def forward", "broken"):
        assert dropped not in source, dropped
    text = "\n".join(notes)
    assert "cell 1, line 1: not run: %matplotlib inline" in text and "(+1 more)" in text
    assert "cell 2, line 1: not run: params = init_lstm(16, 4) (+2 more)" in text
    assert "cell 3, line 1: not run: %%time (a whole-cell magic)" in text
    assert "cell 4, line 1: not run: if __name__ == '__main__':" in text
    assert "cell 5, line 1: not run: rng = np.random.default_rng(0) (+1 more)" in text
    assert "cell 6, line 1: not run: the whole cell: it is not valid Python" in text


def test_a_magic_inside_a_function_keeps_the_function():
    source, notes = kept_and_notes("def forward(*a):\n    !echo hi\n    return 1")
    assert "def forward(*a):" in source and "!echo" not in source
    assert not any("forward" in note for note in notes)


def test_redefined_builtin_is_no_longer_trusted():
    source, notes = kept_and_notes("def len(x):\n    return 10 ** 9", "n = len('ab')")
    assert "n = len" not in source and any("n = len('ab')" in note for note in notes)


def test_missing_student_function_is_named_first():
    _, notes = kept_and_notes("def forward():\n    pass", "def clip_and_update():\n    pass")
    assert notes[0].startswith("no code cell defines backward() at the top level")


def test_autograder_cells_are_left_out_silently():
    source, notes = kept_and_notes("from grader.nbgrader_hooks import grade_part\ngrade_part('forward', 24)",
                                   "import grader.solutions\nimport numpy")
    assert "grade_part" not in source and "grader" not in source.split("\n", 2)[2]
    assert not [n for n in notes if "grade" in n]


def test_nbgrader_test_cells_are_not_student_code(tmp_path):
    notebook = nbformat.v4.new_notebook()
    test_cell = nbformat.v4.new_code_cell("assert forward is not None\nprint('x')")
    test_cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "t", "points": 1,
                                      "locked": True, "schema_version": 3}
    notebook.cells = [nbformat.v4.new_code_cell("import numpy as np"), test_cell]
    extraction = extract_notebook(nbformat.writes(notebook))
    assert "assert forward" not in extraction.source
    assert not [n for n in extraction.notes if "assert" in n]


# --------------------------------------------------------------------------
# Usage errors: one line, no traceback
# --------------------------------------------------------------------------


@pytest.mark.parametrize("content, message", [
    ("{ this is not json", "not a valid notebook: it is not valid JSON at line 1, column 3"),
    ("[1, 2, 3]", "is not a Jupyter notebook: no list of cells"),
    ('{"cells": [{"cell_type": "code"}], "nbformat": 4, "nbformat_minor": 5, "metadata": {}}',
     "is not a readable notebook"),
])
def test_broken_notebook_is_a_clear_usage_error(tmp_path, content, message):
    path = tmp_path / "broken.ipynb"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SubmissionError, match="broken.ipynb"):
        prepare(path, tmp_path)
    for command in ("grade", "check"):
        result = CliRunner().invoke(main, [command, str(path)])
        assert result.exit_code != 0
        assert message in result.output, result.output
        assert "Traceback" not in result.output and result.exception is None or \
            isinstance(result.exception, SystemExit)


# --------------------------------------------------------------------------
# Grading notebooks end to end (student code runs in the sandbox)
# --------------------------------------------------------------------------

EXPERIMENT_CELLS = [
    "%matplotlib inline\n!pip install --quiet some-package-that-does-not-exist\nimport matplotlib.pyplot as plt",
    "EPS = 1e-12\nhidden_size = 16\nstate_shape = (hidden_size, 1)",
    "def initial_state():\n    return np.zeros(state_shape), np.zeros(state_shape)",
    # an experiment that would take forever, and one that would fail loudly
    "import time\nwhile True:\n    time.sleep(1)",
    "raise RuntimeError('this experiment must not run during grading')",
    "params = init_lstm(hidden_size, 4)\nh, C = initial_state()\nplt.plot([1, 2, 3])\nplt.show()",
]


def test_notebook_with_experiments_grades_fully(tmp_path):
    path = write_notebook(tmp_path / "student.ipynb", EXPERIMENT_CELLS[:3] + reference_cells() + EXPERIMENT_CELLS[3:])
    result = CliRunner().invoke(main, ["grade", str(path), "--format", "json", "--total-timeout", "60"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["score"] == report["max_score"] == 100, report["errors"]
    assert report["errors"] == [] and report["bugs"] == []
    notes = "\n".join(report["notes"])
    # cell numbers count every cell, the markdown title included
    assert "cell 2, line 1: not run: %matplotlib inline" in notes
    assert "cell 6, line 2: not run: while True:" in notes
    assert "cell 7, line 1: not run: raise RuntimeError" in notes
    assert "cell 8, line 1: not run: params = init_lstm(hidden_size, 4) (+3 more)" in notes
    assert "if __name__" in notes  # the reference's own script block


def test_text_feedback_lists_what_was_not_run(tmp_path):
    path = write_notebook(tmp_path / "student.ipynb", EXPERIMENT_CELLS[:3] + reference_cells() + EXPERIMENT_CELLS[5:])
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 0, result.output
    assert "About your notebook" in result.output
    assert "cell 6, line 1: not run: params = init_lstm" in result.output


def test_notebook_bug_is_named(tmp_path):
    cells = EXPERIMENT_CELLS[:2] + reference_cells(("C_t = C[t + 1]", "C_t = C[t]"))
    result = CliRunner().invoke(main, ["grade", str(write_notebook(tmp_path / "b.ipynb", cells)),
                                       "--format", "json"])
    report = json.loads(result.output)
    assert [bug["id"] for bug in report["bugs"]] == ["backward/cell-state-off-by-one"]


def test_notebook_without_backward_says_so(tmp_path):
    source = reference_cells()[0]
    start, end = source.index("def backward("), source.index("def clip_and_update(")
    cells = ["EPS = 1e-12", source[:start] + source[end:]]
    result = CliRunner().invoke(main, ["grade", str(write_notebook(tmp_path / "nb.ipynb", cells))])
    assert result.exit_code == 0, result.output
    assert "no code cell defines backward() at the top level" in result.output
    assert "backward is not defined" in result.output
    assert "Score: 42 / 100" in result.output  # forward and clip_and_update still count


def test_backward_in_a_broken_cell_is_explained(tmp_path):
    source = reference_cells()[0]
    start, end = source.index("def backward("), source.index("def clip_and_update(")
    cells = ["EPS = 1e-12", source[:start] + source[end:],
             source[start:end].replace("dh_next = dz[:hidden_size]", "dh_next = dz[:hidden_size")]
    result = CliRunner().invoke(main, ["grade", str(write_notebook(tmp_path / "nb.ipynb", cells)),
                                       "--format", "json"])
    notes = json.loads(result.output)["notes"]
    assert notes[0].startswith("no code cell defines backward()")
    assert any(n.startswith("cell 4, line") and "not valid Python" in n for n in notes)


def test_every_hidden_check_counts_towards_one_notebook_part():
    """The nbgrader test cells split the hidden checks into four parts; a new
    check that fits none would silently drop out of the notebook's total."""
    from grader.nbgrader_course import part_points
    from grader.nbgrader_hooks import PARTS, part_of
    from grader.points import points_for

    table = points_for("hidden", None)
    for name in table:
        assert sum(part_of(name, part) for part in PARTS) == 1, name
    assert sum(part_points().values()) == pytest.approx(sum(table.values()))
