"""A correct LSTM with reordered formulas: the cell path before the output
gate, outer products with np.einsum, the loss through log-softmax.

expected: (none)
"""
import numpy as np


def forward(inputs, h_prev, C_prev, p):
    W_f, W_i, W_g, W_o, W_v, b_f, b_i, b_g, b_o, b_v = p
    out = tuple([] for _ in range(9))
    z_s, f_s, i_s, g_s, C_s, o_s, h_s, v_s, output_s = out
    C_s.append(C_prev)
    h_s.append(h_prev)
    for t in range(np.shape(inputs)[0]):
        z = np.vstack([h_s[t], inputs[t]])
        o = 1 / (1 + np.exp(-(W_o @ z + b_o)))
        g = np.tanh(W_g @ z + b_g)
        i = 1 / (1 + np.exp(-(W_i @ z + b_i)))
        f = 1 / (1 + np.exp(-(W_f @ z + b_f)))
        C = i * g + f * C_s[t]
        h = np.tanh(C) * o
        v = b_v + W_v @ h
        log_y = v - v.max() - np.log(np.sum(np.exp(v - v.max())))
        for lst, value in ((z_s, z), (f_s, f), (i_s, i), (g_s, g), (C_s, C), (o_s, o), (h_s, h), (v_s, v),
                           (output_s, np.exp(log_y))):
            lst.append(value)
    return out


def backward(z, f, i, g, C, o, h, v, outputs, targets, p):
    W_f, W_i, W_g, W_o, W_v, b_f, b_i, b_g, b_o, b_v = p
    hidden = W_f.shape[0]
    d = {name: np.zeros_like(param) for name, param in zip(
        ["W_f", "W_i", "W_g", "W_o", "W_v", "b_f", "b_i", "b_g", "b_o", "b_v"], p)}
    carry_h = np.zeros((hidden, 1))
    carry_C = np.zeros((hidden, 1))
    loss = 0.0
    for t in range(len(outputs))[::-1]:
        target = int(np.flatnonzero(targets[t])[0])
        loss = loss + float(-np.log(outputs[t][target, 0] + 1e-12))
        dv = outputs[t] - np.eye(len(outputs[t]))[:, [target]]
        d["W_v"] += np.einsum("ik,jk->ij", dv, h[t + 1])
        d["b_v"] += dv
        dh = carry_h + W_v.T @ dv
        dC = carry_C + dh * o[t] * (1 - np.tanh(C[t + 1]) ** 2)
        dg = (1 - g[t] ** 2) * i[t] * dC
        di = i[t] * (1 - i[t]) * g[t] * dC
        df = f[t] * (1 - f[t]) * C[t] * dC
        do = o[t] * (1 - o[t]) * np.tanh(C[t + 1]) * dh
        carry_C = f[t] * dC
        carry_h = np.zeros((hidden, 1))
        for gate, delta, W in (("f", df, W_f), ("i", di, W_i), ("g", dg, W_g), ("o", do, W_o)):
            d["W_" + gate] += np.einsum("ik,jk->ij", delta, z[t])
            d["b_" + gate] += delta
            carry_h = carry_h + (W.T @ delta)[:hidden]
    return loss, tuple(d[name] for name in ["W_f", "W_i", "W_g", "W_o", "W_v", "b_f", "b_i", "b_g", "b_o", "b_v"])


def clip_and_update(params, grads, lr=1e-2, max_norm=0.25):
    total = np.sqrt(np.sum([np.sum(np.square(grad)) for grad in grads]))
    if total > max_norm:
        grads = [grad * (max_norm / (total + 1e-6)) for grad in grads]
    return tuple(np.subtract(param, lr * grad) for param, grad in zip(params, grads))
