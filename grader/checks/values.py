"""Compare the student's forward caches and gradients with the expected ones."""

from __future__ import annotations

import numpy as np

from grader.checks.numeric import TOLERANCE, close, first_wrong_step, rel_error
from grader.checks.boundary import as_number
from grader.probes import CACHE_NAMES, PARAM_NAMES


def code_list(names) -> str:
    return ", ".join(f"`{name}`" for name in names)


def compare_forward(student_caches, expected_caches) -> tuple[float, str]:
    """Share of the nine forward lists that match, and feedback naming the rest.

    A list is wrong from its first mismatching step on; naming that step
    points the student at where their loop goes astray.
    """
    wrong = []
    for name, got, want in zip(CACHE_NAMES, student_caches, expected_caches):
        t = first_wrong_step(got, want)
        if t is not None:
            wrong.append(f"`{name}` (first at `{name}[{t}]`)")
    share = 1.0 - len(wrong) / len(CACHE_NAMES)
    if not wrong:
        return share, ""
    right = [name for name, got, want in zip(CACHE_NAMES, student_caches, expected_caches)
             if first_wrong_step(got, want) is None]
    message = f"wrong values in {', '.join(wrong)}"
    if right:
        message += f"; right: {code_list(right)}"
    return share, message


def compare_loss(student_loss, expected_loss) -> str:
    """Feedback when the loss differs from the summed cross-entropy, else ''."""
    loss = as_number(student_loss)
    if loss is not None and close(loss, expected_loss):
        return ""
    ratio = f" (yours / expected = {loss / expected_loss:.4g})" if loss and expected_loss else ""
    return (f"the loss is {loss!r}, expected {expected_loss:.6g}: the cross-entropy "
            f"summed over the time steps{ratio}")


def compare_gradients(student_grads, expected_grads) -> tuple[float, str]:
    """Share of the 10 gradients that match, and feedback naming which do not.

    A gradient that is exactly zero on this probe (dW_f when T = 1 and
    C_prev = 0, say) tests nothing, so it earns no share: returning zeros
    must not collect points.
    """
    errors = {name: rel_error(got, want)
              for name, got, want in zip(PARAM_NAMES, student_grads, expected_grads)}
    wrong = [name for name, error in errors.items() if not error <= TOLERANCE]
    informative = [name for name, want in zip(PARAM_NAMES, expected_grads) if np.any(want)]
    share = 1.0 - len(set(wrong) & set(informative)) / max(len(informative), 1)
    if not wrong:
        return share, ""
    right = [name for name in PARAM_NAMES if name not in wrong]
    details = ", ".join(f"d{name} (relative error {errors[name]:.2g})" for name in wrong)
    message = f"wrong gradients: {details}"
    if right:
        message += f"; right: {', '.join('d' + name for name in right)}"
    return share, message
