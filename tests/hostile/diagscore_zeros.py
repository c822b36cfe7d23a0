"""No LSTM at all: every function returns zeros of the right shapes."""
import numpy as np


def forward(inputs, h_prev, C_prev, p):
    T, H, V = len(inputs), h_prev.shape[0], p[4].shape[0]
    z = [np.zeros((H + V, 1)) for _ in range(T)]
    gates = [[np.zeros((H, 1)) for _ in range(T)] for _ in range(4)]
    states = [[np.zeros((H, 1)) for _ in range(T + 1)] for _ in range(2)]
    v = [np.zeros((V, 1)) for _ in range(T)]
    y = [np.zeros((V, 1)) for _ in range(T)]
    f, i, g, o = gates
    C, h = states
    return z, f, i, g, C, o, h, v, y


def backward(z, f, i, g, C, o, h, v, outputs, targets, p):
    return 0.0, tuple(np.zeros_like(w) for w in p)


def clip_and_update(params, grads, lr=1e-2, max_norm=0.25):
    return tuple(np.zeros_like(w) for w in params)
