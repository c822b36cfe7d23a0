"""A correct LSTM that preallocates arrays for its caches and loops over
indices; backward keeps the deltas of the four gates in one dict.

expected: (none)
"""
import numpy as np


def _sigmoid(x):
    out = np.empty_like(x)
    positive = x >= 0
    out[positive] = 1 / (1 + np.exp(-x[positive]))
    e = np.exp(x[~positive])
    out[~positive] = e / (1 + e)
    return out


def forward(inputs, h_prev, C_prev, p):
    W_f, W_i, W_g, W_o, W_v, b_f, b_i, b_g, b_o, b_v = p
    X = np.array(inputs, dtype=float)
    T, H = X.shape[0], h_prev.shape[0]
    hs = np.zeros((T + 1, H, 1))
    Cs = np.zeros((T + 1, H, 1))
    hs[0], Cs[0] = h_prev, C_prev
    z_s, f_s, i_s, g_s, o_s, v_s, y_s = [], [], [], [], [], [], []
    for t in range(T):
        z = np.concatenate((hs[t], X[t]))
        f = _sigmoid(W_f @ z + b_f)
        i = _sigmoid(W_i @ z + b_i)
        g = np.tanh(W_g @ z + b_g)
        o = _sigmoid(W_o @ z + b_o)
        Cs[t + 1] = f * Cs[t] + i * g
        hs[t + 1] = o * np.tanh(Cs[t + 1])
        v = W_v @ hs[t + 1] + b_v
        e = np.exp(v - np.max(v))
        z_s.append(z); f_s.append(f); i_s.append(i); g_s.append(g); o_s.append(o)
        v_s.append(v); y_s.append(e / np.sum(e))
    return z_s, f_s, i_s, g_s, list(Cs), o_s, list(hs), v_s, y_s


def backward(z, f, i, g, C, o, h, v, outputs, targets, p):
    names = ("f", "i", "g", "o")
    W = dict(zip(names, p[:4]))
    W_v = p[4]
    H = p[0].shape[0]
    dW = {n: np.zeros_like(W[n]) for n in names}
    db = {n: np.zeros((H, 1)) for n in names}
    dW_v = np.zeros_like(W_v)
    db_v = np.zeros_like(p[9])
    dh_next = np.zeros((H, 1))
    dC_next = np.zeros((H, 1))
    losses = []
    for t in reversed(range(len(outputs))):
        k = int(np.argmax(targets[t]))
        losses.append(-np.log(outputs[t][k, 0] + 1e-12))
        dv = outputs[t] - targets[t]
        dW_v += dv @ h[t + 1].T
        db_v += dv
        dh = W_v.T @ dv + dh_next
        tC = np.tanh(C[t + 1])
        dC = dh * o[t] * (1 - tC ** 2) + dC_next
        delta = {
            "f": dC * C[t] * f[t] * (1 - f[t]),
            "i": dC * g[t] * i[t] * (1 - i[t]),
            "g": dC * i[t] * (1 - g[t] ** 2),
            "o": dh * tC * o[t] * (1 - o[t]),
        }
        dz = sum(W[n].T @ delta[n] for n in names)
        for n in names:
            dW[n] += delta[n] @ z[t].T
            db[n] += delta[n]
        dh_next, dC_next = dz[:H], dC * f[t]
    grads = tuple(dW[n] for n in names) + (dW_v,) + tuple(db[n] for n in names) + (db_v,)
    return np.sum(losses), grads


def clip_and_update(params, grads, lr=1e-2, max_norm=0.25):
    total_norm = np.sqrt(np.sum([np.linalg.norm(grad) ** 2 for grad in grads]))
    clip_coef = max_norm / (total_norm + 1e-6)
    factor = clip_coef if clip_coef < 1 else 1.0
    return tuple(param - lr * factor * grad for param, grad in zip(params, grads))
