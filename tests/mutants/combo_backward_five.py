"""A student LSTM with 5 bugs at once.

expected: backward/tanh-applied-twice, backward/forget-gate-derivative-of-output, backward/hidden-carry-wrong-slice, backward/gradients-clipped, backward/softmax-gradient
"""

import numpy as np


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
        W_v_d += np.dot(dv, h[t + 1].T)
        b_v_d += dv
        dh = np.dot(W_v.T, dv)
        dh += dh_next
        do = dh * tanh(C[t + 1])
        do = o[t] * (1 - o[t]) * do
        W_o_d += np.dot(do, z[t].T)
        b_o_d += do
        dC = np.copy(dC_next)
        dC += dh * o[t] * (1 - tanh(tanh(C[t + 1])) ** 2)
        dg = dC * i[t]
        dg = (1 - g[t] ** 2) * dg
        W_g_d += np.dot(dg, z[t].T)
        b_g_d += dg
        di = dC * g[t]
        di = i[t] * (1 - i[t]) * di
        W_i_d += np.dot(di, z[t].T)
        b_i_d += di
        df = dC * C_prev
        df = sigmoid(f[t]) * (1 - sigmoid(f[t])) * df
        W_f_d += np.dot(df, z[t].T)
        b_f_d += df
        dz = np.dot(W_f.T, df) + np.dot(W_i.T, di) + np.dot(W_g.T, dg) + np.dot(W_o.T, do)
        dh_next = dz[hidden_size:, :]
        dC_next = f[t] * dC
    grads = W_f_d, W_i_d, W_g_d, W_o_d, W_v_d, b_f_d, b_i_d, b_g_d, b_o_d, b_v_d
    grads = clip_gradient_norm(grads)
    return loss, grads


def clip_gradient_norm(grads, max_norm=0.25):
    total_norm = np.sqrt(sum(np.sum(np.power(grad, 2)) for grad in grads))
    clip_coef = max_norm / (total_norm + 1e-6)
    if clip_coef < 1:
        for grad in grads:
            grad *= clip_coef
    return grads


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
