"""What one call into the student's process gives back: a value or an error.

Only plain data lives here (numbers, strings, NumPy arrays and lists or tuples
of them), decoded without pickle by the sandbox protocol.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class StudentError:
    """Why a call produced no usable value, in words a student understands.

    ``kind`` is one of: ``exception`` (the student's code raised),
    ``not-implemented`` (it raised NotImplementedError), ``timeout`` (the call
    ran out of wall or CPU time), ``memory`` (it ran out of memory), ``exit``
    (it called sys.exit / os._exit), ``crash`` (the process died, e.g. a
    signal), ``output`` (it flooded stdout/stderr), ``garbage`` (it sent back
    something that is not plain data), ``load`` (the file could not be loaded:
    syntax error, import error, ...), ``missing`` (the function is not
    defined or has the wrong signature).
    """

    kind: str
    message: str
    traceback: str = ""  # only the frames of the student's own file


@dataclass(frozen=True)
class CallOutcome:
    """The result of calling one student function in the sandbox."""

    value: Any = None
    error: StudentError | None = None
    output: str = field(default="", compare=False)  # the student's stdout/stderr, trimmed

    @property
    def ok(self) -> bool:
        return self.error is None
