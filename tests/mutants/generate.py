"""Regenerate the single-bug, combination and out-of-catalogue mutants.

Each mutant is a complete student file: the student-style base below with the
textual edits a student makes for each bug (wrong index, wrong derivative,
a renamed variable...). The files are checked in; run this script after
changing the base or an edit:  python tests/mutants/generate.py

The notebook's original backward and the correct-style files are written by
hand (notebook_original.py, correct_*.py); the notebook_plus_* files are the
notebook with one more mistake, edited in its own style.
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
    for t, x in enumerate(inputs):
        z = np.vstack((h_prev, x))
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
    "forward/concat-order": [("z = np.vstack((h_prev, x))", "z = np.vstack((x, h_prev))")],
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
    "forward/gate-bias-missing": [("o = sigmoid(np.dot(W_o, z) + b_o)", "o = sigmoid(np.dot(W_o, z))")],
    "backward/input-gate-no-derivative": [("        di = i[t] * (1 - i[t]) * di\n", "")],
    "backward/output-gate-no-derivative": [("        do = o[t] * (1 - o[t]) * do\n", "")],
    "backward/candidate-no-derivative": [("        dg = (1 - g[t] ** 2) * dg\n", "")],
    "backward/sigmoid-derivative-sign": [
        ("def softmax(x):", "def dsigmoid(s):\n    return s * (s - 1)\n\n\ndef softmax(x):"),
        ("do = o[t] * (1 - o[t]) * do", "do = dsigmoid(o[t]) * do"),
        ("di = i[t] * (1 - i[t]) * di", "di = dsigmoid(i[t]) * di"),
        ("df = f[t] * (1 - f[t]) * df", "df = dsigmoid(f[t]) * df")],
    "backward/cell-tanh-derivative-without-tanh": [("(1 - tanh(C[t + 1]) ** 2)", "(1 - C[t + 1] ** 2)")],
    "backward/previous-cell-initial-state": [("C_prev = C[t]\n", "C_prev = C[0]\n")],
    "backward/loss-squared-error": [("loss += -np.log(outputs[t][np.argmax(targets[t])] + 1e-12)",
                                     "loss += np.sum((outputs[t] - targets[t]) ** 2)")],
    "clip/biases-skipped": [("grads = [grad * clip_coef for grad in grads]",
                             "grads = [grad * clip_coef for grad in grads[:5]] + list(grads[5:])")],
    "update/biases-not-updated": [("    for param, grad in zip(params, grads):\n        new_params.append(param - lr * grad)\n"
                                   "    return tuple(new_params)\n",
                                   "    for param, grad in zip(params[:5], grads[:5]):\n"
                                   "        new_params.append(param - lr * grad)\n"
                                   "    return tuple(new_params) + tuple(params[5:])\n")],
    "update/parameters-unchanged": [("    new_params = []\n    for param, grad in zip(params, grads):\n"
                                     "        new_params.append(param - lr * grad)\n    return tuple(new_params)\n",
                                     "    for param, grad in zip(params, grads):\n        param = param - lr * grad\n"
                                     "    return tuple(params)\n")],
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
    "combo_new_backward_four": ["backward/output-gate-no-derivative", "backward/cell-tanh-derivative-without-tanh",
                                "backward/previous-cell-initial-state", "backward/loss-squared-error"],
    "combo_new_gate_derivatives": ["backward/input-gate-no-derivative", "backward/candidate-no-derivative",
                                   "backward/no-cell-carry"],
    "combo_new_forward_bias_concat": ["forward/gate-bias-missing", "forward/concat-order"],
    "combo_new_clip_biases_sign": ["clip/biases-skipped", "update/wrong-sign"],
    "combo_new_update_biases_elementwise": ["clip/elementwise", "update/biases-not-updated"],
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
    "variant_forget_gate_softmax": ("forward/gate-activation",
                                    [("f = sigmoid(np.dot(W_f, z) + b_f)", "f = softmax(np.dot(W_f, z) + b_f)")]),
    "variant_candidate_no_activation": ("forward/gate-activation",
                                        [("g = tanh(np.dot(W_g, z) + b_g)", "g = np.dot(W_g, z) + b_g")]),
    "variant_input_gate_tanh": ("forward/gate-activation",
                                [("i = sigmoid(np.dot(W_i, z) + b_i)", "i = tanh(np.dot(W_i, z) + b_i)")]),
    "variant_forget_bias_missing": ("forward/gate-bias-missing",
                                    [("f = sigmoid(np.dot(W_f, z) + b_f)", "f = sigmoid(np.dot(W_f, z))")]),
    "variant_output_sign_only": ("backward/sigmoid-derivative-sign",
                                 [("do = o[t] * (1 - o[t]) * do", "do = o[t] * (o[t] - 1) * do")]),
    "variant_previous_cell_before_loop": ("backward/previous-cell-initial-state",
                                          [("        C_prev = C[t]\n", ""),
                                           ("    loss = 0\n", "    loss = 0\n    C_prev = C[0]\n")]),
    "variant_loss_mean_squared": ("backward/loss-squared-error",
                                  [("loss += -np.log(outputs[t][np.argmax(targets[t])] + 1e-12)",
                                    "loss += np.mean((outputs[t] - targets[t]) ** 2)")]),
    "variant_backward_clipped_elementwise": ("backward/gradients-clipped",
                                             [("    return loss, grads\n",
                                               "    grads = [np.clip(grad, -1, 1) for grad in grads]\n"
                                               "    return loss, grads\n")]),
    "variant_backward_clipped_per_parameter": ("backward/gradients-clipped",
                                               [("    return loss, grads\n",
                                                 "    grads = [grad * min(1, 0.25 / np.linalg.norm(grad)) for grad in grads]\n"
                                                 "    return loss, grads\n")]),
    "variant_backward_clipped_in_place_5": ("backward/gradients-clipped",
                                            [("    return loss, grads\n",
                                              "    for dparam in grads:\n        np.clip(dparam, -5, 5, out=dparam)\n"
                                              "    return loss, grads\n")]),
    "variant_no_bias_anywhere": ("forward/gate-bias-missing",
                                 [(" + b_f)", ")"), (" + b_i)", ")"), (" + b_g)", ")"), (" + b_o)", ")")]),
    "variant_output_gate_softmax": ("forward/gate-activation",
                                    [("o = sigmoid(np.dot(W_o, z) + b_o)", "o = softmax(np.dot(W_o, z) + b_o)")]),
    "variant_half_squared_error": ("backward/loss-squared-error",
                                   [("loss += -np.log(outputs[t][np.argmax(targets[t])] + 1e-12)",
                                     "loss += 0.5 * np.sum((targets[t] - outputs[t]) ** 2)")]),
    "variant_forget_sign_only": ("backward/sigmoid-derivative-sign",
                                 [("df = f[t] * (1 - f[t]) * df", "df = -f[t] * (1 - f[t]) * df")]),
    "variant_concat_order_own_state_names": ("forward/concat-order", [
        ("    for t, x in enumerate(inputs):\n        z = np.vstack((h_prev, x))",
         "    h, C = h_prev, C_prev\n    for t, x in enumerate(inputs):\n        z = np.vstack((x, h))"),
        ("C_prev = f * C_prev + i * g\n        C_s.append(C_prev)", "C = f * C + i * g\n        C_s.append(C)"),
        ("h_prev = o * tanh(C_prev)\n        h_s.append(h_prev)", "h = o * tanh(C)\n        h_s.append(h)"),
        ("v = np.dot(W_v, h_prev) + b_v", "v = np.dot(W_v, h) + b_v")]),
    "variant_clip_weights_norm_only": ("clip/biases-skipped",
                                       [("    for grad in grads:\n        total_norm", "    for grad in grads[:5]:\n        total_norm")]),
    "variant_clip_norm_without_sqrt": ("clip/wrong-coefficient",
                                       [("    total_norm = np.sqrt(total_norm)\n", "")]),
    "variant_update_rebinds_by_index": ("update/parameters-unchanged",
                                        [("    new_params = []\n    for param, grad in zip(params, grads):\n"
                                          "        new_params.append(param - lr * grad)\n    return tuple(new_params)\n",
                                          "    for k in range(len(params)):\n        new_param = params[k] - lr * grads[k]\n"
                                          "    return params\n")]),
}

# combinations of variants (or ids) that must still be named exactly: name -> (variants or ids, expected ids)
VARIANT_COMBINATIONS = {
    "combo_new_weights_only_clip_and_update": (
        ["variant_clip_weights_norm_only", "update/biases-not-updated"],
        ["clip/biases-skipped", "update/biases-not-updated"]),
    "combo_new_softmax_gate_no_bias_anywhere": (
        ["variant_forget_gate_softmax", "variant_no_bias_anywhere"],
        ["forward/gate-activation", "forward/gate-bias-missing"]),
    "combo_new_clipped_by_value_sign_squared": (
        ["variant_backward_clipped_in_place_5", "backward/sigmoid-derivative-sign", "variant_half_squared_error"],
        ["backward/sigmoid-derivative-sign", "backward/loss-squared-error", "backward/gradients-clipped"]),
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
        [("v = np.dot(W_v, h_prev) + b_v", "v = np.dot(W_v, h_prev)")],
        "forward | wrong: v_s output_s | right: z_s f_s i_s g_s C_s o_s h_s | where: step t = 0"),
}

NOTEBOOK_SET = ["backward/hidden-state-off-by-one", "backward/cell-state-off-by-one", "backward/previous-cell-index",
                "backward/tanh-applied-twice", "backward/forget-gate-no-derivative",
                "backward/input-gate-derivative-of-output", "backward/output-gate-derivative-of-output",
                "backward/candidate-derivative-of-output", "backward/no-hidden-carry", "backward/no-cell-carry",
                "backward/loss-averaged", "backward/loss-no-epsilon", "backward/gradients-clipped"]

# the course notebook's full set of bugs plus one new mistake, in the notebook's own style:
# name -> (edits to notebook_original.py, ids the edit replaces, ids it adds)
NOTEBOOK_PLUS = {
    "forward_gate_bias_missing": ([("g = tanh(np.dot(W_g, z) + b_g)", "g = tanh(np.dot(W_g, z))")],
                                  [], ["forward/gate-bias-missing"]),
    "forward_softmax_gate": ([("f = sigmoid(np.dot(W_f, z) + b_f)", "f = softmax(np.dot(W_f, z) + b_f)")],
                             [], ["forward/gate-activation"]),
    "input_gate_no_derivative": ([("        di = sigmoid(i[t], True) * di\n", "")],
                                 ["backward/input-gate-derivative-of-output"], ["backward/input-gate-no-derivative"]),
    "output_gate_no_derivative": ([("        do = sigmoid(o[t], derivative=True) * do\n", "")],
                                  ["backward/output-gate-derivative-of-output"], ["backward/output-gate-no-derivative"]),
    "candidate_no_derivative": ([("        dg = tanh(g[t], derivative=True) * dg\n", "")],
                                ["backward/candidate-derivative-of-output"], ["backward/candidate-no-derivative"]),
    "sigmoid_derivative_sign": ([("df = sigmoid(f[t]) * df", "df = f[t] * (f[t] - 1) * df")],
                                ["backward/forget-gate-no-derivative"], ["backward/sigmoid-derivative-sign"]),
    "cell_tanh_without_tanh": ([("tanh(tanh(C[t]), derivative=True)", "(1 - C[t] ** 2)")],
                               ["backward/tanh-applied-twice"], ["backward/cell-tanh-derivative-without-tanh"]),
    "previous_cell_initial_state": ([("C_prev = C[t - 1]", "C_prev = C[0]")],
                                    ["backward/previous-cell-index"], ["backward/previous-cell-initial-state"]),
    "loss_squared_error": ([("loss += -np.mean(np.log(outputs[t]) * targets[t])",
                             "loss += np.mean((outputs[t] - targets[t]) ** 2)")],
                           ["backward/loss-averaged", "backward/loss-no-epsilon"], ["backward/loss-squared-error"]),
    "clipped_elementwise": ([("    grads = clip_gradient_norm(grads)\n    return loss, grads",
                              "    grads = [np.clip(grad, -1, 1) for grad in grads]\n    return loss, grads")],
                            [], []),
    "clip_biases_skipped": ([("grads = clip_gradient_norm(list(grads), max_norm)",
                              "grads = clip_gradient_norm(list(grads[:5]), max_norm) + list(grads[5:])")],
                            [], ["clip/biases-skipped"]),
    "biases_not_updated": ([("return tuple(param - lr * grad for param, grad in zip(params, grads))",
                             "return tuple(param - lr * grad for param, grad in zip(params[:5], grads)) + tuple(params[5:])")],
                           [], ["update/biases-not-updated"]),
    "parameters_unchanged": ([("    return tuple(param - lr * grad for param, grad in zip(params, grads))",
                               "    for param, grad in zip(params, grads):\n        param = param - lr * grad\n"
                               "    return tuple(params)")],
                             [], ["update/parameters-unchanged"]),
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
    for name, (variants, ids) in VARIANT_COMBINATIONS.items():
        source = BASE
        for variant_name in variants:
            source = apply(source, VARIANTS[variant_name][1] if variant_name in VARIANTS else EDITS[variant_name])
        text = module(f"A student LSTM with {len(ids)} bugs at once, some written another way.", ids, source)
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
    notebook = (HERE / "notebook_original.py").read_text().split('"""\n', 1)[1]
    for name, (edits, replaced, added) in NOTEBOOK_PLUS.items():
        ids = [bug_id for bug_id in NOTEBOOK_SET if bug_id not in replaced] + added
        text = module("The course notebook's bugs plus one more, in the notebook's style.", ids, apply(notebook, edits))
        (HERE / f"notebook_plus_{name}.py").write_text(text)


if __name__ == "__main__":
    main()
