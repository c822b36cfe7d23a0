"""A correct LSTM that stacks the four gate matrices and uses np.concatenate.

expected: (none)
"""
import numpy as np


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def forward(inputs, h_prev, C_prev, p):
    W_f, W_i, W_g, W_o, W_v, b_f, b_i, b_g, b_o, b_v = p
    H = W_f.shape[0]
    W = np.concatenate([W_f, W_i, W_g, W_o], axis=0)
    b = np.concatenate([b_f, b_i, b_g, b_o], axis=0)
    caches = {key: [] for key in "zfigCohvy"}
    caches["C"].append(C_prev)
    caches["h"].append(h_prev)
    h, C = h_prev, C_prev
    for x in inputs:
        z = np.concatenate([h, x], axis=0)
        a = W @ z + b
        f, i, o = sigmoid(a[:H]), sigmoid(a[H:2 * H]), sigmoid(a[3 * H:])
        g = np.tanh(a[2 * H:3 * H])
        C = f * C + i * g
        h = o * np.tanh(C)
        v = W_v @ h + b_v
        y = np.exp(v - v.max())
        y /= y.sum()
        for key, value in zip("zfigCohvy", (z, f, i, g, C, o, h, v, y)):
            caches[key].append(value)
    return tuple(caches[key] for key in "zfigCohvy")


def backward(z, f, i, g, C, o, h, v, outputs, targets, p):
    W_f, W_i, W_g, W_o, W_v, b_f, b_i, b_g, b_o, b_v = p
    H = W_f.shape[0]
    W = np.concatenate([W_f, W_i, W_g, W_o], axis=0)
    dW = np.zeros_like(W)
    db = np.zeros((4 * H, 1))
    dW_v, db_v = np.zeros_like(W_v), np.zeros_like(b_v)
    dh_next, dC_next = np.zeros((H, 1)), np.zeros((H, 1))
    loss = 0.0
    for t in range(len(outputs) - 1, -1, -1):
        k = targets[t].argmax()
        loss -= np.log(outputs[t][k, 0] + 1e-12)
        dv = outputs[t] - targets[t]
        dW_v += dv @ h[t + 1].T
        db_v += dv
        dh = W_v.T @ dv + dh_next
        tc = np.tanh(C[t + 1])
        dC = dC_next + dh * o[t] * (1 - tc * tc)
        da = np.concatenate([
            dC * C[t] * f[t] * (1 - f[t]),
            dC * g[t] * i[t] * (1 - i[t]),
            dC * i[t] * (1 - g[t] * g[t]),
            dh * tc * o[t] * (1 - o[t]),
        ], axis=0)
        dW += da @ z[t].T
        db += da
        dh_next = (W.T @ da)[:H]
        dC_next = dC * f[t]
    dW_f, dW_i, dW_g, dW_o = np.split(dW, 4, axis=0)
    db_f, db_i, db_g, db_o = np.split(db, 4, axis=0)
    return loss, (dW_f, dW_i, dW_g, dW_o, dW_v, db_f, db_i, db_g, db_o, db_v)


def clip_and_update(params, grads, lr=1e-2, max_norm=0.25):
    flat = np.concatenate([grad.ravel() for grad in grads])
    total_norm = np.linalg.norm(flat)
    clip_coef = max_norm / (total_norm + 1e-6)
    scale = min(clip_coef, 1.0)
    return tuple(param - lr * scale * grad for param, grad in zip(params, grads))
