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
from .compare import as_array
from .error_model import backward_model, clip_in_backward, clip_model, forward_model, global_norm, loss_model, variant
from .search import Domain, Stage

GRAD_NAMES = tuple(f"d{name}" for name in PARAM_NAMES)

SHARED_MEMO_ENTRIES = 20_000  # models kept per function and probe set (a few KB each)
_shared_memos: dict = {}


def shared_memo(function: str, probes) -> dict:
    """A memo of ``function``'s error-model outputs on ``probes`` that lives as long as
    the process: the model's outputs on the diagnosis' own (fixed) probes do not
    depend on the student, so a process that grades again (a batch worker)
    evaluates each bug combination once, not once per submission. ``probes`` is
    held with the memo, so its id() keys nothing else."""
    key = (function, id(probes))
    if key not in _shared_memos:
        _shared_memos[key] = (probes, {})
    memo = _shared_memos[key][1]
    if len(memo) > SHARED_MEMO_ENTRIES:
        memo.clear()
    return memo


def memoised(evaluate, memo: dict | None):
    """``evaluate(candidate, probe_names, steps)`` through ``memo`` (None: as it is).
    The models it returns are shared: read, never changed."""
    if memo is None:
        return evaluate

    def through_memo(candidate, probe_names=None, steps=None):
        key = (tuple(sorted(candidate.items())), probe_names, steps)
        if key not in memo:
            memo[key] = evaluate(candidate, probe_names, steps)
        return memo[key]
    return through_memo


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


def forward_evaluator(probes_by_name, memo: dict | None = None):
    def evaluate(candidate, probe_names=None, steps=None):
        model = {}
        for name in probe_names or probes_by_name:
            p = probes_by_name[name].probe
            inputs = p.inputs if steps is None else p.inputs[:steps]
            model.update(forward_outputs(name, forward_model(inputs, p.h_prev, p.C_prev, p.params, candidate)))
        return model
    return memoised(evaluate, memo)


FIRST_STEP = ("forward T=3",)
# each gate's activation and bias are judged by its own list (and the cell state,
# so that a stored pre-activation is not taken for an identity activation)
FORWARD_STAGES = (
    Stage(shared=("concat",),
          groups=tuple(((f"act_{gate}", f"bias_{gate}"), (f"{gate}_s", "C_s")) for gate in "fig")
          + ((("cell",), ("z_s", "C_s")),),
          probes=FIRST_STEP, steps=1),
    Stage(groups=((("act_o", "bias_o", "h_tanh"), ("o_s", "h_s", "v_s", "output_s")),), probes=FIRST_STEP, steps=1),
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
    domain = Domain("forward", student, forward_evaluator(by_name, shared_memo("forward", probes)), FORWARD_STAGES)
    main = lengths.get(FIRST_STEP[0], {})
    return Observed("forward", domain, failures, calls, stored_switch(main, by_name[FIRST_STEP[0]].probe.T), lengths)


# ---------------------------------------------------------------- backward

def decode_backward(probe, value) -> dict:
    loss, grads = sequence_of(value, 2, "backward must return (loss, grads)")
    grads = sequence_of(grads, 10, "grads must hold 10 gradients")
    outputs = {(probe.name, "loss"): loss}
    outputs.update({(probe.name, name): grad for name, grad in zip(GRAD_NAMES, grads)})
    return outputs


NOT_GRADIENT_SWITCHES = ("clip", "loss_kind", "loss_scale", "loss_eps")


def backward_evaluator(probes_by_name, student: dict, memo: dict | None = None):
    """Evaluate the backward model; a clipping ``backward``'s threshold is
    inferred from the student's gradients (see :func:`inferred_threshold`).
    The unclipped gradients are memoised without the loss and clip switches,
    which do not change them; in ``memo`` (see shared_memo) when given: they
    do not depend on the student."""
    memo = {} if memo is None else memo
    losses = memo.setdefault("losses", {})
    bound = largest_value(student)[0]  # the value bound of np.clip, if the backward clips by value

    def gradients(name, candidate):
        key = (name, tuple(sorted((k, v) for k, v in candidate.items() if k not in NOT_GRADIENT_SWITCHES)))
        if key not in memo:
            probe = probes_by_name[name]
            try:
                memo[key] = backward_model(probe.caches, probe.probe.targets, probe.probe.params, dict(key[1]))[1]
            except (ValueError, IndexError):  # e.g. dz[H:] cannot be added to dh when H != V
                memo[key] = None
        return memo[key]

    def loss(name, candidate):
        key = (name, *(variant(candidate, "backward", switch) for switch in NOT_GRADIENT_SWITCHES[1:]))
        if key not in losses:
            probe = probes_by_name[name]
            losses[key] = loss_model(probe.caches[-1], probe.probe.targets, candidate)
        return losses[key]

    def evaluate(candidate, probe_names=None, steps=None):
        unclipped = {name: gradients(name, candidate) for name in (probe_names or probes_by_name)}
        how = variant(candidate, "backward", "clip")
        threshold = bound if how == "elementwise" else inferred_threshold(how, unclipped, student)
        model = {}
        for name, grads in unclipped.items():
            if grads is None:
                continue
            if threshold is not None:
                grads = clip_in_backward(grads, how, threshold)
            model[(name, "loss")] = loss(name, candidate)
            model.update({(name, grad_name): grad for grad_name, grad in zip(GRAD_NAMES, grads)})
        return model
    return evaluate


def inferred_threshold(how: str, unclipped: dict, student: dict) -> float | None:
    """The max_norm (or value bound) a clipping ``backward`` used, read off its output."""
    if how == "clipped":
        return inferred_clip_norm({name: (None, grads) for name, grads in unclipped.items() if grads is not None},
                                  student)
    if how == "per-parameter":
        return inferred_parameter_norm(unclipped, student)
    return None


def student_gradients(student: dict):
    """Every gradient the student returned, as finite flat arrays."""
    for key, value in student.items():
        if key[1] in GRAD_NAMES:
            array = as_array(value)
            if array is not None and array.size and np.all(np.isfinite(array)):
                yield array


def largest_value(student: dict) -> tuple:
    """The largest |value| in the student's gradients and how many entries reach it."""
    arrays = list(student_gradients(student))
    if not arrays:
        return None, 0
    largest = max(float(np.max(np.abs(array))) for array in arrays)
    if largest == 0.0:
        return None, 0
    return largest, sum(int(np.sum(np.abs(array) == largest)) for array in arrays)


def clipped_value_by_value(student: dict) -> bool:
    """Several gradient entries sitting exactly at the same largest magnitude:
    the trace of ``np.clip`` (real gradients never tie like that)."""
    return largest_value(student)[1] >= 2


def inferred_parameter_norm(unclipped: dict, student: dict) -> tuple | None:
    """Per-parameter clipping: ``(max_norm, eps)`` read off the two gradients
    whose model norms are largest (they are clipped if any is); ``eps`` is the
    ``1e-6`` of ``max_norm / (norm + 1e-6)`` or 0, whichever fits both."""
    pairs = []
    for name, grads in unclipped.items():
        for grad_name, grad in zip(GRAD_NAMES, grads or ()):
            if (name, grad_name) in student:
                pairs.append((global_norm([grad]), (name, grad_name)))
    clipped = []
    for model_norm, key in sorted(pairs, key=lambda pair: -pair[0])[:2]:
        try:
            student_norm = global_norm([student[key]])
        except (TypeError, ValueError):
            return None
        if not np.isfinite(student_norm) or not 0 < student_norm < model_norm:
            return None
        clipped.append((model_norm, student_norm))
    if not clipped:
        return None

    def bounds(eps):
        return [s * (n + eps) / n for n, s in clipped]
    eps = min((1e-6, 0.0), key=lambda e: max(bounds(e)) - min(bounds(e)))
    return bounds(eps)[0], eps


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


T1 = ("backward T=1",)
SEVERAL_STEPS = ("backward T=3",)  # the carries and C[0] act from the second step on
BACKWARD_STAGES = (
    Stage(groups=((("softmax_grad",), ("db_v",)),), probes=T1, scale_free=True),
    Stage(groups=((("h_index",), ("dW_v",)),), probes=T1, scale_free=True),
    Stage(groups=((("c_index_do", "o_deriv"), ("dW_o", "db_o")),), probes=T1, scale_free=True),
    Stage(shared=("c_index_dC", "tanh_twice"),
          groups=((("g_deriv",), ("dW_g", "db_g")),
                  (("i_deriv",), ("dW_i", "db_i")),
                  (("f_deriv", "c_prev_index"), ("dW_f", "db_f"))),
          probes=T1, scale_free=True, skip=(("c_prev_index", "C[0]"),)),
    # C[0] as the previous cell state is C[t] when T = 1: decided with the carries
    Stage(shared=("c_prev_index",), groups=((("h_carry", "c_carry"), GRAD_NAMES),), probes=SEVERAL_STEPS,
          scale_free=True, required=False),
    Stage(groups=((("clip",), GRAD_NAMES),)),
    Stage(groups=((("loss_kind", "loss_scale", "loss_eps"), ("loss",)),)),
)


def observe_backward(call) -> Observed:
    probes = diagnosis_probes.backward_probes()
    student, failures, calls = run_probes(call, "backward", probes, decode_backward)
    by_name = {p.name: p for p in probes}
    domain = Domain("backward", student, backward_evaluator(by_name, student, shared_memo("backward", probes)),
                    BACKWARD_STAGES)
    start = {"clip": "elementwise"} if clipped_value_by_value(student) else {}
    return Observed("backward", domain, failures, calls, start)


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


def clip_evaluator(probes_by_name, memo: dict | None = None):
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
    return memoised(evaluate, memo)


def clip_stages():
    below = tuple(p.name for p in diagnosis_probes.clip_probes() if global_norm(p.grads) < p.max_norm)
    return (
        # below max_norm nothing is clipped: only the step (sign, lr) and a rescale that is always applied show
        Stage(groups=((("sign", "lr", "always", "step"), PARAM_NAMES),), probes=below),
        # the weights decide the norm and coefficient, the biases whether they are clipped too
        Stage(groups=((("norm", "coef"), PARAM_NAMES[:5]), (("clip_scope",), PARAM_NAMES[5:]))),
        Stage(groups=((("sign", "lr", "step"), PARAM_NAMES),)),
    )


def observe_clip(call) -> Observed:
    probes = diagnosis_probes.clip_probes()
    student, failures, calls = run_probes(call, "clip_and_update", probes, decode_clip)
    by_name = {p.name: p for p in probes}
    domain = Domain("clip_and_update", student, clip_evaluator(by_name, shared_memo("clip_and_update", probes)),
                    clip_stages())
    return Observed("clip_and_update", domain, failures, calls)


OBSERVERS = (observe_forward, observe_backward, observe_clip)
