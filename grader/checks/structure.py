"""Contract checks: does a returned value have the published structure?

Each function returns a list of problems, each naming the offending item in
the student's terms ("`h_s` has 5 entries, expected T + 1 = 6"), so feedback
never reads "assertion failed". The reading itself lives in one place, the
boundary (grader.checks.boundary); these are its problem lists, for checks
that hold a value already read there.
"""

from __future__ import annotations

from grader.checks.boundary import as_number, describe, read_array, read_backward, read_forward, read_parameters

__all__ = ["describe", "as_number", "array_problems", "forward_problems", "backward_problems",
           "parameter_tuple_problems"]


def array_problems(name: str, value, shape: tuple) -> list[str]:
    """Problems with one array: not an array, wrong shape, not float, not finite."""
    problems: list[str] = []
    read_array(name, value, shape, problems)
    return problems


def forward_problems(result, T: int, H: int, V: int) -> list[str]:
    """Problems with forward's return value: 9 lists, lengths T / T + 1, shapes."""
    return list(read_forward(result, T, H, V).problems)


def backward_problems(result, param_shapes: list[tuple]) -> list[str]:
    """Problems with backward's return value: ``(loss, grads)`` in the order of p."""
    return list(read_backward(result, param_shapes).problems)


def parameter_tuple_problems(what: str, prefix: str, values, param_shapes: list[tuple]) -> list[str]:
    """Problems with a tuple of 10 arrays in the order and shapes of ``p``."""
    problems: list[str] = []
    read_parameters(what, prefix, values, param_shapes, problems)
    return problems
