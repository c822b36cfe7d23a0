"""Turn what a user passed on the command line into a Python file to grade.

A ``.py`` file is graded as it is. A ``.ipynb`` notebook is reduced to its
definitions by :mod:`grader.notebook` (imports, functions, classes, simple
constants; the student's experiments are left out and listed in the notes),
so nothing slow or interactive runs while grading.

The submission is opened without following symbolic links (a link is refused)
and read up to a size cap; a notebook is parsed (JSON, ``nbformat``, ``ast``)
in a child process under memory, CPU and time limits (grader.parse_child),
never in the unbounded grader. A ``.py`` file is not parsed here at all.

Every problem here is a usage error with a one-line message (missing file,
wrong kind of file, symbolic link, unreadable, not text, not a notebook, too
large or too deeply nested to read), never a traceback.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SUPPORTED_SUFFIXES = (".py", ".ipynb")
MAX_SUBMISSION_BYTES = 20 * 1024 * 1024  # more is not a hand-written exercise
REQUIRED = ("forward", "backward", "clip_and_update")  # the contract's student functions


class SubmissionError(ValueError):
    """The submission cannot be graded at all; the message says why."""


def refuse_symlink(path: Path) -> None:
    """A submission that is a symbolic link is refused, never followed: it
    could point at any file of the grading machine (a zip unpacked with its
    links kept, ``zip -y``, brings them in)."""
    if Path(path).is_symlink():
        raise SubmissionError(f"{path} is a symbolic link, not a file: submit the file itself "
                              "(a zip made with `zip -y` keeps links; zip the real file)")


def read_submission_bytes(path: Path, limit: int = MAX_SUBMISSION_BYTES) -> bytes:
    """The bytes of a submission file, opened without following a symbolic
    link (also one swapped in after the check) and at most ``limit`` of them."""
    path = Path(path)
    refuse_symlink(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise SubmissionError(f"{path} is a symbolic link, not a file: submit the file itself") from None
        raise SubmissionError(f"cannot read {path}: {error.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise SubmissionError(f"{path} is not a regular file")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise SubmissionError(f"{path} is larger than {limit // 2**20} MB")
    return data


def read_source(path: Path) -> str:
    """The submission's source text, or a SubmissionError saying what is wrong."""
    path = Path(path)
    refuse_symlink(path)
    if not path.exists():
        raise SubmissionError(f"no such file: {path}")
    if path.is_dir():
        from grader.edition import is_student_edition

        hint = "" if is_student_edition() else " (use `lstm-grader batch` for a folder)"
        raise SubmissionError(f"{path} is a folder; pass one .py or .ipynb file{hint}")
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise SubmissionError(f"{path} is not a Python file or a notebook: expected one of {', '.join(SUPPORTED_SUFFIXES)}")
    data = read_submission_bytes(path)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SubmissionError(f"{path} is not UTF-8 text") from None


@dataclass(frozen=True)
class ParseLimits:
    """What reading one submission may cost the child that parses it."""

    memory_bytes: int = 1024 * 2**20
    cpu_seconds: int = 30
    wall_seconds: float = 60.0


def python_notes(source: str) -> list[str]:
    """A note when a Python file does not define the functions to grade (an
    empty file, the wrong file). Without parsing (the sandbox does that, under
    its limits): a function whose name does not occur in the text at all is
    certainly not defined; one that does occur is left to the checks."""
    missing = [name for name in REQUIRED if not re.search(rf"\b{name}\b", source)]
    if not missing:
        return []
    listed = ", ".join(f"{name}()" for name in missing)
    if not source.strip():
        return [f"your file is empty: it defines none of {listed}"]
    if len(missing) == len(REQUIRED):
        return [f"your file defines none of {listed}: is it the right file?"]
    return [f"your file does not define {listed}"]


def parse_limited(text: str, name: str, limits: ParseLimits = ParseLimits()) -> tuple[str, list[str]]:
    """``(source, notes)`` of a notebook, computed by grader.parse_child in
    a child process under ``limits``; a SubmissionError when it is not a
    usable notebook or cannot be read within the limits."""
    package_parent = str(Path(__file__).resolve().parent.parent)
    boot = ("import sys; sys.path.insert(0, sys.argv[1]); "
            "from grader.parse_child import main; main(int(sys.argv[2]), int(sys.argv[3]))")
    request = json.dumps({"text": text, "name": name}).encode("utf-8")
    too_much = f"{name} could not be read within the grader's limits " \
               f"({limits.memory_bytes // 2**20} MB, {limits.cpu_seconds} s): is it unusually large or deeply nested?"
    try:
        result = subprocess.run([sys.executable, "-I", "-c", boot, package_parent, str(limits.memory_bytes),
                                 str(limits.cpu_seconds)], input=request, capture_output=True,
                                timeout=limits.wall_seconds)
    except subprocess.TimeoutExpired:
        raise SubmissionError(too_much) from None
    try:
        reply = json.loads(result.stdout.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        reply = None
    if result.returncode != 0 or not isinstance(reply, dict):
        raise SubmissionError(too_much)
    if "error" in reply:
        raise SubmissionError(str(reply["error"]))
    return str(reply["source"]), [str(note) for note in reply.get("notes", [])]


def require_posix() -> None:
    """The sandbox needs Linux or macOS: on Windows say what to do instead of
    failing later with a traceback."""
    if sys.platform == "win32":
        raise SubmissionError("lstm-grader cannot run student code on Windows itself (its sandbox needs "
                              "Linux or macOS): use WSL (`wsl --install`, then run lstm-grader in the "
                              "Ubuntu window), or a Linux machine")


def safe_python_name(name: str) -> str:
    """The file's own name when it is a plain one, else ``submission.py``."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    return cleaned if cleaned.endswith(".py") and not cleaned.startswith(".") else "submission.py"


def prepare(path: Path, workdir: Path) -> tuple[Path, list[str]]:
    """A ``.py`` file in ``workdir`` holding the code to grade, and notes for
    the report (for instance what was left out of a notebook)."""
    require_posix()
    source = read_source(path)
    kind = "ipynb" if Path(path).suffix.lower() == ".ipynb" else "py"
    if kind == "ipynb":
        source, notes = parse_limited(source, Path(path).name)
    else:
        notes = python_notes(source)
    # a .py keeps its name, so a syntax error names the student's file
    target = Path(workdir) / (safe_python_name(Path(path).name) if kind == "py" else "submission.py")
    target.write_text(source, encoding="utf-8")
    return target, notes
