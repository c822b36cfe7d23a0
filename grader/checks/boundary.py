"""The one place where what the student's process returns is read.

A student function's return value arrives as a plain-data tree (None,
numbers, strings, lists, tuples, dicts, numeric arrays of any shape), decoded
without pickle by the sandbox. Before any check, the diagnosis or a report
looks at it, it is read here ONCE against the published contract
(docs/contract.md), knowing what the grader passed in (T, H, V, the shapes of
``p``). A :class:`Reading` holds

* ``value``: the typed value -- containers as lists / tuples of float64
  arrays, the loss a Python float -- or None when it cannot be read at all
  (None where an array belongs, a complex or too large number, wrong counts);
* ``problems``: every departure from the contract, in the student's terms
  ("`h_s` has 5 entries, expected T + 1 = 6").

The suites use a value only when it has no problem (:meth:`Boundary.strict`);
the diagnosis also gets values with contract problems (a missing initial
state, a NaN from an unstable softmax are what it names bugs from), never an
unreadable one (:meth:`Boundary.lenient`). The boundary also keeps what is
not for students: the full text of their errors goes to an instructor-only
log, hidden grading shows a short first line; and a function that ran out of
time is not called again (its later calls fail at once, saying why).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from grader.probes import CACHE_NAMES, PARAM_NAMES
from grader.sandbox.outcome import CallOutcome, StudentError

SHORT_MESSAGE = 100  # characters of a student's error message shown in hidden grading
LOG_LIMIT = 50  # error texts kept for the instructor


@dataclass(frozen=True)
class Reading:
    """A returned value read against the contract."""

    value: Any = None  # typed value, or None when unreadable
    problems: tuple = ()  # departures from the published structure

    @property
    def readable(self) -> bool:
        return self.value is not None


def describe(value) -> str:
    """A short description of a returned value's type and shape."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    name = type(value).__name__
    if isinstance(value, (list, tuple)):
        return f"a {name} of {len(value)} items"
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def as_number(value) -> float | None:
    """A Python float from a real number or a one-element real array, else None
    (bool, complex, an int too large for a float, anything else)."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, np.ndarray):
        if value.size != 1 or value.dtype.kind not in "iuf":
            return None
        value = value.reshape(-1)[0]
    if isinstance(value, (int, np.integer)):
        try:
            return float(value)
        except OverflowError:
            return None
    if isinstance(value, (float, np.floating)):
        with np.errstate(over="ignore"):
            return float(value)
    return None


def read_array(name: str, value, shape: tuple, problems: list, finite_check: bool = True) -> np.ndarray | None:
    """One array as float64, adding its first contract problem (shape, dtype,
    non-finite values; the last only with ``finite_check``). None -- unreadable --
    when it is no array of real numbers of the expected shape: no catalogued bug
    changes a shape, and a value of another shape cannot be compared with the
    contract's."""
    if not isinstance(value, np.ndarray):
        problems.append(f"`{name}` is {describe(value)}, expected an array of shape {shape}")
        return None
    if value.shape != tuple(shape):
        problems.append(f"`{name}` has shape {value.shape}, expected {tuple(shape)}")
        return None
    if value.dtype.kind != "f":
        problems.append(f"`{name}` has dtype {value.dtype}, expected float64")
    if value.dtype.kind not in "biuf":
        return None
    if value.dtype == np.float64:
        array = value  # decoded by the sandbox into a fresh array: nobody else holds it
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            array = value.astype(np.float64)
    if finite_check and value.dtype.kind == "f" and not np.all(np.isfinite(array)):
        problems.append(f"`{name}` contains NaN or inf")
    return array


def read_arrays(name: str, items, shape: tuple, problems: list) -> list:
    """``read_array`` for every item of a list, the finiteness of all in one NumPy
    pass (a forward returns ~70 arrays); when some value is not finite, item by
    item again, so the problems are exactly read_array's, in the same order."""
    found: list = []
    arrays = [read_array(f"{name}[{t}]", item, shape, found, finite_check=False) for t, item in enumerate(items)]
    floats = [array.reshape(-1) for array, item in zip(arrays, items)
              if array is not None and item.dtype.kind == "f"]
    if floats and not np.isfinite(np.concatenate(floats)).all():
        found = []
        arrays = [read_array(f"{name}[{t}]", item, shape, found) for t, item in enumerate(items)]
    problems += found
    return arrays


def read_forward(value, T: int, H: int, V: int) -> Reading:
    """forward's nine lists: lengths T (T + 1 for C_s and h_s), column shapes."""
    if not isinstance(value, (tuple, list)):
        return Reading(None, (f"forward returned {describe(value)}, expected a tuple of 9 lists",))
    if len(value) != len(CACHE_NAMES):
        return Reading(None, (f"forward returned {len(value)} values, expected 9: ({', '.join(CACHE_NAMES)})",))
    shapes = {"z_s": (H + V, 1), "v_s": (V, 1), "output_s": (V, 1)}
    problems, lists, readable = [], [], True
    for name, items in zip(CACHE_NAMES, value):
        expected_len = T + 1 if name in ("C_s", "h_s") else T
        rule = "T + 1" if expected_len == T + 1 else "T"
        listed = isinstance(items, (list, tuple))
        if not listed:
            problems.append(f"`{name}` is {describe(items)}, expected a list of {rule} = {expected_len} arrays")
            if not (isinstance(items, np.ndarray) and items.ndim >= 1):
                readable = False
                continue
            items = list(items)  # an array of columns: readable, but not the published list
        elif len(items) != expected_len:
            problems.append(f"`{name}` has {len(items)} entries, expected {rule} = {expected_len}")
        item_problems = []
        arrays = read_arrays(name, items, shapes.get(name, (H, 1)), item_problems)
        unreadable = any(array is None for array in arrays)
        readable = readable and not unreadable
        if item_problems and (unreadable or (listed and len(items) == expected_len)):
            problems.append(item_problems[0])  # the first wrong item of a list says enough
        lists.append(arrays)
    return Reading(lists if readable else None, tuple(problems))


def read_parameters(what: str, prefix: str, values, shapes: list, problems: list) -> tuple | None:
    """A tuple of 10 arrays in the order and shapes of ``p``."""
    label = what if " " in what else f"`{what}`"  # a phrase, or the name of a variable
    if not isinstance(values, (tuple, list)):
        problems.append(f"{label} is {describe(values)}, expected a tuple of 10 arrays")
        return None
    if len(values) != len(PARAM_NAMES):
        problems.append(f"{label} has {len(values)} entries, expected 10: "
                        f"({', '.join(prefix + n for n in PARAM_NAMES)})")
        return None
    arrays = tuple(read_array(prefix + name, value, shape, problems)
                   for name, value, shape in zip(PARAM_NAMES, values, shapes))
    return None if any(array is None for array in arrays) else arrays


def read_backward(value, shapes: list) -> Reading:
    """backward's ``(loss, grads)``: a finite number and 10 gradients shaped like ``p``."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        return Reading(None, (f"backward returned {describe(value)}, expected (loss, grads)",))
    raw_loss, raw_grads = value
    problems = []
    loss = as_number(raw_loss)
    if loss is None:
        too_large = isinstance(raw_loss, (int, np.integer)) and not isinstance(raw_loss, (bool, np.bool_))
        problems.append("the loss is an int too large for a float" if too_large
                        else f"the loss is {describe(raw_loss)}, expected a number")
    elif not np.isfinite(loss):
        problems.append("the loss is NaN or inf")
    grads = read_parameters("grads", "d", raw_grads, shapes, problems)
    readable = loss is not None and grads is not None
    return Reading((loss, grads) if readable else None, tuple(problems))


def read_update(value, shapes: list) -> Reading:
    """clip_and_update's 10 updated parameters, shaped like ``p``."""
    problems = []
    params = read_parameters("clip_and_update's result", "", value, shapes, problems)
    return Reading(params, tuple(problems))


def argument(args: tuple, kwargs: dict, index: int, name: str):
    return args[index] if len(args) > index else kwargs[name]


def read(name: str, args: tuple, kwargs: dict, value) -> Reading:
    """Read what student function ``name`` returned for the grader's ``args``
    (which say what T, H, V and the shapes of ``p`` are)."""
    if name == "forward":
        inputs, h_prev = argument(args, kwargs, 0, "inputs"), argument(args, kwargs, 1, "h_prev")
        params = argument(args, kwargs, 3, "p")
        return read_forward(value, len(inputs), h_prev.shape[0], params[4].shape[0])
    if name == "backward":
        return read_backward(value, [np.shape(p) for p in argument(args, kwargs, 10, "p")])
    if name == "clip_and_update":
        return read_update(value, [np.shape(p) for p in argument(args, kwargs, 0, "params")])
    return Reading(value)  # not a graded function (the sandbox's own tests)


# ---------------------------------------------------------------------- error texts

NUMBER = re.compile(r"[-+]?\d*\.\d+(?:[eE][-+]?\d+)?")


def short_message(text: str) -> str:
    """A student's error message as hidden grading shows it: the first line,
    at most SHORT_MESSAGE characters, decimal numbers masked (a message could
    carry the hidden inputs, e.g. ``raise RuntimeError(repr(h_prev))``)."""
    lines = text.strip().splitlines() or [""]
    first = NUMBER.sub("…", lines[0])
    cut = len(first) > SHORT_MESSAGE or len(lines) > 1
    return first[:SHORT_MESSAGE].rstrip() + (" [...]" if cut else "")


# ---------------------------------------------------------------------- the boundary


@dataclass(frozen=True)
class Checked:
    """One call read at the boundary: a reading, or the student's error."""

    reading: Reading = Reading()
    error: StudentError | None = None


@dataclass
class Boundary:
    """The student's functions as the grader sees them.

    ``call(name, *args, **kwargs) -> CallOutcome`` is the sandbox's call.
    ``hidden``: hidden grading, where error texts are cut short for students
    and kept in full in ``log`` (instructor-only). A function whose call ran
    out of time is not called again: ``timed_out`` says why its later calls
    fail at once.
    """

    call: Callable
    hidden: bool = False
    log: list = field(default_factory=list)
    timed_out: dict = field(default_factory=dict)

    def checked(self, name: str, *args, **kwargs) -> Checked:
        if name in self.timed_out:
            return Checked(error=StudentError("timeout", self.timed_out[name]))
        outcome = self.call(name, *args, **kwargs)
        if outcome.error is not None:
            return Checked(error=self._student_error(name, outcome.error))
        return Checked(read(name, args, kwargs, outcome.value))

    def strict(self, name: str, *args, **kwargs) -> CallOutcome:
        """For the suites: the typed value only when it has the published structure."""
        checked = self.checked(name, *args, **kwargs)
        if checked.error is not None:
            return CallOutcome(error=checked.error)
        if checked.reading.problems:
            return CallOutcome(error=StudentError("structure", "; ".join(checked.reading.problems)))
        return CallOutcome(value=checked.reading.value)

    def lenient(self, name: str, *args, **kwargs) -> CallOutcome:
        """For the diagnosis: any readable typed value, contract problems or not."""
        checked = self.checked(name, *args, **kwargs)
        if checked.error is not None:
            return CallOutcome(error=checked.error)
        if not checked.reading.readable:
            return CallOutcome(error=StudentError(
                "structure", "not the published structure: " + "; ".join(checked.reading.problems)))
        return CallOutcome(value=checked.reading.value)

    def _student_error(self, name: str, error: StudentError) -> StudentError:
        if error.kind == "timeout" and "total time budget" not in error.message and name not in self.timed_out:
            self.timed_out[name] = f"{name} was not called again: an earlier call ran out of time ({error.message})"
        if not self.hidden or error.kind != "exception":  # only an exception's message is the student's text
            return error
        if len(self.log) < LOG_LIMIT:
            self.log.append({"function": name, "kind": error.kind, "message": error.message,
                             "traceback": error.traceback})
        return StudentError(error.kind, short_message(error.message), error.traceback)
