"""Find one submission per student in a folder, whatever layout it came in.

Courses collect work in different shapes, so three layouts are accepted, and
may even be mixed in one folder:

* ``DIR/<student>.py`` (or ``.ipynb``)      -- a flat folder of files;
* ``DIR/<student>/<any>.py``                 -- one folder per student (LMS downloads);
* ``submitted/<student>/<assignment>/...``   -- nbgrader's exchange, given either the
  course folder (which holds ``submitted/``) or ``submitted/`` itself.

The student id is the file's stem or the folder's name. Problems that concern
one student (an empty folder, several candidate files) do not stop the batch:
that student gets a ``problem`` and an error row. Problems that make the whole
batch ambiguous (two submissions for one id, nothing found) raise LayoutError
before anything is graded, because guessing there would silently drop work.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

SUFFIXES = (".py", ".ipynb")
# Folders that never hold a submission: editor, Jupyter and Python droppings.
IGNORED_DIRS = {"__pycache__", ".ipynb_checkpoints", "__MACOSX"}
NBGRADER_SUBMITTED = "submitted"
NBGRADER_TIMESTAMP = "timestamp.txt"


class LayoutError(ValueError):
    """The folder cannot be turned into one submission per student."""


@dataclass(frozen=True)
class Submission:
    """One student's work: the file to grade, or why there is none."""

    student_id: str
    path: Path | None  # None when ``problem`` says why nothing can be graded
    problem: str = ""
    assignment: str = ""  # nbgrader's assignment folder, when known
    timestamp: str = ""  # nbgrader's timestamp.txt, when present


def _visible(path: Path) -> bool:
    return not path.name.startswith(".") and path.name not in IGNORED_DIRS


def _candidates(folder: Path) -> list[Path]:
    """Every gradable file under ``folder`` (hidden folders and checkpoints
    skipped). Symbolic links are never followed: a linked folder is not
    searched, and a linked file is kept as a candidate so that grading refuses
    it with a clear message instead of reading what it points at."""
    found = []
    for entry in sorted(folder.iterdir()):
        if not _visible(entry):
            continue
        if entry.is_symlink():
            if entry.suffix.lower() in SUFFIXES:
                found.append(entry)
        elif entry.is_dir():
            found += _candidates(entry)
        elif entry.is_file() and entry.suffix.lower() in SUFFIXES:
            found.append(entry)
    return found


def _read_timestamp(folder: Path) -> str:
    """The first line of nbgrader's timestamp.txt; not a link, a FIFO or a
    device (opened without following links or blocking, read only if regular)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(folder / NBGRADER_TIMESTAMP, flags)
    except OSError:
        return ""
    try:
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return ""
            return handle.read(200).decode("utf-8").strip().splitlines()[0]
    except (OSError, UnicodeDecodeError, IndexError):
        return ""


def _from_folder(folder: Path, assignment: str | None, nbgrader: bool = False) -> Submission:
    """The submission in one student's folder."""
    student = folder.name
    search = folder
    if assignment is not None:
        search = folder / assignment
        if search.is_symlink() or not search.is_dir():
            return Submission(student, None, f"no folder {assignment!r} in {folder}", assignment)
    files = _candidates(search)
    if not files:
        return Submission(student, None, f"no .py or .ipynb file in {search}", assignment or "")
    if len(files) > 1:
        relative = [str(f.relative_to(folder)) for f in files]
        parents = {f.relative_to(folder).parts[0] for f in files if len(f.relative_to(folder).parts) > 1}
        hint = (" (one per assignment? choose one with --assignment)" if assignment is None and len(parents) > 1
                else "; keep only the one to grade")
        return Submission(student, None, f"several files to grade in {folder}: {', '.join(relative)}{hint}",
                          assignment or "")
    path = files[0]
    parts = path.relative_to(folder).parts
    # submitted/<student>/<assignment>/<notebook>: the middle folder names the
    # assignment -- in nbgrader's layout only; elsewhere a student's own
    # subfolder (alice/hw/lstm.py) says nothing about the assignment
    found_assignment = assignment or (parts[0] if nbgrader and len(parts) == 2 else "")
    return Submission(student, path, assignment=found_assignment, timestamp=_read_timestamp(path.parent))


def discover(root: Path, assignment: str | None = None, exclude: tuple[Path, ...] = ()) -> list[Submission]:
    """One Submission per student found in ``root``, sorted by student id.

    ``exclude`` lists folders to skip (the batch's own output folder, when an
    instructor puts it inside the submissions folder).
    """
    root = Path(root)
    if not root.is_dir():
        raise LayoutError(f"{root} is not a folder of submissions")
    if (root / NBGRADER_SUBMITTED).is_dir():
        root = root / NBGRADER_SUBMITTED
    nbgrader = root.name == NBGRADER_SUBMITTED
    excluded = {Path(p).resolve() for p in exclude}
    submissions = []
    for entry in sorted(root.iterdir()):
        if not _visible(entry) or entry.resolve() in excluded:
            continue
        if entry.is_symlink():  # never followed; a linked file is refused when it is read
            if entry.suffix.lower() in SUFFIXES:
                submissions.append(Submission(entry.stem, entry))
            else:
                submissions.append(Submission(entry.name, None, f"{entry} is a symbolic link, not a folder "
                                              "or a file: submit the files themselves"))
        elif entry.is_dir():
            submissions.append(_from_folder(entry, assignment, nbgrader))
        elif entry.is_file() and entry.suffix.lower() in SUFFIXES:
            submissions.append(Submission(entry.stem, entry))
    if not submissions:
        raise LayoutError(f"no submissions in {root}: expected <student>.py or .ipynb files, "
                          f"<student>/ folders, or nbgrader's submitted/<student>/<assignment>/")
    _check_unique(submissions, root)
    return sorted(submissions, key=lambda s: s.student_id)


def _check_unique(submissions: list[Submission], root: Path) -> None:
    """Two submissions for one student (``alice.py`` and ``alice/``) is an error:
    grading either one would silently ignore the other. Ids are compared
    case-insensitively because each becomes a folder name in the output."""
    seen: dict[str, list[Submission]] = {}
    for submission in submissions:
        seen.setdefault(submission.student_id.casefold(), []).append(submission)
    clashes = [group for group in seen.values() if len(group) > 1]
    if clashes:
        described = "; ".join(" and ".join(str(s.path or root / s.student_id) for s in group) for group in clashes)
        raise LayoutError(f"more than one submission for the same student in {root}: {described}. "
                          f"Keep one per student and run again.")
