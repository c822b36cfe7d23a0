"""Contract checks: does a returned value have the published structure?

Each function returns a list of problems, each naming the offending item in
the student's terms ("`h_s` has 5 entries, expected T + 1 = 6"), so feedback
never reads "assertion failed".
"""

from __future__ import annotations

import numpy as np

from grader.probes import CACHE_NAMES, PARAM_NAMES


def describe(value) -> str:
    """A short description of a returned value's type and shape."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    name = type(value).__name__
    article = "an" if name[0] in "aeiou" else "a"
    if isinstance(value, (list, tuple)):
        return f"a {name} of {len(value)} items"
    return f"{article} {name}"


def array_problems(name: str, value, shape: tuple) -> list[str]:
    """Problems with one array: not an array, wrong shape, not float, not finite."""
    if not isinstance(value, np.ndarray):
        return [f"`{name}` is {describe(value)}, expected an array of shape {shape}"]
    if value.shape != shape:
        return [f"`{name}` has shape {value.shape}, expected {shape}"]
    if not np.issubdtype(value.dtype, np.floating):
        return [f"`{name}` has dtype {value.dtype}, expected float64"]
    if not np.all(np.isfinite(value)):
        return [f"`{name}` contains NaN or inf"]
    return []


def forward_problems(result, T: int, H: int, V: int) -> list[str]:
    """Problems with forward's return value: 9 lists, lengths T / T + 1, shapes."""
    if not isinstance(result, (tuple, list)):
        return [f"forward returned {describe(result)}, expected a tuple of 9 lists"]
    if len(result) != len(CACHE_NAMES):
        return [f"forward returned {len(result)} values, expected 9: ({', '.join(CACHE_NAMES)})"]
    shapes = {"z_s": (H + V, 1), "v_s": (V, 1), "output_s": (V, 1)}
    problems = []
    for name, value in zip(CACHE_NAMES, result):
        expected_len = T + 1 if name in ("C_s", "h_s") else T
        rule = "T + 1" if expected_len == T + 1 else "T"
        if not isinstance(value, (list, tuple)):
            problems.append(f"`{name}` is {describe(value)}, expected a list of {rule} = {expected_len} arrays")
            continue
        if len(value) != expected_len:
            problems.append(f"`{name}` has {len(value)} entries, expected {rule} = {expected_len}")
            continue
        shape = shapes.get(name, (H, 1))
        for t, item in enumerate(value):
            item_problems = array_problems(f"{name}[{t}]", item, shape)
            if item_problems:
                problems.extend(item_problems)
                break
    return problems


def backward_problems(result, param_shapes: list[tuple]) -> list[str]:
    """Problems with backward's return value: ``(loss, grads)`` in the order of p."""
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        return [f"backward returned {describe(result)}, expected (loss, grads)"]
    loss, grads = result
    problems = []
    if isinstance(loss, np.ndarray) and loss.size == 1:
        loss = float(loss.reshape(-1)[0])
    if not isinstance(loss, (int, float)) or isinstance(loss, bool):
        problems.append(f"the loss is {describe(loss)}, expected a number")
    elif not np.isfinite(loss):
        problems.append("the loss is NaN or inf")
    problems.extend(parameter_tuple_problems("grads", "d", grads, param_shapes))
    return problems


def parameter_tuple_problems(what: str, prefix: str, values, param_shapes: list[tuple]) -> list[str]:
    """Problems with a tuple of 10 arrays in the order and shapes of ``p``."""
    label = what if " " in what else f"`{what}`"  # a phrase, or the name of a variable
    if not isinstance(values, (tuple, list)):
        return [f"{label} is {describe(values)}, expected a tuple of 10 arrays"]
    if len(values) != len(PARAM_NAMES):
        return [f"{label} has {len(values)} entries, expected 10: ({', '.join(prefix + n for n in PARAM_NAMES)})"]
    problems = []
    for name, value, shape in zip(PARAM_NAMES, values, param_shapes):
        problems.extend(array_problems(prefix + name, value, shape))
    return problems


def as_number(value):
    """A Python float from a number or a one-element array, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, np.ndarray) and value.size == 1 and np.issubdtype(value.dtype, np.number):
        return float(value.reshape(-1)[0])
    return None
