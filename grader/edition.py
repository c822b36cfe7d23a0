"""Which edition of the grader is installed: the full one or the student one.

The student edition (built by ``lstm-grader release``) ships without the
reference solution, the hidden probes and the bug diagnosis. It is recognised
by a marker file inside the package, so no code path has to guess from a
missing import.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from grader.submission import SubmissionError

STUDENT_MARKER = "student_edition.json"
MARKER_PATH = Path(__file__).with_name(STUDENT_MARKER)


@lru_cache(maxsize=1)
def is_student_edition() -> bool:
    return MARKER_PATH.is_file()


def student_edition_info() -> dict:
    """What the marker says (version, when it was built), or {} in the full edition."""
    if not is_student_edition():
        return {}
    return json.loads(MARKER_PATH.read_text(encoding="utf-8"))


class NotInStudentEdition(SubmissionError):
    """A command that needs the hidden checks or the reference was called in
    the student edition. A SubmissionError so every command reports it as a
    one-line usage error."""


def refuse_in_student_edition(command: str) -> None:
    """One clear line (a click.ClickException) when an instructor's command is
    run from the student edition, before it reaches for what is not there."""
    if is_student_edition():
        import click

        raise click.ClickException(
            f"`lstm-grader {command}` is for instructors and is not part of the student edition; "
            "use `lstm-grader check FILE.py` (or FILE.ipynb) for the public self-check.")


def require_full_edition(what: str) -> None:
    """Raise NotInStudentEdition when running the student edition."""
    if is_student_edition():
        raise NotInStudentEdition(
            f"{what} is not available in the student edition of lstm-grader: it needs the "
            "hidden checks, which only your instructor has. Use `lstm-grader check FILE.py` "
            "for the public self-check.")
