"""The three student functions as search domains.

Each builder calls the student's function on the diagnosis probes, turns the
returned values into outputs keyed ``(probe, output, ...)``, and pairs them
with an evaluator of the error model on the same probes and the search stages
that fit that function's structure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from grader.probes import CACHE_NAMES, PARAM_NAMES

from . import probes as diagnosis_probes
from .error_model import backward_model, clip_model, forward_model, global_norm, variant
from .search import Domain, Stage

GRAD_NAMES = tuple(f"d{name}" for name in PARAM_NAMES)


@dataclass
class CallFailure:
    """A probe on which the student's function gave no usable value."""

    probe: str
    kind: str
    message: str


@dataclass
class Observed:
    """What one student function did on the probes."""

    function: str
    domain: Domain | None
    failures: list = field(default_factory=list)
    calls: int = 0
    start: dict = field(default_factory=dict)  # switches read off the structure (list lengths)
    lengths: dict = field(default_factory=dict)  # probe -> {list name: length} (forward only)


class Malformed(ValueError):
    """The returned value does not have the contract's structure."""


def run_probes(call, function: str, probes, decode) -> tuple[dict, list, int]:
    student, failures = {}, []
    for probe in probes:
        outcome = call(function, *probe.args())
        if outcome.error is not None:
            failures.append(CallFailure(probe.name, outcome.error.kind, outcome.error.message))
            continue
        try:
            student.update(decode(probe, outcome.value))
        except Malformed as error:
            failures.append(CallFailure(probe.name, "garbage", str(error)))
    return student, failures, len(probes)


def sequence_of(value, length: int, what: str) -> list:
    if isinstance(value, np.ndarray) and value.dtype != object and value.ndim >= 1:
        value = list(value)
    if not isinstance(value, (list, tuple)) or len(value) != length:
        size = len(value) if isinstance(value, (list, tuple)) else type(value).__name__
        raise Malformed(f"{what}: expected {length} items, got {size}")
    return list(value)


# ---------------------------------------------------------------- forward

def forward_outputs(probe_name: str, lists) -> dict:
    outputs = {}
    for name, values in zip(CACHE_NAMES, lists):
        for index, value in enumerate(values):
            outputs[(probe_name, name, index)] = value
    return outputs


def decode_forward(probe, value) -> dict:
    lists = sequence_of(value, 9, "forward must return 9 lists")
    lists = [values if isinstance(values, (list, tuple)) else list(np.asarray(values)) for values in lists]
    return forward_outputs(probe.name, lists)


def forward_evaluator(probes_by_name):
    def evaluate(candidate, probe_names=None, steps=None):
        model = {}
        for name in probe_names or probes_by_name:
            p = probes_by_name[name].probe
            inputs = p.inputs if steps is None else p.inputs[:steps]
            model.update(forward_outputs(name, forward_model(inputs, p.h_prev, p.C_prev, p.params, candidate)))
        return model
    return evaluate


FIRST_STEP = ("forward T=3",)
FORWARD_STAGES = (
    Stage(groups=((("concat", "act_f", "act_i", "act_g", "cell"), ("z_s", "f_s", "i_s", "g_s", "C_s")),),
          probes=FIRST_STEP, steps=1),
    Stage(groups=((("act_o", "h_tanh"), ("o_s", "h_s", "v_s", "output_s")),), probes=FIRST_STEP, steps=1),
    Stage(groups=((("carried", "softmax"), None),)),
    Stage(groups=tuple(((f"pre_{gate}",), (f"{gate}_s",)) for gate in "figo")),
)


def stored_switch(lengths: dict, T: int) -> dict:
    """Read ``forward/initial-state-not-stored`` off the list lengths."""
    h_missing, C_missing = lengths.get("h_s") == T, lengths.get("C_s") == T
    if h_missing and C_missing:
        return {"stored": "neither"}
    if h_missing:
        return {"stored": "h-missing"}
    if C_missing:
        return {"stored": "C-missing"}
    return {}


def observe_forward(call) -> Observed:
    probes = diagnosis_probes.forward_probes()
    student, failures, calls = run_probes(call, "forward", probes, decode_forward)
    by_name = {p.name: p for p in probes}
    lengths = {
        name: {cache: sum(1 for key in student if key[0] == name and key[1] == cache) for cache in CACHE_NAMES}
        for name in by_name if any(key[0] == name for key in student)
    }
    domain = Domain("forward", student, forward_evaluator(by_name), FORWARD_STAGES)
    main = lengths.get(FIRST_STEP[0], {})
    return Observed("forward", domain, failures, calls, stored_switch(main, by_name[FIRST_STEP[0]].probe.T), lengths)


# ---------------------------------------------------------------- backward

def decode_backward(probe, value) -> dict:
    loss, grads = sequence_of(value, 2, "backward must return (loss, grads)")
    grads = sequence_of(grads, 10, "grads must hold 10 gradients")
    outputs = {(probe.name, "loss"): loss}
    outputs.update({(probe.name, name): grad for name, grad in zip(GRAD_NAMES, grads)})
    return outputs


def backward_evaluator(probes_by_name, student: dict):
    """Evaluate the backward model; a clipping ``backward``'s max_norm is
    inferred from the student's gradient norm on the probe where the model's
    unclipped norm is largest (any clipping shows there)."""
    def evaluate(candidate, probe_names=None, steps=None):
        names = [name for name in (probe_names or probes_by_name)]
        unclipped = {}
        for name in names:
            probe = probes_by_name[name]
            try:
                unclipped[name] = backward_model(probe.caches, probe.probe.targets, probe.probe.params, candidate)
            except (ValueError, IndexError):  # e.g. dz[H:] cannot be added to dh when H != V
                unclipped[name] = None
        clip_norm = inferred_clip_norm(unclipped, student) if variant(candidate, "backward", "clip") == "clipped" else None
        model = {}
        for name, result in unclipped.items():
            if result is None:
                continue
            loss, grads = result
            if clip_norm is not None:
                grads = clip_grads(grads, clip_norm)
            model[(name, "loss")] = loss
            model.update({(name, grad_name): grad for grad_name, grad in zip(GRAD_NAMES, grads)})
        return model
    return evaluate


def inferred_clip_norm(unclipped: dict, student: dict) -> float | None:
    norms = {name: global_norm(result[1]) for name, result in unclipped.items() if result is not None}
    available = [name for name in norms if all((name, g) in student for g in GRAD_NAMES)]
    if not available:
        return None
    largest = max(available, key=lambda name: norms[name])
    try:
        student_norm = global_norm([student[(largest, g)] for g in GRAD_NAMES])
    except (TypeError, ValueError):
        return None
    model_norm = norms[largest]
    if not np.isfinite(student_norm) or student_norm >= model_norm:
        return None
    return student_norm * (model_norm + 1e-6) / model_norm  # undo the 1e-6 in the clip coefficient


def clip_grads(grads, max_norm):
    coef = max_norm / (global_norm(grads) + 1e-6)
    return tuple(grad * coef for grad in grads) if coef < 1 else grads


T1 = ("backward T=1",)
BACKWARD_STAGES = (
    Stage(groups=((("softmax_grad",), ("db_v",)),), probes=T1, scale_free=True),
    Stage(groups=((("h_index",), ("dW_v",)),), probes=T1, scale_free=True),
    Stage(groups=((("c_index_do", "o_deriv"), ("dW_o", "db_o")),), probes=T1, scale_free=True),
    Stage(shared=("c_index_dC", "tanh_twice"),
          groups=((("g_deriv",), ("dW_g", "db_g")),
                  (("i_deriv",), ("dW_i", "db_i")),
                  (("f_deriv", "c_prev_index"), ("dW_f", "db_f"))),
          probes=T1, scale_free=True),
    Stage(groups=((("h_carry", "c_carry"), GRAD_NAMES),), scale_free=True),
    Stage(groups=((("clip",), GRAD_NAMES),)),
    Stage(groups=((("loss_scale", "loss_eps"), ("loss",)),)),
)


def observe_backward(call) -> Observed:
    probes = diagnosis_probes.backward_probes()
    student, failures, calls = run_probes(call, "backward", probes, decode_backward)
    by_name = {p.name: p for p in probes}
    domain = Domain("backward", student, backward_evaluator(by_name, student), BACKWARD_STAGES)
    return Observed("backward", domain, failures, calls)


# ---------------------------------------------------------------- clip_and_update

def decode_clip(probe, value) -> dict:
    updated = sequence_of(value, 10, "clip_and_update must return the 10 parameters")
    outputs = {}
    for name, before, after in zip(PARAM_NAMES, probe.params, updated):
        try:
            outputs[(probe.name, name)] = before - np.asarray(after, dtype=np.float64).reshape(before.shape)
        except (TypeError, ValueError):
            outputs[(probe.name, name)] = None
    return outputs


def clip_evaluator(probes_by_name):
    """The model's step ``params - updated`` (compared instead of the updated
    parameters, so that the comparison sees the gradient part only)."""
    def evaluate(candidate, probe_names=None, steps=None):
        model = {}
        for name in probe_names or probes_by_name:
            probe = probes_by_name[name]
            updated = clip_model(probe.params, probe.grads, probe.lr, probe.max_norm, candidate)
            model.update({(name, param): before - after
                          for param, before, after in zip(PARAM_NAMES, probe.params, updated)})
        return model
    return evaluate


def clip_stages():
    below = tuple(p.name for p in diagnosis_probes.clip_probes() if global_norm(p.grads) < p.max_norm)
    return (
        # below max_norm nothing is clipped: only the step (sign, lr) and a rescale that is always applied show
        Stage(groups=((("sign", "lr", "always"), PARAM_NAMES),), probes=below),
        Stage(groups=((("norm", "coef"), PARAM_NAMES),)),
        Stage(groups=((("sign", "lr"), PARAM_NAMES),)),
    )


def observe_clip(call) -> Observed:
    probes = diagnosis_probes.clip_probes()
    student, failures, calls = run_probes(call, "clip_and_update", probes, decode_clip)
    by_name = {p.name: p for p in probes}
    domain = Domain("clip_and_update", student, clip_evaluator(by_name), clip_stages())
    return Observed("clip_and_update", domain, failures, calls)


OBSERVERS = (observe_forward, observe_backward, observe_clip)
