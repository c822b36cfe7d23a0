"""A correct LSTM with derivative helpers taken on the stored activations, a dict of gradients and an index-based update.

expected: (none)
"""
import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def dsigmoid(s):
    return s * (1 - s)


def dtanh(t):
    return 1 - t ** 2


def forward(inputs, h_prev, C_prev, p):
    W_f, W_i, W_g, W_o, W_v, b_f, b_i, b_g, b_o, b_v = p
    z_s, f_s, i_s, g_s, C_s, o_s, h_s, v_s, y_s = [[] for _ in range(9)]
    h_s.append(h_prev)
    C_s.append(C_prev)
    for x in inputs:
        z = np.concatenate((h_s[-1], x))
        f = sigmoid(W_f.dot(z) + b_f)
        i = sigmoid(W_i.dot(z) + b_i)
        g = np.tanh(W_g.dot(z) + b_g)
        o = sigmoid(W_o.dot(z) + b_o)
        C = f * C_s[-1] + i * g
        h = o * np.tanh(C)
        v = W_v.dot(h) + b_v
        e = np.exp(v - v.max())
        for store, value in ((z_s, z), (f_s, f), (i_s, i), (g_s, g), (C_s, C), (o_s, o), (h_s, h), (v_s, v),
                             (y_s, e / e.sum())):
            store.append(value)
    return z_s, f_s, i_s, g_s, C_s, o_s, h_s, v_s, y_s


def backward(z, f, i, g, C, o, h, v, outputs, targets, p):
    W_f, W_i, W_g, W_o, W_v = p[:5]
    names = ("W_f", "W_i", "W_g", "W_o", "W_v", "b_f", "b_i", "b_g", "b_o", "b_v")
    d = {name: np.zeros_like(value) for name, value in zip(names, p)}
    H = W_f.shape[0]
    dh_next = np.zeros_like(h[0])
    dC_next = np.zeros_like(C[0])
    loss = 0.0
    for t in reversed(range(len(outputs))):
        k = int(np.argmax(targets[t]))
        loss += -np.log(outputs[t][k, 0] + 1e-12)
        dv = outputs[t].copy()
        dv[k] -= 1
        d["W_v"] += dv.dot(h[t + 1].T)
        d["b_v"] += dv
        dh = W_v.T.dot(dv) + dh_next
        tanh_C = np.tanh(C[t + 1])
        dC = dC_next + dh * o[t] * dtanh(tanh_C)
        gates = {
            "o": dh * tanh_C * dsigmoid(o[t]),
            "g": dC * i[t] * dtanh(g[t]),
            "i": dC * g[t] * dsigmoid(i[t]),
            "f": dC * C[t] * dsigmoid(f[t]),
        }
        dz = np.zeros_like(z[t])
        for gate, W in (("f", W_f), ("i", W_i), ("g", W_g), ("o", W_o)):
            d["W_" + gate] += gates[gate].dot(z[t].T)
            d["b_" + gate] += gates[gate]
            dz += W.T.dot(gates[gate])
        dh_next = dz[:H]
        dC_next = dC * f[t]
    return loss, tuple(d[name] for name in names)


def clip_and_update(params, grads, lr=1e-2, max_norm=0.25):
    norm = np.sqrt(sum((grad ** 2).sum() for grad in grads))
    scale = max_norm / (norm + 1e-6)
    new = list(params)
    for k in range(len(params)):
        step = grads[k] * scale if scale < 1 else grads[k]
        new[k] = params[k] - lr * step
    return tuple(new)
