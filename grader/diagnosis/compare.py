"""How close a student's value is to a model's value.

One number per output: the norm-based relative error ``|a - b| / (|a| + |b|)``
(Frobenius norms). Element-wise relative errors flag correct LSTM gradients
(near-zero entries are rounding noise); this one gives ~1e-10 on correct code
and ~0.1-1 on a real bug, so one tolerance separates them.

This runs a few thousand times per diagnosis, so it avoids NumPy's slower
helpers (``linalg.norm``, ``array_equal``) on the common all-finite path.
"""

from __future__ import annotations

import math

import numpy as np

TOLERANCE = 1e-6  # relative error below which two outputs are "the same"
MISMATCH = 1.0  # the largest possible relative error; used for structural mismatches


def as_array(value) -> np.ndarray | None:
    """``value`` as a flat float64 array, or None when it is not numeric."""
    if value is None:
        return None
    if isinstance(value, np.ndarray) and value.dtype == np.float64:
        return value.ravel()
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return array.ravel()


def _norm(x: np.ndarray) -> float:
    return math.sqrt(float(x @ x))


def relative_error(student, model, scale_free: bool = False) -> float:
    """``|a - b| / (|a| + |b|)``; 0 for two zeros, 1 for incomparable values.

    Non-finite entries must sit at the same places in both (NaN and inf count
    as the same "non-finite"); the finite rest is compared. With
    ``scale_free`` each side is first divided by its own norm, so a positive
    overall factor (e.g. a clipped gradient) does not count as a difference.
    """
    a, b = as_array(student), as_array(model)
    if a is None or b is None or a.size != b.size:
        return MISMATCH
    aa, bb = float(a @ a), float(b @ b)
    if not (math.isfinite(aa) and math.isfinite(bb)):  # a NaN or inf somewhere (or overflow)
        finite_a, finite_b = np.isfinite(a), np.isfinite(b)
        if (finite_a != finite_b).any():
            return MISMATCH
        a, b = a[finite_a], b[finite_b]
        aa, bb = float(a @ a), float(b @ b)
    norm_a, norm_b = math.sqrt(aa), math.sqrt(bb)
    if scale_free:
        a = a / norm_a if norm_a > 0 else a
        b = b / norm_b if norm_b > 0 else b
        norm_a, norm_b = float(norm_a > 0), float(norm_b > 0)
    denominator = norm_a + norm_b
    if denominator == 0.0:
        return 0.0
    return _norm(a - b) / denominator


def matches(student, model, scale_free: bool = False) -> bool:
    """Whether two outputs agree within :data:`TOLERANCE`."""
    return relative_error(student, model, scale_free) <= TOLERANCE


def elementwise_clip_bound(pairs) -> float | None:
    """The bound c when every student value is its model value clipped to
    [-c, c] (``np.clip``) and some model entry is beyond c, else None.

    ``pairs`` are (student, model) values; c is read off the student's largest
    magnitude, so it needs no guess.
    """
    arrays = [(as_array(a), as_array(b)) for a, b in pairs]
    if not arrays or any(a is None or b is None or a.size != b.size or not np.all(np.isfinite(a))
                         for a, b in arrays):
        return None
    bound = max(float(np.max(np.abs(a))) for a, _ in arrays if a.size)
    if bound <= 0 or not any(np.any(np.abs(b) > bound * (1 + 1e-9)) for _, b in arrays):
        return None
    for a, b in arrays:
        clipped = np.clip(b, -bound, bound)
        if _norm(a - clipped) > TOLERANCE * (_norm(a) + _norm(clipped)):
            return None
    return bound
