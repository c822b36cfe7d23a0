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
