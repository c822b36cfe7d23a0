"""Run a mutant in-process, as the sandbox would: each call gets deep copies
of its arguments and comes back as a CallOutcome (a value or an error).

Only for fast tests; end-to-end runs go through the real sandbox.
"""

from __future__ import annotations

import copy
import importlib.util
import re
import warnings
from pathlib import Path

import numpy as np

from grader.sandbox.outcome import CallOutcome, StudentError

HERE = Path(__file__).parent


def mutant_files() -> list[Path]:
    return sorted(path for path in HERE.glob("*.py") if path.name not in ("adapter.py", "generate.py", "__init__.py"))


def load_mutant(path: Path):
    spec = importlib.util.spec_from_file_location(f"mutant_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def marker(path: Path, name: str) -> str | None:
    """The text after ``name:`` in the mutant's docstring, if any."""
    found = re.search(rf"^{name}: (.*)$", path.read_text(), re.MULTILINE)
    return found.group(1).strip() if found else None


def expected_ids(path: Path) -> set[str]:
    text = marker(path, "expected")
    if text is None:
        raise ValueError(f"{path.name} has no 'expected:' marker")
    return set() if text == "(none)" else {item.strip() for item in text.split(",")}


def in_process_call(module):
    def call(name, *args, **kwargs):
        function = getattr(module, name, None)
        if function is None:
            return CallOutcome(error=StudentError("missing", f"{name} is not defined"))
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                value = function(*copy.deepcopy(args), **copy.deepcopy(kwargs))
        except NotImplementedError as error:
            return CallOutcome(error=StudentError("not-implemented", str(error)))
        except Exception as error:  # noqa: BLE001 - a student's exception is data here
            return CallOutcome(error=StudentError("exception", f"{type(error).__name__}: {error}"))
        return CallOutcome(value=value)
    return call
