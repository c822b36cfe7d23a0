"""An example submission with two classic bugs, so `lstm-grader grade` has
something to say. (Can you spot them before the grader does?)"""

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softmax(x):
    e = np.exp(x - np.max(x))
    return e / e.sum()


def forward(inputs, h_prev, C_prev, p):
    W_f, W_i, W_g, W_o, W_v, b_f, b_i, b_g, b_o, b_v = p
    z_s, f_s, i_s, g_s, C_s, o_s, h_s, v_s, output_s = [], [], [], [], [], [], [], [], []
    h_s.append(h_prev)
    C_s.append(C_prev)
    for x in inputs:
        z = np.vstack((h_prev, x))
        z_s.append(z)
        f = sigmoid(np.dot(W_f, z) + b_f)
        f_s.append(f)
        i = sigmoid(np.dot(W_i, z) + b_i)
        i_s.append(i)
        g = np.tanh(np.dot(W_g, z) + b_g)
        g_s.append(g)
        C_prev = f * C_prev + i * g
        C_s.append(C_prev)
        o = sigmoid(np.dot(W_o, z) + b_o)
        o_s.append(o)
        h_prev = o * np.tanh(C_prev)
        h_s.append(h_prev)
        v = np.dot(W_v, h_prev) + b_v
        v_s.append(v)
        output_s.append(softmax(v))
    return z_s, f_s, i_s, g_s, C_s, o_s, h_s, v_s, output_s


def backward(z, f, i, g, C, o, h, v, outputs, targets, p):
    W_f, W_i, W_g, W_o, W_v, b_f, b_i, b_g, b_o, b_v = p
    hidden_size = W_f.shape[0]
    grads = [np.zeros_like(w) for w in p]
    dW_f, dW_i, dW_g, dW_o, dW_v, db_f, db_i, db_g, db_o, db_v = grads
    dh_next = np.zeros_like(h[-1])
    dC_next = np.zeros_like(C[-1])
    loss = 0
    for t in reversed(range(len(outputs))):
        loss += -np.log(outputs[t][np.argmax(targets[t]), 0] + 1e-12)
        dv = np.copy(outputs[t])
        dv[np.argmax(targets[t])] -= 1
        dW_v += np.dot(dv, h[t + 1].T)
        db_v += dv
        dh = np.dot(W_v.T, dv) + dh_next
        do = dh * np.tanh(C[t]) * o[t] * (1 - o[t])
        dC = dC_next + dh * o[t] * (1 - np.tanh(C[t]) ** 2)
        dg = dC * i[t] * (1 - g[t] ** 2)
        di = dC * g[t] * i[t] * (1 - i[t])
        df = dC * C[t] * f[t] * (1 - f[t])
        dW_f += np.dot(df, z[t].T)
        dW_i += np.dot(di, z[t].T)
        dW_g += np.dot(dg, z[t].T)
        dW_o += np.dot(do, z[t].T)
        db_f += df
        db_i += di
        db_g += dg
        db_o += do
        dz = np.dot(W_f.T, df) + np.dot(W_i.T, di) + np.dot(W_g.T, dg) + np.dot(W_o.T, do)
        dh_next = dz[:hidden_size, :]
        dC_next = dC
    return float(loss), tuple(grads)


def clip_and_update(params, grads, lr=1e-2, max_norm=0.25):
    total_norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    clip_coef = max_norm / (total_norm + 1e-6)
    if clip_coef < 1:
        grads = [g * clip_coef for g in grads]
    return tuple(w - lr * g for w, g in zip(params, grads))
