"""The training check's loop, run inside the student's process in one request.

Why here: training makes ~270 calls of the student's functions; as one round
trip each they cost ~3 ms apiece, ten times the arithmetic. So the grader
sends the whole schedule once (``op: train``) and this loop calls forward,
backward and clip_and_update next to the student's code, passing each call
fresh copies as the wire would, and sends back a record: every loss, every
gradient and every updated parameter set.

The record is the word of the student's process, nothing more: the grader
verifies it (the parameter chain, every update a descent step along the
recorded gradients, replays of chosen steps) before it earns anything; see
grader/checks/training.py.

The loop only follows the plain path: float64 arrays of the published shapes
in lists and tuples. At the first call that raises or returns anything else it
stops and says at which step; the grader then runs the training call by call,
which words every problem exactly as the other checks do.

Standalone like child.py (stdlib + NumPy): copied into the runner dir.
"""

import numpy as np


def run(call, request):
    """Every run of ``request["runs"]``, each ``{"params": P, "order": [i, ...]}``:
    start from P, take one step per sequence index. ``call(name, args, kwargs)``
    is the child's call (a reply dict, never raises)."""
    inputs, targets = request["inputs"], request["targets"]
    hidden, vocab = request["hidden"], request["vocab"]
    lr, max_norm = request["lr"], request["max_norm"]
    return {"runs": [one_run(call, inputs, targets, hidden, vocab, lr, max_norm, r["params"], r["order"])
                     for r in request["runs"]]}


def one_run(call, inputs, targets, hidden, vocab, lr, max_norm, params, order):
    shapes = [p.shape for p in params]
    size = sum(p.size for p in params)
    losses = np.zeros(len(order))
    grads_seen = np.zeros((len(order), size))
    params_seen = np.zeros((len(order), size))
    for step, index in enumerate(order):
        x, y = inputs[index], targets[index]
        caches = result_of(call("forward", (x.copy(), np.zeros((hidden, 1)), np.zeros((hidden, 1)),
                                            copied(params)), {}))
        if not forward_ok(caches, len(x), hidden, vocab):
            return stopped(step, "forward")
        result = result_of(call("backward", (*copied(caches), y.copy(), copied(params)), {}))
        if not (plain_sequence(result) and len(result) == 2 and loss_ok(result[0])
                and params_ok(result[1], shapes)):
            return stopped(step, "backward")
        loss, grads = result
        losses[step] = float(loss)
        grads_seen[step] = flat(grads)
        updated = result_of(call("clip_and_update", (copied(params), copied(grads)),
                                 {"lr": lr, "max_norm": max_norm}))
        if not params_ok(updated, shapes):
            return stopped(step, "clip_and_update")
        params = copied(updated)
        params_seen[step] = flat(params)
    return {"losses": losses, "grads": grads_seen, "params": params_seen, "stopped": None}


def stopped(step, function):
    return {"stopped": step, "function": function}


def result_of(reply):
    return reply["value"] if reply.get("ok") else None


def copied(value):
    """What the wire would hand the next call: fresh arrays, same containers.
    ``value``: a list or tuple of arrays, or of lists or tuples of arrays (what
    the checks above let through)."""
    items = [v.copy() if type(v) is np.ndarray else _copied_sequence(v) for v in value]
    return items if type(value) is list else tuple(items)


def _copied_sequence(value):
    items = [a.copy() for a in value]
    return items if type(value) is list else tuple(items)


def flat(arrays):
    return np.concatenate([a.reshape(-1) for a in arrays])


def plain_sequence(value):
    return type(value) is tuple or type(value) is list


def array_ok(value, shape):
    """A float64 array of ``shape`` (finiteness: all_finite, once for all of a value's arrays)."""
    return type(value) is np.ndarray and value.dtype == np.float64 and value.shape == shape


def all_finite(arrays):
    """One NumPy pass over all ``arrays`` instead of one per array (a forward returns ~70)."""
    return not arrays or bool(np.isfinite(np.concatenate([a.reshape(-1) for a in arrays])).all())


def params_ok(values, shapes):
    return (plain_sequence(values) and len(values) == len(shapes)
            and all(array_ok(v, s) for v, s in zip(values, shapes)) and all_finite(values))


def loss_ok(loss):
    """A plain finite number (what the grader's structure check accepts, and no more)."""
    return (type(loss) is float or type(loss) is np.float64) and bool(np.isfinite(loss))


def forward_ok(caches, T, H, V):
    if not (plain_sequence(caches) and len(caches) == 9):
        return False
    shapes = [(H + V, 1)] + [(H, 1)] * 6 + [(V, 1), (V, 1)]
    lengths = [T, T, T, T, T + 1, T, T + 1, T, T]
    return (all(plain_sequence(items) and len(items) == n and all(array_ok(a, s) for a in items)
                for items, n, s in zip(caches, lengths, shapes))
            and all_finite([a for items in caches for a in items]))
