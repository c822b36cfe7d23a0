"""Turn what a user passed on the command line into a Python file to grade.

A ``.py`` file is graded as it is. A ``.ipynb`` notebook is reduced to its
definitions by :mod:`grader.notebook` (imports, functions, classes, simple
constants; the student's experiments are left out and listed in the notes),
so nothing slow or interactive runs while grading.

Every problem here is a usage error with a one-line message (missing file,
wrong kind of file, unreadable, not text, not a notebook), never a traceback.
"""

from __future__ import annotations

from pathlib import Path

SUPPORTED_SUFFIXES = (".py", ".ipynb")


class SubmissionError(ValueError):
    """The submission cannot be graded at all; the message says why."""


def read_source(path: Path) -> str:
    """The submission's source text, or a SubmissionError saying what is wrong."""
    path = Path(path)
    if not path.exists():
        raise SubmissionError(f"no such file: {path}")
    if path.is_dir():
        raise SubmissionError(f"{path} is a folder; pass one .py or .ipynb file (use `lstm-grader batch` for a folder)")
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise SubmissionError(f"{path} is not a Python file or a notebook: expected one of {', '.join(SUPPORTED_SUFFIXES)}")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SubmissionError(f"cannot read {path}: {error.strerror}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SubmissionError(f"{path} is not UTF-8 text") from None


def prepare(path: Path, workdir: Path) -> tuple[Path, list[str]]:
    """A ``.py`` file in ``workdir`` holding the code to grade, and notes for
    the report (for instance what was left out of a notebook)."""
    source = read_source(path)
    notes: list[str] = []
    if Path(path).suffix.lower() == ".ipynb":
        from grader.notebook import NotebookError, extract_notebook

        try:
            extraction = extract_notebook(source, Path(path).name)
        except NotebookError as error:
            raise SubmissionError(str(error)) from None
        source = extraction.source
        notes = extraction.notes
    target = Path(workdir) / "submission.py"
    target.write_text(source, encoding="utf-8")
    return target, notes
