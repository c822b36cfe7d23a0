"""Hostile: no LSTM at all. backward records the reference forward caches it
is handed for each probe (in memory and in a file in its working folder) and
returns zero gradients; forward answers the same probes by replaying them,
and zeros of the right shapes otherwise.

On a grader that scores forward in the process that saw those caches, forward
earns the points of the reference.
"""

import os

import numpy as np

_SEEN = {}
_FOLDER = os.path.join(os.getcwd(), "replayed_caches")


def _key(h_prev, C_prev, W_f):
    return "%016x" % (hash((np.asarray(h_prev).tobytes(), np.asarray(C_prev).tobytes(),
                            np.asarray(W_f).tobytes())) & (2**64 - 1))


def backward(z, f, i, g, C, o, h, v, outputs, targets, p):
    caches = [list(z), list(f), list(i), list(g), list(C), list(o), list(h), list(v), list(outputs)]
    key = _key(h[0], C[0], p[0])
    _SEEN[key] = caches
    try:
        os.makedirs(_FOLDER, exist_ok=True)
        arrays = {f"{n}_{t}": a for n, items in enumerate(caches) for t, a in enumerate(items)}
        np.savez(os.path.join(_FOLDER, key + ".npz"), **arrays)
    except OSError:
        pass
    return 0.0, tuple(np.zeros_like(w) for w in p)


def _from_file(key):
    path = os.path.join(_FOLDER, key + ".npz")
    if not os.path.exists(path):
        return None
    data = np.load(path)
    caches = [[] for _ in range(9)]
    for name in sorted(data.files, key=lambda s: tuple(int(x) for x in s.split("_"))):
        n, _ = name.split("_")
        caches[int(n)].append(data[name])
    return caches


def forward(inputs, h_prev, C_prev, p):
    key = _key(h_prev, C_prev, p[0])
    caches = _SEEN.get(key) or _from_file(key)
    if caches is not None:
        return tuple(caches)
    T, H, V = len(inputs), h_prev.shape[0], p[4].shape[0]
    column = lambda n: np.zeros((n, 1))  # noqa: E731
    return ([column(H + V) for _ in range(T)], *[[column(H) for _ in range(T)] for _ in range(3)],
            [column(H) for _ in range(T + 1)], [column(H) for _ in range(T)], [column(H) for _ in range(T + 1)],
            [column(V) for _ in range(T)], [np.full((V, 1), 1.0 / V) for _ in range(T)])


def clip_and_update(params, grads, lr=1e-2, max_norm=0.25):
    return tuple(params)
