"""The gradient check: the student's backward against central finite differences.

One random direction D per parameter keeps it to two forward calls per
parameter: the directional derivative ``sum(grad * D)`` must match
``(L(p + eps D) - L(p - eps D)) / (2 eps)``.

It judges ``backward`` only. When the student's forward is the contract's on
the check's probe (same values, and its loss moves like the contract's when
each parameter is nudged), the backward is checked against finite differences
of the student's OWN forward, fed its own caches. Otherwise (a forward bug, a
forward that ignores the parameters, replayed caches) the backward is fed the
contract's caches and checked against finite differences of the contract's
forward, so a forward mistake never costs points here.

A direction along which the contract's loss does not move tests nothing: it
earns nothing, so zero gradients never collect points where the finite
differences are zero too.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from grader.checks.numeric import GRADCHECK_TOLERANCE, rel_error, sequence_loss
from grader.checks.student import CheckFailed, StudentCalls
from grader.checks.values import compare_forward
from grader.probes import PARAM_NAMES, Probe

EPSILON = 1e-5
FLAT = 1e-7  # a directional derivative this small: the loss does not move along D


def shifted(params, k: int, step) -> tuple:
    """``params`` with ``step`` added to parameter ``k``."""
    return tuple(p + step if j == k else p for j, p in enumerate(params))


def directions_for(probe: Probe, seed: int) -> list[np.ndarray]:
    """One seeded random direction per parameter."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(p.shape) for p in probe.params]


def numeric_derivatives(loss_at, params, directions) -> dict[str, float]:
    """Central differences of ``loss_at(params)`` along each parameter's direction."""
    numeric = {}
    for k, (name, direction) in enumerate(zip(PARAM_NAMES, directions)):
        plus = loss_at(shifted(params, k, EPSILON * direction), k, +1)
        minus = loss_at(shifted(params, k, -EPSILON * direction), k, -1)
        numeric[name] = (plus - minus) / (2 * EPSILON)
    return numeric


def analytic_derivatives(grads, directions) -> dict[str, float]:
    return {name: float(np.sum(np.asarray(g, dtype=float) * d))
            for name, g, d in zip(PARAM_NAMES, grads, directions)}


def errors_between(analytic: dict, numeric: dict) -> dict[str, float]:
    return {name: rel_error(analytic[name], numeric[name]) for name in numeric}


def wrong_directions(errors: dict[str, float]) -> list[str]:
    return [name for name, error in errors.items() if not error <= GRADCHECK_TOLERANCE]


def contract_derivatives(expected, probe: Probe, directions) -> dict[str, float]:
    """Finite differences of the contract's forward (the reference, or in the
    student edition the values stored for these very shifted probes)."""
    def loss_at(params, k, sign):
        name = f"{probe.name} d{PARAM_NAMES[k]}{'+' if sign > 0 else '-'}"
        shifted_probe = dataclasses.replace(probe, name=name, params=params)
        return sequence_loss(expected.forward(shifted_probe)[-1], probe.targets)
    return numeric_derivatives(loss_at, probe.params, directions)


def own_derivatives(student: StudentCalls, probe: Probe, directions) -> dict[str, float]:
    def loss_at(params, k, sign):
        return student.forward_loss(probe.inputs, probe.h_prev, probe.C_prev, params, probe.targets)
    return numeric_derivatives(loss_at, probe.params, directions)


def own_forward_derivatives(student: StudentCalls, expected, probe: Probe, directions,
                            contract: dict) -> tuple[dict | None, str]:
    """Finite differences of the student's forward when it can stand for the
    contract's here, else None and the reason why not."""
    try:
        caches = student.forward_checked(probe)
    except CheckFailed as failure:
        return None, f"your forward gives no usable result here ({failure})"
    _, message = compare_forward(caches, expected.forward(probe))
    if message:
        return None, "your forward's values differ from the contract's on this probe (see the forward checks)"
    try:
        own = own_derivatives(student, probe, directions)
    except CheckFailed as failure:
        return None, f"your forward gives no usable result when a parameter is nudged ({failure})"
    moved = wrong_directions(errors_between(own, contract))
    if moved:
        return None, ("your forward's loss does not change like the contract's when "
                      + ", ".join(moved) + " are nudged")
    return own, ""


@dataclass
class GradientCheck:
    """The outcome: credit, the wrong directions, and what the backward was checked against."""

    share: float
    wrong: list[str]
    against_own_forward: bool
    reason: str = ""  # why the contract's forward was used instead of the student's
    grads: tuple = ()
    caches_from: str = "student"  # whose caches the backward was fed
    flat: list[str] = field(default_factory=list)  # directions that test nothing

    def feedback(self) -> str:
        if self.against_own_forward:
            if not self.wrong:
                return ""
            return ("your backward is not the derivative of your own forward for "
                    + ", ".join(f"d{name}" for name in self.wrong)
                    + " (checked with central finite differences)")
        what = (f"{self.reason}, so your backward was fed the contract's forward caches and checked "
                "against finite differences of the contract's forward (your forward's mistake "
                "costs nothing here)")
        if not self.wrong:
            return what + ": it matches."
        return what + ": wrong for " + ", ".join(f"d{name}" for name in self.wrong) + "."


def check_gradients(student: StudentCalls, expected, probe: Probe, seed: int) -> GradientCheck:
    """Run the gradient check on ``probe`` (raises CheckFailed when backward gives nothing usable)."""
    directions = directions_for(probe, seed)
    contract = contract_derivatives(expected, probe, directions)
    own, reason = own_forward_derivatives(student, expected, probe, directions, contract)
    if own is None:
        caches, caches_from, numeric = expected.forward(probe), "reference", contract
    else:
        caches, caches_from, numeric = student.forward_checked(probe), "student", own
    _, grads = student.backward_checked(probe, caches, source=caches_from)
    wrong = wrong_directions(errors_between(analytic_derivatives(grads, directions), numeric))
    flat = [name for name, value in contract.items() if not abs(value) > FLAT]
    informative = [name for name in PARAM_NAMES if name not in flat]
    right = [name for name in informative if name not in wrong]
    counted = len(informative) + sum(name in wrong for name in flat)  # a wrong flat one still costs
    share = len(right) / counted if counted else 0.0
    return GradientCheck(share, wrong, not reason, reason, tuple(grads), caches_from, flat)
