"""The course notebook's bugs plus one more, in the notebook's style.

expected: backward/hidden-state-off-by-one, backward/cell-state-off-by-one, backward/previous-cell-index, backward/tanh-applied-twice, backward/forget-gate-no-derivative, backward/input-gate-derivative-of-output, backward/output-gate-derivative-of-output, backward/candidate-derivative-of-output, backward/no-hidden-carry, backward/no-cell-carry, backward/loss-averaged, backward/loss-no-epsilon, backward/gradients-clipped, update/parameters-unchanged
"""

import numpy as np


def sigmoid(x, derivative=False):
    x_safe = x + 1e-12
    f = 1 / (1 + np.exp(-x_safe))
    if derivative:
        return f * (1 - f)
    else:
        return f


def tanh(x, derivative=False):
    x_safe = x + 1e-12
    f = (np.exp(x_safe) - np.exp(-x_safe)) / (np.exp(x_safe) + np.exp(-x_safe))
    if derivative:
        return 1 - f ** 2
    else:
        return f


def softmax(x):
    e = np.exp(x - np.max(x))
    return e / np.sum(e)


def forward(inputs, h_prev, C_prev, p):
    W_f, W_i, W_g, W_o, W_v, b_f, b_i, b_g, b_o, b_v = p
    x_s, z_s, f_s, i_s, g_s, C_s, o_s, h_s, v_s, output_s = [], [], [], [], [], [], [], [], [], []
    h_s.append(h_prev)
    C_s.append(C_prev)
    for x in inputs:
        z = np.row_stack((h_prev, x)) if hasattr(np, "row_stack") else np.vstack((h_prev, x))
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


def clip_gradient_norm(grads, max_norm=0.25):
    max_norm = float(max_norm)
    total_norm = 0
    for grad in grads:
        grad_norm = np.sum(np.power(grad, 2))
        total_norm += grad_norm
    total_norm = np.sqrt(total_norm)
    clip_coef = max_norm / (total_norm + 1e-6)
    if clip_coef < 1:
        for grad in grads:
            grad *= clip_coef
    return grads


def backward(z, f, i, g, C, o, h, v, outputs, targets, p):
    W_f, W_i, W_g, W_o, W_v, b_f, b_i, b_g, b_o, b_v = p
    hidden_size = W_f.shape[0]
    W_f_d = np.zeros_like(W_f)
    b_f_d = np.zeros_like(b_f)
    W_i_d = np.zeros_like(W_i)
    b_i_d = np.zeros_like(b_i)
    W_g_d = np.zeros_like(W_g)
    b_g_d = np.zeros_like(b_g)
    W_o_d = np.zeros_like(W_o)
    b_o_d = np.zeros_like(b_o)
    W_v_d = np.zeros_like(W_v)
    b_v_d = np.zeros_like(b_v)
    dh_next = np.zeros_like(h[0])
    dC_next = np.zeros_like(C[0])
    loss = 0
    for t in reversed(range(len(outputs))):
        loss += -np.mean(np.log(outputs[t]) * targets[t])
        C_prev = C[t - 1]
        dv = np.copy(outputs[t])
        dv[np.argmax(targets[t])] -= 1
        W_v_d += np.dot(dv, h[t].T)
        b_v_d += dv
        dh = np.dot(W_v.T, dv)
        dh += dh_next
        do = dh * tanh(C[t])
        do = sigmoid(o[t], derivative=True) * do
        W_o_d += np.dot(do, z[t].T)
        b_o_d += do
        dC = np.copy(dC_next)
        dC += dh * o[t] * tanh(tanh(C[t]), derivative=True)
        dg = dC * i[t]
        dg = tanh(g[t], derivative=True) * dg
        W_g_d += np.dot(dg, z[t].T)
        b_g_d += dg
        di = dC * g[t]
        di = sigmoid(i[t], True) * di
        W_i_d += np.dot(di, z[t].T)
        b_i_d += di
        df = dC * C_prev
        df = sigmoid(f[t]) * df
        W_f_d += np.dot(df, z[t].T)
        b_f_d += df
        dz = (np.dot(W_f.T, df) + np.dot(W_i.T, di) + np.dot(W_g.T, dg) + np.dot(W_o.T, do))
        dh_prev = dz[:hidden_size, :]
        dC_prev = f[t] * dC
    grads = W_f_d, W_i_d, W_g_d, W_o_d, W_v_d, b_f_d, b_i_d, b_g_d, b_o_d, b_v_d
    grads = clip_gradient_norm(grads)
    return loss, grads


def clip_and_update(params, grads, lr=1e-2, max_norm=0.25):
    grads = clip_gradient_norm(list(grads), max_norm)
    for param, grad in zip(params, grads):
        param = param - lr * grad
    return tuple(params)
