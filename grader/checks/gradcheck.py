"""Check the student's backward against finite differences of their OWN forward.

This catches a forward/backward pair that is inconsistent even where both
differ from the reference. One random direction per parameter keeps it to two
forward calls per parameter: the directional derivative ``sum(grad * D)``
must match ``(L(p + eps D) - L(p - eps D)) / (2 eps)``.
"""

from __future__ import annotations

import numpy as np

from grader.checks.numeric import GRADCHECK_TOLERANCE, rel_error
from grader.checks.student import StudentCalls
from grader.probes import PARAM_NAMES, Probe

EPSILON = 1e-5


def shifted(params, k: int, step) -> tuple:
    """``params`` with ``step`` added to parameter ``k``."""
    return tuple(p + step if j == k else p for j, p in enumerate(params))


def directional_errors(student: StudentCalls, probe: Probe, grads, seed: int) -> dict[str, float]:
    """Relative error of each parameter's directional derivative."""
    rng = np.random.default_rng(seed)
    errors = {}
    for k, name in enumerate(PARAM_NAMES):
        direction = rng.standard_normal(probe.params[k].shape)
        loss_plus = student.forward_loss(probe.inputs, probe.h_prev, probe.C_prev,
                                         shifted(probe.params, k, EPSILON * direction), probe.targets)
        loss_minus = student.forward_loss(probe.inputs, probe.h_prev, probe.C_prev,
                                          shifted(probe.params, k, -EPSILON * direction), probe.targets)
        numeric = (loss_plus - loss_minus) / (2 * EPSILON)
        analytic = float(np.sum(np.asarray(grads[k]) * direction))
        errors[name] = rel_error(analytic, numeric)
    return errors


def wrong_directions(errors: dict[str, float]) -> list[str]:
    return [name for name, error in errors.items() if not error <= GRADCHECK_TOLERANCE]
