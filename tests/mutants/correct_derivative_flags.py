"""A correct LSTM in the notebook's style (activation functions with a
derivative flag, here taking the STORED activation), loss with np.clip.

expected: (none)
"""
import numpy as np


def sigmoid(x, derivative=False):
    if derivative:
        return x * (1 - x)  # x is sigmoid's output
    return 1 / (1 + np.exp(-x))


def tanh(x, derivative=False):
    if derivative:
        return 1 - x ** 2  # x is tanh's output
    return np.tanh(x)


def softmax(x):
    x_safe = x - np.max(x)
    return np.exp(x_safe) / np.sum(np.exp(x_safe))


def forward(inputs, h_prev, C_prev, p):
    W_f, W_i, W_g, W_o, W_v, b_f, b_i, b_g, b_o, b_v = p
    z_s, f_s, i_s, g_s, C_s, o_s, h_s, v_s, output_s = [], [], [], [], [], [], [], [], []
    h_s.append(h_prev)
    C_s.append(C_prev)
    for x in inputs:
        z = np.vstack((h_s[-1], x))
        z_s.append(z)
        f_s.append(sigmoid(np.dot(W_f, z) + b_f))
        i_s.append(sigmoid(np.dot(W_i, z) + b_i))
        g_s.append(tanh(np.dot(W_g, z) + b_g))
        C_s.append(f_s[-1] * C_s[-1] + i_s[-1] * g_s[-1])
        o_s.append(sigmoid(np.dot(W_o, z) + b_o))
        h_s.append(o_s[-1] * tanh(C_s[-1]))
        v_s.append(np.dot(W_v, h_s[-1]) + b_v)
        output_s.append(softmax(v_s[-1]))
    return z_s, f_s, i_s, g_s, C_s, o_s, h_s, v_s, output_s


def backward(z, f, i, g, C, o, h, v, outputs, targets, p):
    W_f, W_i, W_g, W_o, W_v, b_f, b_i, b_g, b_o, b_v = p
    hidden_size = W_f.shape[0]
    W_f_d, W_i_d, W_g_d, W_o_d, W_v_d = (np.zeros_like(W) for W in (W_f, W_i, W_g, W_o, W_v))
    b_f_d, b_i_d, b_g_d, b_o_d, b_v_d = (np.zeros_like(b) for b in (b_f, b_i, b_g, b_o, b_v))
    dh_next = np.zeros_like(h[-1])
    dC_next = np.zeros_like(C[-1])
    loss = 0
    for t in reversed(range(len(outputs))):
        k = np.argmax(targets[t])
        loss += -np.log(np.clip(outputs[t][k, 0], 0, None) + 1e-12)
        dv = np.copy(outputs[t])
        dv[k] -= 1
        W_v_d += np.dot(dv, h[t + 1].T)
        b_v_d += dv
        dh = np.dot(W_v.T, dv) + dh_next
        tanh_C = tanh(C[t + 1])
        do = dh * tanh_C * sigmoid(o[t], derivative=True)
        dC = dC_next + dh * o[t] * tanh(tanh_C, derivative=True)
        dg = dC * i[t] * tanh(g[t], derivative=True)
        di = dC * g[t] * sigmoid(i[t], derivative=True)
        df = dC * C[t] * sigmoid(f[t], derivative=True)
        W_o_d += np.dot(do, z[t].T); b_o_d += do
        W_g_d += np.dot(dg, z[t].T); b_g_d += dg
        W_i_d += np.dot(di, z[t].T); b_i_d += di
        W_f_d += np.dot(df, z[t].T); b_f_d += df
        dz = np.dot(W_f.T, df) + np.dot(W_i.T, di) + np.dot(W_g.T, dg) + np.dot(W_o.T, do)
        dh_next = dz[:hidden_size, :]
        dC_next = f[t] * dC
    grads = W_f_d, W_i_d, W_g_d, W_o_d, W_v_d, b_f_d, b_i_d, b_g_d, b_o_d, b_v_d
    return loss, grads


def clip_and_update(params, grads, lr=1e-2, max_norm=0.25):
    total_norm = np.sqrt(sum(np.sum(grad * grad) for grad in grads))
    clip_coef = max_norm / (total_norm + 1e-6)
    if clip_coef < 1:
        grads = tuple(grad * clip_coef for grad in grads)
    return tuple(param - lr * grad for param, grad in zip(params, grads))
