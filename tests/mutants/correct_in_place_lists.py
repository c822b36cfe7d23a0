"""A correct LSTM written with in-place updates, list inputs and np.sum losses.

expected: (none)
"""
import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def softmax(x):
    shifted = x - np.max(x)
    return np.exp(shifted) / np.exp(shifted).sum()


def forward(inputs, h_prev, C_prev, p):
    W_f, W_i, W_g, W_o, W_v, b_f, b_i, b_g, b_o, b_v = p
    inputs = [np.asarray(x) for x in inputs]
    z_s, f_s, i_s, g_s, o_s, v_s, output_s = [], [], [], [], [], [], []
    h = h_prev.copy()
    C = C_prev.copy()
    h_s, C_s = [h.copy()], [C.copy()]
    for x in inputs:
        z = np.zeros((h.shape[0] + x.shape[0], 1))
        z[:h.shape[0]] = h
        z[h.shape[0]:] = x
        f = sigmoid(W_f.dot(z) + b_f)
        i = sigmoid(W_i.dot(z) + b_i)
        g = np.tanh(W_g.dot(z) + b_g)
        o = sigmoid(W_o.dot(z) + b_o)
        C = C * f
        C += i * g
        h = o * np.tanh(C)
        v = W_v.dot(h)
        v += b_v
        z_s.append(z); f_s.append(f); i_s.append(i); g_s.append(g); o_s.append(o)
        C_s.append(C); h_s.append(h); v_s.append(v); output_s.append(softmax(v))
    return z_s, f_s, i_s, g_s, C_s, o_s, h_s, v_s, output_s


def backward(z, f, i, g, C, o, h, v, outputs, targets, p):
    W_f, W_i, W_g, W_o, W_v, b_f, b_i, b_g, b_o, b_v = p
    H = len(b_f)
    grads = [np.zeros(param.shape) for param in p]
    dh_next = np.zeros((H, 1))
    dC_next = np.zeros((H, 1))
    loss = 0
    T = len(outputs)
    for t in range(T):
        loss += -np.sum(targets[t] * np.log(outputs[t] + 1e-12))
    for t in reversed(range(T)):
        dv = outputs[t].copy()
        dv -= targets[t]
        grads[4] += np.outer(dv, h[t + 1])
        grads[9] += dv
        dh = W_v.T.dot(dv)
        dh += dh_next
        tanh_C = np.tanh(C[t + 1])
        do = dh * tanh_C
        do *= o[t] * (1 - o[t])
        dC = dh * o[t]
        dC *= 1 - tanh_C ** 2
        dC += dC_next
        df = dC * C[t]
        df *= f[t] * (1 - f[t])
        di = dC * g[t]
        di *= i[t] * (1 - i[t])
        dg = dC * i[t]
        dg *= 1 - g[t] ** 2
        dz = np.zeros_like(z[t])
        for k, d, W in ((0, df, W_f), (1, di, W_i), (2, dg, W_g), (3, do, W_o)):
            grads[k] += np.outer(d, z[t])
            grads[k + 5] += d
            dz += W.T.dot(d)
        dh_next = dz[:H]
        dC_next = dC * f[t]
    return loss, tuple(grads)


def clip_and_update(params, grads, lr=1e-2, max_norm=0.25):
    params = list(params)
    grads = list(grads)
    total_norm = np.sqrt(sum((grad ** 2).sum() for grad in grads))
    clip_coef = max_norm / (total_norm + 1e-6)
    if clip_coef < 1:
        for grad in grads:
            grad *= clip_coef
    for k in range(len(params)):
        params[k] -= lr * grads[k]
    return tuple(params)
