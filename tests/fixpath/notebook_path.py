"""The course notebook's backward (tests/mutants/notebook_original.py) fixed
one catalogued bug at a time: each step is a literal text patch, the fix a
student would make, in the order the bugs appear in the code.

``states()`` gives the 14 source texts, from the original (13 bugs) to the
fully fixed one, with the bug ids each still contains.
"""

from __future__ import annotations

from pathlib import Path

NOTEBOOK = Path(__file__).resolve().parent.parent / "mutants" / "notebook_original.py"

# (catalogue id, text in the notebook, the fixed text)
FIXES = (
    ("backward/loss-averaged", "loss += -np.mean(np.log(outputs[t]) * targets[t])",
     "loss += -np.sum(np.log(outputs[t]) * targets[t])"),
    ("backward/loss-no-epsilon", "np.log(outputs[t])", "np.log(outputs[t] + 1e-12)"),
    ("backward/previous-cell-index", "C_prev = C[t - 1]", "C_prev = C[t]"),
    ("backward/hidden-state-off-by-one", "W_v_d += np.dot(dv, h[t].T)", "W_v_d += np.dot(dv, h[t + 1].T)"),
    ("backward/cell-state-off-by-one", "tanh(C[t])", "tanh(C[t + 1])"),
    ("backward/output-gate-derivative-of-output", "sigmoid(o[t], derivative=True) * do", "o[t] * (1 - o[t]) * do"),
    ("backward/tanh-applied-twice", "tanh(tanh(C[t + 1]), derivative=True)", "tanh(C[t + 1], derivative=True)"),
    ("backward/candidate-derivative-of-output", "tanh(g[t], derivative=True) * dg", "(1 - g[t] ** 2) * dg"),
    ("backward/input-gate-derivative-of-output", "sigmoid(i[t], True) * di", "i[t] * (1 - i[t]) * di"),
    ("backward/forget-gate-no-derivative", "df = sigmoid(f[t]) * df", "df = f[t] * (1 - f[t]) * df"),
    ("backward/no-hidden-carry", "dh_prev = dz[:hidden_size, :]", "dh_next = dz[:hidden_size, :]"),
    ("backward/no-cell-carry", "dC_prev = f[t] * dC", "dC_next = f[t] * dC"),
    ("backward/gradients-clipped", "grads = clip_gradient_norm(grads)\n    return loss, grads",
     "return loss, grads"),
)


def states() -> list[tuple[str, set[str]]]:
    """``(source, ids still in it)`` for the original and after each fix."""
    source = NOTEBOOK.read_text()
    remaining = {bug_id for bug_id, _, _ in FIXES}
    result = [(source, set(remaining))]
    for bug_id, old, new in FIXES:
        if old not in source:
            raise ValueError(f"the fix for {bug_id} does not apply: {old!r} not found")
        source = source.replace(old, new)
        remaining.discard(bug_id)
        result.append((source, set(remaining)))
    return result
