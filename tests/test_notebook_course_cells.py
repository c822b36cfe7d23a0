"""The course notebook's own training cell is left out of grading without a
note: every student has it, so the note was noise in every feedback."""

from __future__ import annotations

import nbformat

from grader.exercise import solution_path
from grader.nbgrader_course import TRAINING_CELL, build_notebook
from grader.notebook import COURSE_CELL_MARK, extract_cells, extract_notebook


def test_the_course_training_cell_gets_no_note():
    notebook = build_notebook(solution_path())
    assert TRAINING_CELL.startswith(COURSE_CELL_MARK)
    extraction = extract_notebook(nbformat.writes(notebook), "lstm.ipynb")
    assert extraction.notes == [], extraction.notes
    assert "def forward(" in extraction.source


def test_the_mark_silences_notes_but_keeps_definitions():
    marked = COURSE_CELL_MARK + "\nparams = init(3)\ndef helper():\n    return 1\n"
    plain = "losses = train(params)\n"
    extraction = extract_cells([(1, marked), (2, plain)])
    assert "def helper():" in extraction.source
    notes = [note for note in extraction.notes if not note.startswith("no code cell defines")]
    assert notes == ["cell 2, line 1: not run: losses = train(params)"]


def test_generate_feedback_config_raises_no_unrecognised_option_warning(tmp_path):
    """The HTML exporter sets nbconvert's display_data_priority for every
    preprocessor; nbgrader's ClearHiddenTests warned that it does not know it."""
    import logging

    import pytest

    pytest.importorskip("nbgrader")
    from traitlets.config import Config

    from grader.nbgrader_course import write_course

    config_path, _ = write_course(tmp_path / "course")
    config_text = config_path.read_text()
    assert '"grader.nbgrader_feedback.ClearHiddenTests"' in config_text
    assert "nbgrader.preprocessors.ClearHiddenTests" not in config_text

    from grader.nbgrader_feedback import ClearHiddenTests

    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("test-clear-hidden-tests")
    logger.addHandler(handler)
    shared = Config({"NbConvertBase": {"display_data_priority": ["text/html", "text/plain"]}})
    preprocessor = ClearHiddenTests(config=shared, log=logger)
    assert [r.getMessage() for r in records if "not recognized" in r.getMessage()] == []
    assert preprocessor.display_data_priority == ["text/html", "text/plain"]
    assert preprocessor.begin_test_delimeter == "BEGIN HIDDEN TESTS"
