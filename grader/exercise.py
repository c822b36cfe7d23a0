"""Build the student exercise from the reference solution.

The reference ``solutions/lstm.py`` marks each part the student has to write
with nbgrader's markers::

    def forward(inputs, h_prev, C_prev, p):
        \"\"\"...docstring, kept...\"\"\"
        ### BEGIN SOLUTION
        ...reference code...
        ### END SOLUTION

:func:`student_version` replaces every such block, at the indentation of its
``### BEGIN SOLUTION`` line, by nbgrader's stub::

        # YOUR CODE HERE
        raise NotImplementedError()

Everything outside the blocks (signatures, docstrings, the given helpers)
is kept verbatim. ``python -m grader.exercise`` rebuilds
``exercises/lstm.py``; ``python -m grader.exercise --check`` only reports
whether it is up to date (exit code 1 if not).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
REBUILD_COMMAND = "python -m grader.exercise"
HEADER = (
    "# GENERATED FILE: do not edit. It is built from the reference solution\n"
    f"# (solutions/lstm.py); rebuild it with `{REBUILD_COMMAND}`.\n"
)
MODULE = "lstm.py"


class MarkerError(ValueError):
    """The solution markers are unbalanced, nested or misplaced."""


def student_version(source: str) -> str:
    """The student version of ``source``: solution blocks become stubs.

    A line whose stripped text is ``### BEGIN SOLUTION`` opens a block and one
    that is ``### END SOLUTION`` closes it; both lines and everything between
    them are replaced by ``# YOUR CODE HERE`` / ``raise NotImplementedError()``
    at the indentation of the BEGIN line. The result starts with a short
    "generated, do not edit" comment. Unbalanced or nested markers raise
    :class:`MarkerError` (a ``ValueError``), so no solution code can leak
    through a forgotten END.
    """
    out: list[str] = []
    begin_line = None  # line number of the open block, if any
    for number, line in enumerate(source.splitlines(keepends=True), start=1):
        stripped = line.strip()
        if stripped == BEGIN:
            if begin_line is not None:
                raise MarkerError(f"line {number}: {BEGIN} inside the block opened at line {begin_line}")
            begin_line = number
            indent = line[: len(line) - len(line.lstrip())]
            newline = "\r\n" if line.endswith("\r\n") else "\n"
            out.extend(indent + stub + newline for stub in STUB)
        elif stripped == END:
            if begin_line is None:
                raise MarkerError(f"line {number}: {END} without a matching {BEGIN}")
            begin_line = None
        elif BEGIN in line or END in line:
            raise MarkerError(f"line {number}: a solution marker must stand alone on its line")
        elif begin_line is None:
            out.append(line)
    if begin_line is not None:
        raise MarkerError(f"line {begin_line}: {BEGIN} is never closed by {END}")
    return HEADER + "".join(out)


def _package_dir(name: str) -> Path:
    """The folder of ``grader.<name>`` (``solutions`` or ``exercises``).

    From a source checkout (the folder above ``grader/`` holds
    ``pyproject.toml``) that is the repository folder ``<name>/``; in an
    installed copy it is the package ``grader.<name>``.
    """
    root = Path(__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() and (root / name / "__init__.py").is_file():
        return root / name
    try:
        spec = importlib.util.find_spec(f"grader.{name}")
    except ModuleNotFoundError:
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"cannot locate the package grader.{name}")
    return Path(next(iter(spec.submodule_search_locations)))


def solution_path() -> Path:
    """The reference solution ``lstm.py``."""
    return _package_dir("solutions") / MODULE


def exercise_path() -> Path:
    """The generated student exercise ``lstm.py``."""
    return _package_dir("exercises") / MODULE


def _read(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


def expected_exercise(source_path: Path | None = None) -> str:
    """What the exercise file must contain, built from the reference."""
    return student_version(_read(Path(source_path or solution_path())))


def write_exercise(source_path: Path | None = None, target_path: Path | None = None) -> Path:
    """Write the student version of the reference solution; return its path.

    The file is written only when its content changes.
    """
    target = Path(target_path or exercise_path())
    text = expected_exercise(source_path)
    if not target.is_file() or _read(target) != text:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    return target


def is_up_to_date(source_path: Path | None = None, target_path: Path | None = None) -> bool:
    """Whether the exercise file equals the student version of the reference."""
    target = Path(target_path or exercise_path())
    return target.is_file() and _read(target) == expected_exercise(source_path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=REBUILD_COMMAND,
        description="Rebuild exercises/lstm.py (the student version) from solutions/lstm.py.",
    )
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if the exercise is out of date")
    parser.add_argument("--source", type=Path, help="reference solution (default: %(default)s)",
                        default=None)
    parser.add_argument("--target", type=Path, help="exercise file to write", default=None)
    args = parser.parse_args(argv)

    source = args.source or solution_path()
    target = args.target or exercise_path()
    if args.check:
        if is_up_to_date(source, target):
            print(f"{target} is up to date")
            return 0
        print(f"{target} is out of date: run `{REBUILD_COMMAND}`", file=sys.stderr)
        return 1
    print(f"wrote {write_exercise(source, target)} from {source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
