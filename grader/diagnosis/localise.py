"""Feedback for wrong behaviour that no catalogued bug explains.

The student's outputs are compared with the best-explaining model (the
reference plus the bugs already named), so what is left over points at the
unknown bug: which function, which outputs or gradients are wrong and which
are right, and from which time step (forward) or sequence length (backward).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from grader.probes import CACHE_NAMES, PARAM_NAMES

from .compare import as_array
from .domains import GRAD_NAMES

GATE_GRADS = {"f": ("dW_f", "db_f"), "i": ("dW_i", "db_i"), "g": ("dW_g", "db_g"), "o": ("dW_o", "db_o")}


@dataclass
class Finding:
    """A localised piece of wrong behaviour that no catalogued bug explains."""

    function: str
    wrong: list
    right: list
    where: str  # e.g. "from step t = 1", "only when T >= 2", "only with: ..."
    message: str
    first_step: int | None = None
    probes: list = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)


def common_factor(student: dict, model: dict, keys) -> float | None:
    """The factor c with student = c * model on every key, if there is one."""
    factors = []
    for key in keys:
        a, b = as_array(student.get(key)), as_array(model.get(key))
        if a is None or b is None or a.size != b.size or not np.all(np.isfinite(a)) or not np.any(b):
            return None
        c = float(a @ b / (b @ b))
        if np.linalg.norm(a - c * b) > 1e-6 * np.linalg.norm(a):
            return None
        factors.append(c)
    if factors and np.allclose(factors, factors[0], rtol=1e-6):
        return factors[0]
    return None


def named_phrase(named: bool) -> str:
    return "what your code would give with only the bugs named above" if named else "the contract's values"


# ---------------------------------------------------------------- forward

def step_of(key, lengths: dict) -> int:
    """The time step an output belongs to; -1 for the initial state in h_s / C_s."""
    probe, name, index = key
    T = lengths[probe]["z_s"] or lengths[probe]["output_s"]
    if name in ("h_s", "C_s") and lengths[probe][name] == T + 1:
        return index - 1
    return index


def localise_forward(unmatched: set, student: dict, lengths: dict, probe_order, named: bool) -> list:
    if not unmatched:
        return []
    wrong_probes = [p for p in probe_order if any(key[0] == p for key in unmatched)]
    probe = wrong_probes[0]
    keys = [key for key in unmatched if key[0] == probe]
    first = min(step_of(key, lengths) for key in keys)
    at_first = {key[1] for key in keys if step_of(key, lengths) == first}
    present = {key[1] for key in student if key[0] == probe and step_of(key, lengths) == first}
    wrong = [name for name in CACHE_NAMES if name in at_first]
    right = [name for name in CACHE_NAMES if name in present and name not in at_first]
    step_text = "the initial state" if first < 0 else f"step t = {first}"
    condition = only_when(wrong_probes, probe_order)
    message = (
        f"forward: at {step_text} (the first step that goes wrong{condition}) "
        f"{', '.join(wrong)} differ from {named_phrase(named)}"
        + (f", while {', '.join(right)} are right" if right else "")
        + f". Look at how {wrong[0]} is computed"
        + (" and at what comes in from the previous step." if first > 0 and "z_s" in wrong else ".")
    )
    return [Finding("forward", wrong, right, step_text + condition, message, first, wrong_probes)]


def only_when(wrong_probes, probe_order) -> str:
    if len(wrong_probes) == len(probe_order):
        return ""
    return f"; only on: {', '.join(wrong_probes)}"


# ---------------------------------------------------------------- backward

def localise_backward(unmatched: set, student: dict, model: dict, probe_T: dict, named: bool) -> list:
    if not unmatched:
        return []
    outputs = ("loss",) + GRAD_NAMES
    short = [p for p in probe_T if probe_T[p] == 1 and any(k[0] == p for k in student)]
    wrong_short = {key[1] for key in unmatched if key[0] in short}
    wrong_all = {key[1] for key in unmatched}
    wrong = [name for name in outputs if name in wrong_all]
    right = [name for name in outputs if name not in wrong_all]
    wrong_probes = sorted({key[0] for key in unmatched}, key=list(probe_T).index)
    if wrong_short:
        where, first = "already when T = 1", 0
    else:
        where, first = "only when T >= 2", 1
    message = f"backward: {', '.join(wrong)} differ from {named_phrase(named)}"
    message += f", while {', '.join(right)} are right" if right else ""
    message += f"; {where} (wrong on: {', '.join(wrong_probes)}). " + backward_hint(wrong, right, wrong_short)
    factor = common_factor(student, model, sorted(unmatched, key=str))
    if factor is not None:
        message += f" Every wrong value is {factor:.6g} times the expected one: look for a stray scale factor."
    return [Finding("backward", wrong, right, where, message, first, wrong_probes)]


def backward_hint(wrong, right, wrong_short) -> str:
    gate_grads = [g for pair in GATE_GRADS.values() for g in pair]
    if wrong == ["loss"]:
        return "Only the loss is wrong: look at how you compute it from outputs[t] and targets[t]."
    if wrong_short:
        gates = [gate for gate, pair in GATE_GRADS.items() if set(pair) & set(wrong)]
        if gates and "dW_v" in right and "db_v" in right:
            return (f"Even without any carry between steps the local gradient of gate(s) {', '.join(gates)} is "
                    "wrong: look at that gate's derivative and at the states it is multiplied by.")
        return "The error is already in a single step: look at the output layer and the step's local derivatives."
    if set(wrong) <= set(gate_grads) and all(g in right for g in GATE_GRADS["o"]):
        return ("The output gate is right and only the f, i, g gradients are wrong: look at what flows from "
                "step t + 1 into step t through the cell state (dC_next).")
    if set(wrong) <= set(gate_grads):
        return ("A single step is right, so look at what flows from step t + 1 into step t: dh_next "
                "(the hidden part of dz) and dC_next.")
    return "Look at what flows from step t + 1 into step t (dh_next, dC_next)."


# ---------------------------------------------------------------- clip_and_update

def localise_clip(unmatched: set, student: dict, model: dict, descriptions: dict, named: bool) -> list:
    if not unmatched:
        return []
    wrong_all = {key[1] for key in unmatched}
    wrong = [name for name in PARAM_NAMES if name in wrong_all]
    right = [name for name in PARAM_NAMES if name not in wrong_all]
    wrong_probes = [p for p in descriptions if any(key[0] == p for key in unmatched)]
    right_probes = [p for p in descriptions if p not in wrong_probes and any(k[0] == p for k in student)]
    where = "wrong with: " + "; ".join(descriptions[p] for p in wrong_probes)
    message = (f"clip_and_update: the updates of {', '.join(wrong)} differ from {named_phrase(named)}"
               + (f" (those of {', '.join(right)} are right)" if right else "") + f". They are {where}")
    if right_probes:
        message += "; right with: " + "; ".join(descriptions[p] for p in right_probes)
    message += "."
    factor = common_factor(student, model, sorted(unmatched, key=str))
    if factor is not None:
        message += f" Every wrong step is {factor:.6g} times the expected one."
    return [Finding("clip_and_update", wrong, right, where, message, None, wrong_probes)]


def failure_finding(function: str, failures, diagnosed: bool) -> Finding:
    """A finding for probes on which the function raised or returned garbage."""
    probes = [f.probe for f in failures]
    kinds = sorted({f.kind for f in failures})
    first = failures[0]
    consequence = "the other probes were diagnosed" if diagnosed else f"{function} could not be diagnosed"
    message = (f"{function} gave no usable result on {', '.join(probes)} ({', '.join(kinds)}: "
               f"{first.message.strip().splitlines()[-1] if first.message.strip() else first.kind}); {consequence}.")
    return Finding(function, [], [], "on: " + ", ".join(probes), message, None, probes)
