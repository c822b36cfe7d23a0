"""forward returns 8 lists (output_s forgotten) and h_s misses its first entry."""

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def forward(inputs, h_prev, C_prev, p):
    W_f, W_i, W_g, W_o, W_v, b_f, b_i, b_g, b_o, b_v = p
    z_s, f_s, i_s, g_s, C_s, o_s, h_s, v_s = [], [], [], [], [C_prev], [], [], []
    h, C = h_prev, C_prev
    for x in inputs:
        z = np.vstack((h, x))
        f = sigmoid(W_f @ z + b_f)
        i = sigmoid(W_i @ z + b_i)
        g = np.tanh(W_g @ z + b_g)
        C = f * C + i * g
        o = sigmoid(W_o @ z + b_o)
        h = o * np.tanh(C)
        for store, value in zip((z_s, f_s, i_s, g_s, C_s, o_s, h_s), (z, f, i, g, C, o, h)):
            store.append(value)
        v_s.append(W_v @ h + b_v)
    return z_s, f_s, i_s, g_s, C_s, o_s, h_s, v_s


def backward(z, f, i, g, C, o, h, v, outputs, targets, p):
    return 0.0, tuple(np.zeros((2, 2)) for _ in p)


def clip_and_update(params, grads, lr=1e-2, max_norm=0.25):
    return params[:9]
