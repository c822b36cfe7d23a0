"""Regenerate the single-bug, combination and out-of-catalogue mutants.

Each mutant is a complete student file: the student-style base below with the
textual edits a student makes for each bug (wrong index, wrong derivative,
a renamed variable...). The files are checked in; run this script after
changing the base or an edit:  python tests/mutants/generate.py

The notebook's original backward and the correct-style files are written by
hand (notebook_original.py, correct_*.py).
"""

from pathlib import Path

HERE = Path(__file__).parent

BASE = '''import numpy as np


def sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))


def tanh(x):
    return np.tanh(x)


def softmax(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


def forward(inputs, h_prev, C_prev, p):
    W_f, W_i, W_g, W_o, W_v, b_f, b_i, b_g, b_o, b_v = p
    z_s, f_s, i_s, g_s, C_s, o_s, h_s, v_s, output_s = [], [], [], [], [], [], [], [], []
    h_s.append(h_prev)
    C_s.append(C_prev)
    for t in range(len(inputs)):
        z = np.vstack((h_prev, inputs[t]))
        z_s.append(z)
        f = sigmoid(np.dot(W_f, z) + b_f)
        f_s.append(f)
        i = sigmoid(np.dot(W_i, z) + b_i)
        i_s.append(i)
        g = tanh(np.dot(W_g, z) + b_g)
        g_s.append(g)
        C_prev = f * C_prev + i * g
        C_s.append(C_prev)
        o = sigmoid(np.dot(W_o, z) + b_o)
        o_s.append(o)
        h_prev = o * tanh(C_prev)
        h_s.append(h_prev)
        v = np.dot(W_v, h_prev) + b_v
        v_s.append(v)
        output = softmax(v)
        output_s.append(output)
    return z_s, f_s, i_s, g_s, C_s, o_s, h_s, v_s, output_s


def backward(z, f, i, g, C, o, h, v, outputs, targets, p):
    W_f, W_i, W_g, W_o, W_v, b_f, b_i, b_g, b_o, b_v = p
    hidden_size = W_f.shape[0]
    W_f_d, W_i_d, W_g_d, W_o_d, W_v_d = [np.zeros_like(W) for W in (W_f, W_i, W_g, W_o, W_v)]
    b_f_d, b_i_d, b_g_d, b_o_d, b_v_d = [np.zeros_like(b) for b in (b_f, b_i, b_g, b_o, b_v)]
    dh_next = np.zeros_like(h[0])
    dC_next = np.zeros_like(C[0])
    loss = 0
    for t in reversed(range(len(outputs))):
        loss += -np.log(outputs[t][np.argmax(targets[t])] + 1e-12)
        C_prev = C[t]
        dv = np.copy(outputs[t])
        dv[np.argmax(targets[t])] -= 1
        W_v_d += np.dot(dv, h[t + 1].T)
        b_v_d += dv
        dh = np.dot(W_v.T, dv)
        dh += dh_next
        do = dh * tanh(C[t + 1])
        do = o[t] * (1 - o[t]) * do
        W_o_d += np.dot(do, z[t].T)
        b_o_d += do
        dC = np.copy(dC_next)
        dC += dh * o[t] * (1 - tanh(C[t + 1]) ** 2)
        dg = dC * i[t]
        dg = (1 - g[t] ** 2) * dg
        W_g_d += np.dot(dg, z[t].T)
        b_g_d += dg
        di = dC * g[t]
        di = i[t] * (1 - i[t]) * di
        W_i_d += np.dot(di, z[t].T)
        b_i_d += di
        df = dC * C_prev
        df = f[t] * (1 - f[t]) * df
        W_f_d += np.dot(df, z[t].T)
        b_f_d += df
        dz = np.dot(W_f.T, df) + np.dot(W_i.T, di) + np.dot(W_g.T, dg) + np.dot(W_o.T, do)
        dh_next = dz[:hidden_size, :]
        dC_next = f[t] * dC
    grads = W_f_d, W_i_d, W_g_d, W_o_d, W_v_d, b_f_d, b_i_d, b_g_d, b_o_d, b_v_d
    return loss, grads


def clip_and_update(params, grads, lr=1e-2, max_norm=0.25):
    total_norm = 0
    for grad in grads:
        total_norm += np.sum(np.power(grad, 2))
    total_norm = np.sqrt(total_norm)
    clip_coef = max_norm / (total_norm + 1e-6)
    if clip_coef < 1:
        grads = [grad * clip_coef for grad in grads]
    new_params = []
    for param, grad in zip(params, grads):
        new_params.append(param - lr * grad)
    return tuple(new_params)
'''

CLIP_HELPER = '''

def clip_gradient_norm(grads, max_norm=0.25):
    total_norm = np.sqrt(sum(np.sum(np.power(grad, 2)) for grad in grads))
    clip_coef = max_norm / (total_norm + 1e-6)
    if clip_coef < 1:
        for grad in grads:
            grad *= clip_coef
    return grads
'''

# bug id -> the edits a student makes: (old text, new text), applied in order
EDITS = {
    "forward/concat-order": [("z = np.vstack((h_prev, inputs[t]))", "z = np.vstack((inputs[t], h_prev))")],
    "forward/initial-state-not-stored": [("    h_s.append(h_prev)\n    C_s.append(C_prev)\n    for", "    for")],
    "forward/state-not-carried": [
        ("C_prev = f * C_prev + i * g\n        C_s.append(C_prev)", "C = f * C_prev + i * g\n        C_s.append(C)"),
        ("h_prev = o * tanh(C_prev)\n        h_s.append(h_prev)", "h = o * tanh(C)\n        h_s.append(h)"),
        ("v = np.dot(W_v, h_prev) + b_v", "v = np.dot(W_v, h) + b_v"),
    ],
    "forward/cell-update": [("C_prev = f * C_prev + i * g", "C_prev = C_prev + i * g")],
    "forward/hidden-missing-tanh": [("h_prev = o * tanh(C_prev)", "h_prev = o * C_prev")],
    "forward/gate-activation": [("g = tanh(np.dot(W_g, z) + b_g)", "g = sigmoid(np.dot(W_g, z) + b_g)")],
    "forward/pre-activation-stored": [("f = sigmoid(np.dot(W_f, z) + b_f)\n        f_s.append(f)",
                                       "f = np.dot(W_f, z) + b_f\n        f_s.append(f)\n        f = sigmoid(f)")],
    "forward/unstable-softmax": [("e = np.exp(x - np.max(x))", "e = np.exp(x)")],
    "backward/hidden-state-off-by-one": [("np.dot(dv, h[t + 1].T)", "np.dot(dv, h[t].T)")],
    "backward/cell-state-off-by-one": [("do = dh * tanh(C[t + 1])", "do = dh * tanh(C[t])"),
                                       ("(1 - tanh(C[t + 1]) ** 2)", "(1 - tanh(C[t]) ** 2)")],
    "backward/previous-cell-index": [("C_prev = C[t]\n", "C_prev = C[t - 1]\n")],
    "backward/tanh-applied-twice": [("(1 - tanh(C[t + 1]) ** 2)", "(1 - tanh(tanh(C[t + 1])) ** 2)")],
    "backward/forget-gate-no-derivative": [("df = f[t] * (1 - f[t]) * df", "df = sigmoid(f[t]) * df")],
    "backward/input-gate-derivative-of-output": [("di = i[t] * (1 - i[t]) * di",
                                                  "di = sigmoid(i[t]) * (1 - sigmoid(i[t])) * di")],
    "backward/output-gate-derivative-of-output": [("do = o[t] * (1 - o[t]) * do",
                                                   "do = sigmoid(o[t]) * (1 - sigmoid(o[t])) * do")],
    "backward/forget-gate-derivative-of-output": [("df = f[t] * (1 - f[t]) * df",
                                                   "df = sigmoid(f[t]) * (1 - sigmoid(f[t])) * df")],
    "backward/candidate-derivative-of-output": [("dg = (1 - g[t] ** 2) * dg", "dg = (1 - tanh(g[t]) ** 2) * dg")],
    "backward/no-hidden-carry": [("dh_next = dz[:hidden_size, :]", "dh_prev = dz[:hidden_size, :]")],
    "backward/no-cell-carry": [("dC_next = f[t] * dC", "dC_prev = f[t] * dC")],
    "backward/cell-carry-missing-forget": [("dC_next = f[t] * dC", "dC_next = dC")],
    "backward/hidden-carry-wrong-slice": [("dz[:hidden_size, :]", "dz[hidden_size:, :]")],
    "backward/softmax-gradient": [("        dv[np.argmax(targets[t])] -= 1\n", "")],
    "backward/loss-averaged": [("loss += -np.log(outputs[t][np.argmax(targets[t])] + 1e-12)",
                                "loss += -np.mean(np.log(outputs[t] + 1e-12) * targets[t])")],
    "backward/loss-no-epsilon": [("loss += -np.log(outputs[t][np.argmax(targets[t])] + 1e-12)",
                                  "loss += -np.log(outputs[t][np.argmax(targets[t])])")],
    "backward/gradients-clipped": [("    return loss, grads\n", "    grads = clip_gradient_norm(grads)\n    return loss, grads\n"
                                    + CLIP_HELPER)],
    "clip/elementwise": [("    clip_coef = max_norm / (total_norm + 1e-6)\n    if clip_coef < 1:\n"
                          "        grads = [grad * clip_coef for grad in grads]\n",
                          "    grads = [np.clip(grad, -max_norm, max_norm) for grad in grads]\n")],
    "clip/per-parameter-norm": [("    clip_coef = max_norm / (total_norm + 1e-6)\n    if clip_coef < 1:\n"
                                 "        grads = [grad * clip_coef for grad in grads]\n",
                                 "    grads = [grad * min(1.0, max_norm / (np.linalg.norm(grad) + 1e-6)) for grad in grads]\n")],
    "clip/always-rescales": [("    if clip_coef < 1:\n        grads = [grad * clip_coef for grad in grads]\n",
                              "    grads = [grad * clip_coef for grad in grads]\n")],
    "clip/wrong-coefficient": [("    clip_coef = max_norm / (total_norm + 1e-6)\n    if clip_coef < 1:\n",
                                "    clip_coef = max_norm\n    if total_norm > max_norm:\n")],
    "clip/not-applied": [("        grads = [grad * clip_coef for grad in grads]\n",
                          "        clipped = [grad * clip_coef for grad in grads]\n")],
    "update/wrong-sign": [("param - lr * grad", "param + lr * grad")],
    "update/learning-rate-ignored": [("param - lr * grad", "param - grad")],
}

COMBINATIONS = {
    "combo_backward_indexing": ["backward/hidden-state-off-by-one", "backward/cell-state-off-by-one",
                                "backward/previous-cell-index"],
    "combo_backward_carry_derivative_loss": ["backward/no-hidden-carry", "backward/candidate-derivative-of-output",
                                             "backward/loss-averaged"],
    "combo_forward_concat_tanh": ["forward/concat-order", "forward/hidden-missing-tanh"],
    "combo_forward_state_gate": ["forward/initial-state-not-stored", "forward/state-not-carried",
                                 "forward/gate-activation"],
    "combo_clip_per_parameter_sign": ["clip/per-parameter-norm", "update/wrong-sign"],
    "combo_clip_always_lr": ["clip/always-rescales", "update/learning-rate-ignored"],
    "combo_all_functions": ["forward/unstable-softmax", "backward/loss-no-epsilon", "clip/not-applied",
                            "update/learning-rate-ignored"],
    "combo_backward_five": ["backward/tanh-applied-twice", "backward/forget-gate-derivative-of-output",
                            "backward/hidden-carry-wrong-slice", "backward/gradients-clipped",
                            "backward/softmax-gradient"],
    "combo_backward_cell_gates": ["backward/cell-carry-missing-forget", "backward/input-gate-derivative-of-output",
                                  "backward/output-gate-derivative-of-output"],
}

# other ways students write a catalogued bug: name -> (id, edits)
VARIANTS = {
    "variant_forget_times_f": ("backward/forget-gate-no-derivative",
                               [("df = f[t] * (1 - f[t]) * df", "df = f[t] * df")]),
    "variant_softmax_gradient_sign": ("backward/softmax-gradient",
                                      [("dv = np.copy(outputs[t])\n        dv[np.argmax(targets[t])] -= 1",
                                        "dv = targets[t] - outputs[t]")]),
    "variant_loss_divided_by_T": ("backward/loss-averaged",
                                  [("    return loss, grads\n", "    return loss / len(outputs), grads\n")]),
    "variant_cell_index_output_gate_only": ("backward/cell-state-off-by-one",
                                            [("do = dh * tanh(C[t + 1])", "do = dh * tanh(C[t])")]),
    "variant_coefficient_inverted": ("clip/wrong-coefficient",
                                     [("clip_coef = max_norm / (total_norm + 1e-6)\n    if clip_coef < 1:",
                                       "clip_coef = total_norm / max_norm\n    if total_norm > max_norm:")]),
    "variant_lr_hardcoded": ("update/learning-rate-ignored", [("param - lr * grad", "param - 0.01 * grad")]),
    "variant_cell_gates_swapped": ("forward/cell-update",
                                   [("C_prev = f * C_prev + i * g", "C_prev = f * g + i * C_prev")]),
    "variant_forget_gate_tanh": ("forward/gate-activation",
                                 [("f = sigmoid(np.dot(W_f, z) + b_f)", "f = tanh(np.dot(W_f, z) + b_f)")]),
    "variant_cell_not_carried": ("forward/state-not-carried", [
        ("C_prev = f * C_prev + i * g\n        C_s.append(C_prev)", "C = f * C_prev + i * g\n        C_s.append(C)"),
        ("h_prev = o * tanh(C_prev)", "h_prev = o * tanh(C)")]),
    "variant_cell_state_not_stored": ("forward/initial-state-not-stored",
                                      [("    C_s.append(C_prev)\n    for", "    for")]),
    "variant_output_stored_before_sigmoid": ("forward/pre-activation-stored",
                                             [("o = sigmoid(np.dot(W_o, z) + b_o)\n        o_s.append(o)",
                                               "o = np.dot(W_o, z) + b_o\n        o_s.append(o)\n        o = sigmoid(o)")]),
}

# mistakes the catalogue does not know: (edits, where the feedback must point)
UNKNOWN = {
    "unknown_backward_dz_without_output_gate": (
        [("np.dot(W_g.T, dg) + np.dot(W_o.T, do)", "np.dot(W_g.T, dg)")],
        "backward | wrong: dW_f dW_i dW_g dW_o | right: dW_v db_v loss | where: only when T >= 2"),
    "unknown_forward_candidate_bias": (
        [("g = tanh(np.dot(W_g, z) + b_g)", "g = tanh(np.dot(W_g, z) + b_i)")],
        "forward | wrong: g_s C_s | right: z_s f_s i_s | where: step t = 0"),
    "unknown_clip_max_norm_hardcoded": (
        [("clip_coef = max_norm / (total_norm + 1e-6)", "clip_coef = 0.25 / (total_norm + 1e-6)")],
        "clip_and_update | wrong: W_f | right: | where: max_norm 0.5"),
    "unknown_backward_loss_of_prediction": (
        [("loss += -np.log(outputs[t][np.argmax(targets[t])] + 1e-12)",
          "loss += -np.log(outputs[t][np.argmax(outputs[t])] + 1e-12)")],
        "backward | wrong: loss | right: dW_f dW_v db_v | where: already when T = 1"),
}

# the notebook's clip bug combined with an out-of-catalogue forward bug
MIXED_UNKNOWN = {
    "unknown_forward_bias_with_clipped_backward": (
        ["backward/gradients-clipped"],
        [("o = sigmoid(np.dot(W_o, z) + b_o)", "o = sigmoid(np.dot(W_o, z))")],
        "forward | wrong: o_s h_s | right: z_s f_s i_s g_s C_s | where: step t = 0"),
}


def apply(source: str, edits) -> str:
    for old, new in edits:
        if old not in source:
            raise ValueError(f"edit does not apply: {old!r}")
        source = source.replace(old, new)
    return source


def module(title: str, expected, source: str, localised: str = "") -> str:
    lines = [f'"""{title}', "", "expected: " + (", ".join(expected) if expected else "(none)")]
    if localised:
        lines.append("localised: " + localised)
    lines.append('"""')
    return "\n".join(lines) + "\n\n" + source


def file_name(bug_id: str) -> str:
    return "single_" + bug_id.replace("/", "__").replace("-", "_") + ".py"


def main():
    for bug_id, edits in EDITS.items():
        text = module(f"A student LSTM with one bug: {bug_id}.", [bug_id], apply(BASE, edits))
        (HERE / file_name(bug_id)).write_text(text)
    for name, ids in COMBINATIONS.items():
        source = BASE
        for bug_id in ids:
            source = apply(source, EDITS[bug_id])
        text = module(f"A student LSTM with {len(ids)} bugs at once.", ids, source)
        (HERE / f"{name}.py").write_text(text)
    for name, (bug_id, edits) in VARIANTS.items():
        text = module(f"A student LSTM with one bug, written another way: {bug_id}.", [bug_id], apply(BASE, edits))
        (HERE / f"{name}.py").write_text(text)
    for name, (edits, localised) in UNKNOWN.items():
        text = module("A student LSTM with a bug that is not in the catalogue.", [], apply(BASE, edits), localised)
        (HERE / f"{name}.py").write_text(text)
    for name, (ids, edits, localised) in MIXED_UNKNOWN.items():
        source = BASE
        for bug_id in ids:
            source = apply(source, EDITS[bug_id])
        text = module("A catalogued bug plus one that is not in the catalogue.", ids, apply(source, edits), localised)
        (HERE / f"{name}.py").write_text(text)


if __name__ == "__main__":
    main()
