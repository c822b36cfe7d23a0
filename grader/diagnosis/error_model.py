"""The error model: the reference LSTM with one switch per catalogued bug.

Each switch names a decision a student makes while writing the code (which
index, which derivative, which slice); its first variant is the contract's,
the others are mistakes students really make. ``BUG_OF`` maps a (switch,
variant) pair to the catalogue id it shows. A combination of switches is a
plain dict ``{switch: variant}``; switches left out take their first variant.

The models are written for clarity, not speed: a diagnosis evaluates them a
few hundred times on tiny probes.
"""

from __future__ import annotations

import math

import numpy as np

Switches = dict  # {switch name: variant}

FORWARD_SWITCHES = {
    "concat": ("h-first", "x-first"),
    "stored": ("both", "h-missing", "C-missing", "neither"),
    "carried": ("both", "neither", "h-not-carried", "C-not-carried"),
    "cell": ("f*C+i*g", "no-forget", "gates-swapped", "no-input"),
    "h_tanh": ("tanh", "missing"),
    "act_f": ("sigmoid", "tanh", "softmax", "identity"),
    "act_i": ("sigmoid", "tanh", "softmax", "identity"),
    "act_g": ("tanh", "sigmoid", "softmax", "identity"),
    "act_o": ("sigmoid", "tanh", "softmax", "identity"),
    "bias_f": ("with", "missing"),
    "bias_i": ("with", "missing"),
    "bias_g": ("with", "missing"),
    "bias_o": ("with", "missing"),
    "pre_f": ("activation", "pre-activation"),
    "pre_i": ("activation", "pre-activation"),
    "pre_g": ("activation", "pre-activation"),
    "pre_o": ("activation", "pre-activation"),
    "softmax": ("stable", "naive"),
}

BACKWARD_SWITCHES = {
    "softmax_grad": ("y-target", "y", "target-y", "minus-one-at-prediction"),
    "h_index": ("h[t+1]", "h[t]"),
    "c_index_do": ("C[t+1]", "C[t]"),
    "c_index_dC": ("C[t+1]", "C[t]"),
    "c_prev_index": ("C[t]", "C[t-1]", "C[0]"),
    "tanh_twice": ("once", "twice", "1-C^2"),
    "o_deriv": ("o(1-o)", "sigmoid'(o)", "none", "o(o-1)"),
    "i_deriv": ("i(1-i)", "sigmoid'(i)", "none", "i(i-1)"),
    "g_deriv": ("1-g^2", "1-tanh(g)^2", "none"),
    "f_deriv": ("f(1-f)", "sigmoid(f)", "f", "none", "sigmoid'(f)", "f(f-1)"),
    "h_carry": ("dz[:H]", "none", "dz[H:]"),
    "c_carry": ("dC*f", "none", "dC"),
    "clip": ("none", "clipped", "per-parameter", "elementwise"),
    "loss_kind": ("cross-entropy", "squared-error", "mean-squared-error", "half-squared-error"),
    "loss_scale": ("sum", "mean-over-V", "mean-over-T", "mean-over-V-and-T"),
    "loss_eps": ("1e-12", "none"),
}

CLIP_SWITCHES = {
    "norm": ("global", "elementwise", "per-parameter", "none", "weights-only", "no-sqrt", "sum-of-norms"),
    "clip_scope": ("all", "weights-only"),
    "coef": ("max/(norm+eps)", "norm/max", "max", "1/norm"),
    "always": ("when-above", "always"),
    "sign": ("descent", "ascent"),
    "lr": ("lr", "one", "0.01"),
    "step": ("all", "weights-only", "none"),
}

SWITCHES = {"forward": FORWARD_SWITCHES, "backward": BACKWARD_SWITCHES, "clip_and_update": CLIP_SWITCHES}

BUG_OF = {
    ("concat", "x-first"): "forward/concat-order",
    **{("stored", v): "forward/initial-state-not-stored" for v in FORWARD_SWITCHES["stored"][1:]},
    **{("carried", v): "forward/state-not-carried" for v in FORWARD_SWITCHES["carried"][1:]},
    **{("cell", v): "forward/cell-update" for v in FORWARD_SWITCHES["cell"][1:]},
    ("h_tanh", "missing"): "forward/hidden-missing-tanh",
    **{(f"act_{gate}", v): "forward/gate-activation" for gate in "figo" for v in FORWARD_SWITCHES[f"act_{gate}"][1:]},
    **{(f"bias_{gate}", "missing"): "forward/gate-bias-missing" for gate in "figo"},
    **{(f"pre_{gate}", "pre-activation"): "forward/pre-activation-stored" for gate in "figo"},
    ("softmax", "naive"): "forward/unstable-softmax",
    **{("softmax_grad", v): "backward/softmax-gradient" for v in BACKWARD_SWITCHES["softmax_grad"][1:]},
    ("h_index", "h[t]"): "backward/hidden-state-off-by-one",
    ("c_index_do", "C[t]"): "backward/cell-state-off-by-one",
    ("c_index_dC", "C[t]"): "backward/cell-state-off-by-one",
    ("c_prev_index", "C[t-1]"): "backward/previous-cell-index",
    ("c_prev_index", "C[0]"): "backward/previous-cell-initial-state",
    ("tanh_twice", "twice"): "backward/tanh-applied-twice",
    ("tanh_twice", "1-C^2"): "backward/cell-tanh-derivative-without-tanh",
    ("o_deriv", "none"): "backward/output-gate-no-derivative",
    ("i_deriv", "none"): "backward/input-gate-no-derivative",
    ("g_deriv", "none"): "backward/candidate-no-derivative",
    **{(f"{gate}_deriv", f"{gate}({gate}-1)"): "backward/sigmoid-derivative-sign" for gate in "oif"},
    ("o_deriv", "sigmoid'(o)"): "backward/output-gate-derivative-of-output",
    ("i_deriv", "sigmoid'(i)"): "backward/input-gate-derivative-of-output",
    ("g_deriv", "1-tanh(g)^2"): "backward/candidate-derivative-of-output",
    **{("f_deriv", v): "backward/forget-gate-no-derivative" for v in ("sigmoid(f)", "f", "none")},
    ("f_deriv", "sigmoid'(f)"): "backward/forget-gate-derivative-of-output",
    ("h_carry", "none"): "backward/no-hidden-carry",
    ("h_carry", "dz[H:]"): "backward/hidden-carry-wrong-slice",
    ("c_carry", "none"): "backward/no-cell-carry",
    ("c_carry", "dC"): "backward/cell-carry-missing-forget",
    **{("clip", v): "backward/gradients-clipped" for v in BACKWARD_SWITCHES["clip"][1:]},
    **{("loss_kind", v): "backward/loss-squared-error" for v in BACKWARD_SWITCHES["loss_kind"][1:]},
    **{("loss_scale", v): "backward/loss-averaged" for v in BACKWARD_SWITCHES["loss_scale"][1:]},
    ("loss_eps", "none"): "backward/loss-no-epsilon",
    ("norm", "elementwise"): "clip/elementwise",
    ("norm", "per-parameter"): "clip/per-parameter-norm",
    ("norm", "none"): "clip/not-applied",
    ("norm", "weights-only"): "clip/biases-skipped",
    ("clip_scope", "weights-only"): "clip/biases-skipped",
    ("norm", "no-sqrt"): "clip/wrong-coefficient",
    ("norm", "sum-of-norms"): "clip/wrong-coefficient",
    ("always", "always"): "clip/always-rescales",
    **{("coef", v): "clip/wrong-coefficient" for v in CLIP_SWITCHES["coef"][1:]},
    ("sign", "ascent"): "update/wrong-sign",
    **{("lr", v): "update/learning-rate-ignored" for v in CLIP_SWITCHES["lr"][1:]},
    ("step", "weights-only"): "update/biases-not-updated",
    ("step", "none"): "update/parameters-unchanged",
}


def variant(switches: Switches, function: str, name: str) -> str:
    """The variant of one switch, defaulting to the contract's."""
    return switches.get(name, SWITCHES[function][name][0])


def bugs_of(switches: Switches) -> list[tuple[str, str]]:
    """The (switch, variant) pairs of a combination that are mistakes."""
    return [(name, value) for name, value in sorted(switches.items()) if (name, value) in BUG_OF]


# ---------------------------------------------------------------- nonlinearities

def sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))


def sigmoid_derivative_of(x):
    """sigmoid'(x): right on a pre-activation, wrong on a stored gate value."""
    s = sigmoid(x)
    return s * (1.0 - s)


def stable_softmax(v):
    e = np.exp(v - np.max(v))
    return e / np.sum(e)


def naive_softmax(v):
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(v)
        return e / np.sum(e)


def identity(x):
    return x


ACTIVATIONS = {"sigmoid": sigmoid, "tanh": np.tanh, "softmax": stable_softmax, "identity": identity}


# ---------------------------------------------------------------- forward

def forward_model(inputs, h_prev, C_prev, p, s: Switches):
    """The nine lists a ``forward`` with the switched-on bugs returns."""
    get = lambda name: variant(s, "forward", name)  # noqa: E731
    W_f, W_i, W_g, W_o, W_v, b_f, b_i, b_g, b_o, b_v = p
    carried = get("carried")
    lists = {name: [] for name in ("z", "f", "i", "g", "o", "v", "y")}
    h_s, C_s = [h_prev], [C_prev]
    for x in inputs:
        h_before = h_prev if carried in ("neither", "h-not-carried") else h_s[-1]
        C_before = C_prev if carried in ("neither", "C-not-carried") else C_s[-1]
        z = np.vstack((h_before, x)) if get("concat") == "h-first" else np.vstack((x, h_before))
        gates = {}
        for gate, W, b in (("f", W_f, b_f), ("i", W_i, b_i), ("g", W_g, b_g), ("o", W_o, b_o)):
            pre = W @ z + b if get(f"bias_{gate}") == "with" else W @ z
            gates[gate] = ACTIVATIONS[get(f"act_{gate}")](pre)
            stored = pre if get(f"pre_{gate}") == "pre-activation" else gates[gate]
            lists[gate].append(stored)
        C = cell_update(gates, C_before, get("cell"))
        h = gates["o"] * (np.tanh(C) if get("h_tanh") == "tanh" else C)
        v = W_v @ h + b_v
        y = stable_softmax(v) if get("softmax") == "stable" else naive_softmax(v)
        lists["z"].append(z)
        lists["v"].append(v)
        lists["y"].append(y)
        h_s.append(h)
        C_s.append(C)
    stored = get("stored")
    if stored in ("h-missing", "neither"):
        h_s = h_s[1:]
    if stored in ("C-missing", "neither"):
        C_s = C_s[1:]
    L = lists
    return L["z"], L["f"], L["i"], L["g"], C_s, L["o"], h_s, L["v"], L["y"]


def cell_update(gates, C_before, how: str):
    f, i, g = gates["f"], gates["i"], gates["g"]
    if how == "no-forget":
        return C_before + i * g
    if how == "gates-swapped":
        return f * g + i * C_before
    if how == "no-input":
        return f * C_before + g
    return f * C_before + i * g


# ---------------------------------------------------------------- backward

def backward_model(caches, targets, p, s: Switches, clip_norm: float | None = None):
    """``(loss, grads)`` of a ``backward`` with the switched-on bugs.

    ``clip_norm`` is the threshold a clipping ``backward`` uses (inferred from
    the student's gradients by the caller); it only acts when the ``clip``
    switch is on.
    """
    get = lambda name: variant(s, "backward", name)  # noqa: E731
    z, f, i, g, C, o, h, v, y = caches
    W_f, W_i, W_g, W_o, W_v = p[:5]
    H = W_f.shape[0]
    dW = {name: np.zeros_like(W) for name, W in zip("figov", p[:5])}
    db = {name: np.zeros_like(b) for name, b in zip("figov", p[5:])}
    dh_next = np.zeros_like(h[-1])
    dC_next = np.zeros_like(C[-1])
    for t in reversed(range(len(y))):
        k = int(np.argmax(targets[t]))
        dv = logit_gradient(y[t], k, get("softmax_grad"))
        h_t = h[t] if get("h_index") == "h[t]" else h[t + 1]
        dW["v"] += dv @ h_t.T
        db["v"] += dv

        dh = W_v.T @ dv + dh_next
        C_do = C[t] if get("c_index_do") == "C[t]" else C[t + 1]
        C_dC = C[t] if get("c_index_dC") == "C[t]" else C[t + 1]
        C_prev = {"C[t]": C[t], "C[t-1]": C[t - 1], "C[0]": C[0]}[get("c_prev_index")]

        do = dh * np.tanh(C_do) * gate_derivative(o[t], get("o_deriv"))
        dC = dh * o[t] * cell_tanh_derivative(C_dC, get("tanh_twice")) + dC_next
        dg = dC * i[t] * candidate_derivative(g[t], get("g_deriv"))
        di = dC * g[t] * gate_derivative(i[t], get("i_deriv"))
        df = dC * C_prev * forget_factor(f[t], get("f_deriv"))

        for name, d in (("f", df), ("i", di), ("g", dg), ("o", do)):
            dW[name] += d @ z[t].T
            db[name] += d
        dz = W_f.T @ df + W_i.T @ di + W_g.T @ dg + W_o.T @ do
        dh_next = hidden_carry(dz, H, dh_next, get("h_carry"))
        dC_next = cell_carry(dC, f[t], dC_next, get("c_carry"))

    grads = tuple(dW[name] for name in "figov") + tuple(db[name] for name in "figov")
    if clip_norm is not None:
        grads = clip_in_backward(grads, get("clip"), clip_norm)
    return loss_model(y, targets, s), grads


def clip_in_backward(grads, how: str, threshold):
    """The clipping a ``backward`` should not do: by the global norm, by each
    gradient's own norm (``threshold`` is then ``(max_norm, eps)``), or value
    by value."""
    if how == "clipped":
        return clip_by_global_norm(grads, threshold)
    if how == "per-parameter":
        max_norm, eps = threshold
        return tuple(clip_by_global_norm((grad,), max_norm, eps)[0] for grad in grads)
    if how == "elementwise":
        return tuple(np.clip(grad, -threshold, threshold) for grad in grads)
    return tuple(grads)


def logit_gradient(y_t, k, how: str):
    dv = y_t.copy()
    if how == "y-target":
        dv[k] -= 1.0
    elif how == "target-y":
        dv = -dv
        dv[k] += 1.0
    elif how == "minus-one-at-prediction":
        dv[int(np.argmax(y_t))] -= 1.0
    return dv


def gate_derivative(gate, how: str):
    """``gate * (1 - gate)`` (right: the gate is stored activated), sigmoid'(gate),
    nothing, or the sign-flipped ``gate * (gate - 1)``."""
    if how in ("o(1-o)", "i(1-i)"):
        return gate * (1.0 - gate)
    if how in ("o(o-1)", "i(i-1)"):
        return gate * (gate - 1.0)
    if how == "none":
        return np.ones_like(gate)
    return sigmoid_derivative_of(gate)


def candidate_derivative(g_t, how: str):
    if how == "none":
        return np.ones_like(g_t)
    return 1.0 - g_t ** 2 if how == "1-g^2" else 1.0 - np.tanh(g_t) ** 2


def cell_tanh_derivative(C_t, how: str):
    if how == "1-C^2":
        return 1.0 - C_t ** 2
    inner = np.tanh(C_t) if how == "twice" else C_t
    return 1.0 - np.tanh(inner) ** 2


def forget_factor(f_t, how: str):
    factors = {
        "f(1-f)": lambda: f_t * (1.0 - f_t),
        "sigmoid(f)": lambda: sigmoid(f_t),
        "f": lambda: f_t,
        "none": lambda: np.ones_like(f_t),
        "sigmoid'(f)": lambda: sigmoid_derivative_of(f_t),
        "f(f-1)": lambda: f_t * (f_t - 1.0),
    }
    return factors[how]()


def hidden_carry(dz, H, dh_next, how: str):
    if how == "none":
        return dh_next  # never updated: stays zero
    return dz[:H] if how == "dz[:H]" else dz[H:]


def cell_carry(dC, f_t, dC_next, how: str):
    if how == "none":
        return dC_next  # never updated: stays zero
    return dC * f_t if how == "dC*f" else dC


def loss_model(y, targets, s: Switches):
    """The cross-entropy (or the squared error) as the switched-on loss bugs compute it."""
    kind = variant(s, "backward", "loss_kind")
    if kind == "cross-entropy":
        eps = 1e-12 if variant(s, "backward", "loss_eps") == "1e-12" else 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            loss = sum(-np.log(y_t[int(np.argmax(target)), 0] + eps) for y_t, target in zip(y, targets))
    else:
        reduce = {"squared-error": np.sum, "mean-squared-error": np.mean,
                  "half-squared-error": lambda e: 0.5 * np.sum(e)}[kind]
        loss = sum(reduce((y_t - target) ** 2) for y_t, target in zip(y, targets))
    T, V = len(y), targets[0].shape[0]
    divisor = {"sum": 1, "mean-over-V": V, "mean-over-T": T, "mean-over-V-and-T": V * T}
    return float(loss) / divisor[variant(s, "backward", "loss_scale")]


def global_norm(grads) -> float:
    """The L2 norm of all gradients together (``np.vdot`` flattens: no temporaries)."""
    total = 0.0
    for grad in grads:
        grad = np.asarray(grad, dtype=np.float64)
        total += float(np.vdot(grad, grad))
    return math.sqrt(total)


def clip_by_global_norm(grads, max_norm: float, eps: float = 1e-6):
    """The contract's clipping (used for ``backward/gradients-clipped``)."""
    coef = max_norm / (global_norm(grads) + eps)
    return tuple(grad * coef for grad in grads) if coef < 1 else tuple(grads)


# ---------------------------------------------------------------- clip_and_update

def clip_model(params, grads, lr, max_norm, s: Switches):
    """The 10 parameters a ``clip_and_update`` with the switched-on bugs returns."""
    get = lambda name: variant(s, "clip_and_update", name)  # noqa: E731
    norm_kind = get("norm")
    if norm_kind == "elementwise":
        clipped = [np.clip(grad, -max_norm, max_norm) for grad in grads]
    elif norm_kind == "none":
        clipped = list(grads)
    else:
        norms = clip_norms(grads, norm_kind)
        clipped = [rescale(grad, norm, max_norm, get("coef"), get("always")) for grad, norm in zip(grads, norms)]
    if get("clip_scope") == "weights-only":
        clipped = [*clipped[:5], *grads[5:]]
    step_size = {"lr": lr, "one": 1.0, "0.01": 1e-2}[get("lr")]
    sign = -1.0 if get("sign") == "descent" else 1.0
    moved = {"all": 10, "weights-only": 5, "none": 0}[get("step")]
    return tuple(param + sign * step_size * grad if k < moved else param
                 for k, (param, grad) in enumerate(zip(params, clipped)))


def clip_norms(grads, how: str) -> list:
    """The norm each gradient is clipped by, as the ``norm`` switch computes it."""
    if how in ("per-parameter", "sum-of-norms"):
        per_parameter = [global_norm([grad]) for grad in grads]
        return per_parameter if how == "per-parameter" else [sum(per_parameter)] * len(grads)
    total = {
        "global": lambda: global_norm(grads),
        "weights-only": lambda: global_norm(grads[:5]),
        "no-sqrt": lambda: global_norm(grads) ** 2,
    }
    return [total[how]()] * len(grads)


def rescale(grad, norm, max_norm, coef_kind: str, when: str):
    if not (when == "always" or norm > max_norm):
        return grad
    if coef_kind == "max/(norm+eps)":
        coef = max_norm / (norm + 1e-6)
    elif coef_kind == "norm/max":
        coef = norm / max_norm
    elif coef_kind == "max":
        coef = max_norm
    else:  # "1/norm"
        coef = 1.0 / norm if norm > 0 else math.inf
    with np.errstate(invalid="ignore"):
        return grad * coef
