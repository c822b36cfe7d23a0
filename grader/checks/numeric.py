"""How close two arrays are, measured the way LSTM gradients need.

CS231n's element-wise max relative error flags CORRECT full-sequence LSTM
gradients, because near-zero entries are rounding noise. A norm-based relative
error over a whole array, ``|a - b| / (|a| + |b|)``, stays below 1e-6 on
correct code and near 0.1 - 1 on a real bug.
"""

from __future__ import annotations

import numpy as np

TOLERANCE = 1e-6  # for values computed by the same formulas in another order
GRADCHECK_TOLERANCE = 1e-4  # for analytic against finite-difference gradients


def rel_error(a, b) -> float:
    """Norm-based relative error of two arrays (0 when both are zero)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    if denominator == 0.0:
        return 0.0
    return float(np.linalg.norm(a - b) / denominator)


def close(a, b, tolerance: float = TOLERANCE) -> bool:
    """True when ``a`` and ``b`` agree within ``tolerance`` (NaN never agrees)."""
    error = rel_error(a, b)
    return bool(np.isfinite(error) and error <= tolerance)


def first_wrong_step(student_list, expected_list, tolerance: float = TOLERANCE):
    """The first index at which two per-step lists disagree, or None."""
    for t, (got, want) in enumerate(zip(student_list, expected_list)):
        if not close(got, want, tolerance):
            return t
    return None


def sequence_loss(outputs, targets) -> float:
    """The contract's loss, ``sum_t -ln(y_t[k_t] + 1e-12)``, from probabilities."""
    total = 0.0
    for y, target in zip(outputs, targets):
        total += -np.log(float(np.asarray(y).reshape(-1)[int(np.argmax(target))]) + 1e-12)
    return total
