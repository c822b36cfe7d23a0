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

from .compare import as_array, elementwise_clip_bound
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
    unchanged: list = field(default_factory=list)  # what never moved although it should (clip_and_update)

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


def verb(names, one: str, several: str) -> str:
    return one if len(names) == 1 else several


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
        f"{', '.join(wrong)} {verb(wrong, 'differs', 'differ')} from {named_phrase(named)}"
        + (f", while {', '.join(right)} {verb(right, 'is', 'are')} right" if right else "")
        + ("; every step before it is right" if first > 0 else "")
        + f". Look at how {wrong[0]} is computed"
        + (" and at what comes in from the previous step." if first > 0 and "z_s" in wrong else ".")
    )
    return [Finding("forward", wrong, right, step_text + condition, message, first, wrong_probes)]


def only_when(wrong_probes, probe_order) -> str:
    if len(wrong_probes) == len(probe_order):
        return ""
    return f"; only on: {', '.join(wrong_probes)}"


# ---------------------------------------------------------------- backward

GATE_NAMES = {"f": "forget gate f", "i": "input gate i", "g": "candidate g", "o": "output gate o"}


def names_on(keys, probes, outputs) -> list:
    """The outputs (in ``outputs`` order) that some key on ``probes`` refers to."""
    present = {key[1] for key in keys if key[0] in probes}
    return [name for name in outputs if name in present]


def gates_in(names) -> list:
    return [gate for gate, pair in GATE_GRADS.items() if set(pair) & set(names)]


def localise_backward(unmatched: set, student: dict, model: dict, probe_T: dict, named: bool) -> list:
    """What is wrong and what is right, first on T = 1 (no carries, so each
    gate's local gradient on its own), then on longer sequences; hints name
    only what that evidence shows."""
    if not unmatched:
        return []
    outputs = ("loss",) + GRAD_NAMES
    short = [p for p in probe_T if probe_T[p] == 1 and any(k[0] == p for k in student)]
    wrong_short = names_on(unmatched, short, outputs)
    right_short = [name for name in names_on(student, short, outputs) if name not in wrong_short]
    wrong_all = {key[1] for key in unmatched}
    wrong = [name for name in outputs if name in wrong_all]
    right = [name for name in outputs if name not in wrong_all]
    wrong_probes = sorted({key[0] for key in unmatched}, key=list(probe_T).index)
    later = [name for name in wrong if name not in wrong_short]
    bound = elementwise_clip_bound([(student[key], model.get(key)) for key in sorted(unmatched, key=str)
                                    if key[1] != "loss"])
    if wrong_short:
        where, first = "already when T = 1", 0
        message = (f"backward: already with T = 1 (no carry between steps) {', '.join(wrong_short)} "
                   f"{verb(wrong_short, 'differs', 'differ')} from {named_phrase(named)}"
                   + (f", while {', '.join(right_short)} {verb(right_short, 'is', 'are')} right" if right_short else ""))
        if later:
            message += f"; with T >= 2 also {', '.join(later)}"
            if bound is None and set(later) <= {g for pair in GATE_GRADS.values() for g in pair}:
                message += " (through the carries between steps: with T = 1 they are right)"
    else:
        where, first = "only when T >= 2", 1
        message = f"backward: {', '.join(wrong)} {verb(wrong, 'differs', 'differ')} from {named_phrase(named)}"
        message += f", while {', '.join(right)} {verb(right, 'is', 'are')} right" if right else ""
        message += "; only when T >= 2"
    message += f" (wrong on: {', '.join(wrong_probes)}). "
    if bound is not None:
        message += (f"Every wrong gradient is the expected one with its entries cut to +-{bound:.4g} "
                    "(what np.clip does), the rest is right: backward must return the gradients unclipped.")
    else:
        message += backward_hint(wrong, right, wrong_short, right_short)
        message += factor_hint(student, model, unmatched, short)
    return [Finding("backward", wrong, right, where, message, first, wrong_probes)]


def factor_hint(student: dict, model: dict, unmatched: set, short) -> str:
    """A common factor on every wrong value, or else on the T = 1 ones."""
    factor = common_factor(student, model, sorted(unmatched, key=str))
    if factor is not None:
        return f" Every wrong value is {factor:.6g} times the expected one: look for a stray scale factor."
    at_t1 = sorted((key for key in unmatched if key[0] in short and key[1] != "loss"), key=str)
    factor = common_factor(student, model, at_t1) if at_t1 else None
    if factor is not None:
        return f" With T = 1 every wrong gradient is {factor:.6g} times the expected one: look for a stray factor."
    return ""


def backward_hint(wrong, right, wrong_short, right_short) -> str:
    gate_grads = [g for pair in GATE_GRADS.values() for g in pair]
    if wrong == ["loss"]:
        return "Only the loss is wrong: look at how you compute it from outputs[t] and targets[t]."
    if wrong_short:
        gates = gates_in(wrong_short)
        if gates and "dW_v" in right_short and "db_v" in right_short:
            if set(gates) == {"f", "i", "g"}:
                return ("The f, i and g gradients share dC and the output gate is right: look at dC "
                        "(dh * o * (1 - tanh(C_t)^2) + dC_next) and the C it uses.")
            named = ", ".join(GATE_NAMES[gate] for gate in gates)
            others = [GATE_NAMES[gate] for gate in GATE_GRADS if gate not in gates]
            return (f"Even without any carry between steps the local gradient of the {named} is wrong"
                    + (f" (the {', '.join(others)} {'are' if len(others) > 1 else 'is'} right)" if others else "")
                    + ": look at that gate's derivative and at the values it is multiplied by.")
        if "db_v" in wrong_short:
            return "The error is already in the output layer: look at dv (y_t minus the one-hot target)."
        if "dW_v" in wrong_short:
            return "dv is right but dW_v is not: look at which hidden state dW_v multiplies (h_t is h[t + 1])."
        return "The error is already in a single step: look at the step's local derivatives."
    if "dW_v" in wrong or "db_v" in wrong:
        return ("dW_v and db_v do not depend on the carries between steps, yet they are wrong on longer "
                "sequences: look at what changes the finished gradients (scaling, clipping) or how they "
                "are summed over the steps.")
    if set(wrong) <= set(gate_grads) and all(g in right for g in GATE_GRADS["o"]):
        return ("The output gate is right and only the f, i, g gradients are wrong: look at what flows from "
                "step t + 1 into step t through the cell state (dC_next).")
    if set(wrong) <= set(gate_grads):
        return ("A single step is right, so look at what flows from step t + 1 into step t: dh_next "
                "(the hidden part of dz) and dC_next.")
    return "Look at what flows from step t + 1 into step t (dh_next, dC_next)."


# ---------------------------------------------------------------- clip_and_update

def never_moved(student: dict, model: dict, names) -> list:
    """Parameters returned unchanged (a zero step) on every probe where they should move."""
    unchanged = []
    for name in names:
        keys = [key for key in student if key[1] == name]
        steps = [as_array(student[key]) for key in keys]
        expected = [as_array(model.get(key)) for key in keys]
        if keys and all(s is not None and s.size and not np.any(s) for s in steps) \
                and any(e is not None and np.any(e) for e in expected):
            unchanged.append(name)
    return unchanged


def localise_clip(unmatched: set, student: dict, model: dict, descriptions: dict, named: bool) -> list:
    if not unmatched:
        return []
    wrong_all = {key[1] for key in unmatched}
    wrong = [name for name in PARAM_NAMES if name in wrong_all]
    right = [name for name in PARAM_NAMES if name not in wrong_all]
    unchanged = never_moved(student, model, wrong)
    moving = [name for name in wrong if name not in unchanged]
    wrong_probes = [p for p in descriptions if any(key[0] == p and key[1] in moving for key in unmatched)]
    right_probes = [p for p in descriptions if p not in wrong_probes and any(k[0] == p for k in student)]
    where = "wrong with: " + "; ".join(descriptions[p] for p in wrong_probes)
    if unchanged and not moving:
        what = ("no parameter ever moves" if len(unchanged) == len(PARAM_NAMES)
                else f"{', '.join(unchanged)} never {verb(unchanged, 'moves', 'move')}")
        message = (f"clip_and_update: {what}: {verb(unchanged, 'it comes', 'they come')} back unchanged "
                   "on every call"
                   + (f" (the updates of {', '.join(right)} are right)" if right else "")
                   + ". Return the updated arrays, param - lr * grad, for every parameter (assigning to a "
                   "loop variable or a local name changes nothing outside the function).")
        return [Finding("clip_and_update", wrong, right, "on every call", message, None,
                        list(descriptions), unchanged)]
    message = f"clip_and_update: the updates of {', '.join(moving)} differ from {named_phrase(named)}"
    if unchanged:
        message += f", and {', '.join(unchanged)} never {verb(unchanged, 'moves', 'move')} (returned unchanged on every call)"
    message += (f" (those of {', '.join(right)} are right)" if right else "") + f". They are {where}"
    if right_probes:
        message += "; right with: " + "; ".join(descriptions[p] for p in right_probes)
    message += "."
    moving_keys = sorted((key for key in unmatched if key[1] in moving), key=str)
    factor = common_factor(student, model, moving_keys)
    if factor is not None:
        message += f" Every wrong step is {factor:.6g} times the expected one."
    else:
        message += per_probe_factors(student, model, moving_keys, descriptions)
    return [Finding("clip_and_update", wrong, right, where, message, None, wrong_probes, unchanged)]


def per_probe_factors(student: dict, model: dict, keys, descriptions: dict) -> str:
    """'the steps have the right direction, the wrong size: x 0.93 (...)' when,
    on each probe, every wrong step is one multiple of the expected one."""
    parts = []
    for probe in descriptions:
        on_probe = [key for key in keys if key[0] == probe]
        if not on_probe:
            continue
        factor = common_factor(student, model, on_probe)
        if factor is None:
            return ""
        parts.append(f"{factor:.4g} times ({descriptions[probe]})")
    if len(parts) < 2:
        return ""
    return (" On each call the wrong steps point the right way but have the wrong size: "
            + "; ".join(parts) + ". Look at the norm and the clip coefficient.")


def failure_finding(function: str, failures, diagnosed: bool) -> Finding:
    """A finding for probes on which the function raised or returned garbage."""
    probes = [f.probe for f in failures]
    kinds = sorted({f.kind for f in failures})
    first = failures[0]
    consequence = "the other probes were diagnosed" if diagnosed else f"{function} could not be diagnosed"
    message = (f"{function} gave no usable result on {', '.join(probes)} ({', '.join(kinds)}: "
               f"{first.message.strip().splitlines()[-1] if first.message.strip() else first.kind}); {consequence}.")
    return Finding(function, [], [], "on: " + ", ".join(probes), message, None, probes)
