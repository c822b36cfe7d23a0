"""The reference ``forward`` against a plain transcription of the equations,
plus the contract's shape, stability and no-side-effect rules."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import assert_same_values, deep_copy, make_problem

from grader.probes import CACHE_NAMES
from grader.probes import one_hot_sequence as one_hot

SHAPES = [(3, 4), (5, 7), (8, 3)]  # (H, V)


def transcription(inputs, h_prev, C_prev, p):
    """The contract's equations, step by step, with W split into its h and x
    columns instead of stacking z (an independent way to write forward)."""
    W_f, W_i, W_g, W_o, W_v, b_f, b_i, b_g, b_o, b_v = p
    H = h_prev.shape[0]

    def gate(W, b, h, x, activation):
        return activation(W[:, :H] @ h + W[:, H:] @ x + b)

    def logistic(a):
        return np.array([[1.0 / (1.0 + math.exp(-value))] for value in a[:, 0]])

    def stable_softmax(a):
        e = np.exp(a - a.max())
        return e / e.sum()

    out = {name: [] for name in CACHE_NAMES}
    out["h_s"].append(h_prev)
    out["C_s"].append(C_prev)
    for t in range(len(inputs)):
        x = np.asarray(inputs[t])
        h, C = out["h_s"][t], out["C_s"][t]
        f = gate(W_f, b_f, h, x, logistic)
        i = gate(W_i, b_i, h, x, logistic)
        g = gate(W_g, b_g, h, x, np.tanh)
        o = gate(W_o, b_o, h, x, logistic)
        C_t = f * C + i * g
        h_t = o * np.tanh(C_t)
        v = W_v @ h_t + b_v
        for name, value in (("z_s", np.concatenate([h, x])), ("f_s", f), ("i_s", i),
                            ("g_s", g), ("C_s", C_t), ("o_s", o), ("h_s", h_t),
                            ("v_s", v), ("output_s", stable_softmax(v))):
            out[name].append(value)
    return tuple(out[name] for name in CACHE_NAMES)


@pytest.mark.parametrize("T", [1, 5])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"H{s[0]}-V{s[1]}")
def test_forward_matches_the_equations(ref, shape, T):
    H, V = shape
    problem = make_problem(H, V, T, seed=H * V + T)
    got = ref.forward(problem.inputs, problem.h_prev, problem.C_prev, problem.params)
    expected = transcription(problem.inputs, problem.h_prev, problem.C_prev, problem.params)

    assert isinstance(got, tuple) and len(got) == 9
    for name, got_list, expected_list in zip(CACHE_NAMES, got, expected):
        length = T + 1 if name in ("C_s", "h_s") else T
        assert len(got_list) == length, f"{name} has length {len(got_list)}, not {length}"
        rows = H + V if name == "z_s" else V if name in ("v_s", "output_s") else H
        for t, (a, b) in enumerate(zip(got_list, expected_list)):
            assert np.shape(a) == (rows, 1), f"{name}[{t}] has shape {np.shape(a)}"
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, err_msg=f"{name}[{t}]")


def test_states_are_indexed_from_the_initial_state(ref):
    problem = make_problem(4, 5, 3, seed=11)
    z, f, i, g, C, o, h, v, y = ref.forward(problem.inputs, problem.h_prev, problem.C_prev, problem.params)
    assert np.array_equal(C[0], problem.C_prev)
    assert np.array_equal(h[0], problem.h_prev)
    H = problem.H
    for t in range(problem.T):
        assert np.array_equal(z[t][:H], h[t]), "z_t must start with h_{t-1} = h_s[t]"
        assert np.array_equal(z[t][H:], problem.inputs[t])
        np.testing.assert_allclose(C[t + 1], f[t] * C[t] + i[t] * g[t], rtol=1e-13)
        np.testing.assert_allclose(h[t + 1], o[t] * np.tanh(C[t + 1]), rtol=1e-13)
        np.testing.assert_allclose(y[t].sum(), 1.0, rtol=1e-13)
    # gates are stored after their activation
    assert all(np.all((0 < a) & (a < 1)) for a in f + i + o)
    assert all(np.all(np.abs(a) < 1) for a in g)


def test_state_carries_over_between_calls(ref):
    """Running a sequence in two halves, passing the states on, is the same
    as running it at once."""
    problem = make_problem(5, 4, 6, seed=5)
    whole = ref.forward(problem.inputs, problem.h_prev, problem.C_prev, problem.params)
    first = ref.forward(problem.inputs[:3], problem.h_prev, problem.C_prev, problem.params)
    second = ref.forward(problem.inputs[3:], first[6][-1], first[4][-1], problem.params)
    for a, b in zip(whole[8], first[8] + second[8]):
        np.testing.assert_allclose(a, b, rtol=1e-13)


def test_inputs_as_a_list_or_an_array(ref):
    problem = make_problem(3, 6, 4, seed=2)
    as_array = ref.forward(problem.inputs, problem.h_prev, problem.C_prev, problem.params)
    as_list = ref.forward(list(problem.inputs), problem.h_prev, problem.C_prev, problem.params)
    for name, a_list, b_list in zip(CACHE_NAMES, as_array, as_list):
        assert len(a_list) == len(b_list)
        for a, b in zip(a_list, b_list):
            assert np.array_equal(a, b), name


def test_softmax_is_stable(ref):
    for logits in ([[1000.0], [999.0], [-1000.0]], [[-1000.0], [-1000.0]], [[1000.0], [1000.0]]):
        y = ref.softmax(np.array(logits))
        assert np.all(np.isfinite(y)) and y.shape == (len(logits), 1)
        assert y.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(ref.softmax(np.array([[1000.0], [1000.0 + np.log(3)]]))[:, 0], [0.25, 0.75])


def test_forward_output_is_finite_for_logits_of_magnitude_1000(ref):
    problem = make_problem(4, 5, 3, seed=9)
    params = list(problem.params)
    params[4] = np.full_like(params[4], 0.0)
    params[4][0, :] = 1000.0 / 4  # |h| < 1, so v_t reaches a few hundred .. 1000
    params[9] = np.array([[1000.0], [-1000.0], [0.0], [500.0], [1000.0]])
    _, _, _, _, _, _, _, v, y = ref.forward(problem.inputs, problem.h_prev, problem.C_prev, tuple(params))
    assert max(np.abs(a).max() for a in v) >= 1000
    for y_t in y:
        assert np.all(np.isfinite(y_t))
        assert y_t.sum() == pytest.approx(1.0, abs=1e-12)


def test_sigmoid_is_stable_and_exact(ref):
    x = np.array([[-1000.0], [-30.0], [0.0], [2.0], [1000.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        s = ref.sigmoid(x)
    np.testing.assert_allclose(s[1:4, 0], [1 / (1 + math.exp(30)), 0.5, 1 / (1 + math.exp(-2))], rtol=1e-14)
    assert s[0, 0] == 0.0 and s[4, 0] == 1.0


def test_forward_does_not_modify_its_arguments(ref):
    problem = make_problem(4, 3, 5, seed=4)
    args = (problem.inputs, problem.h_prev, problem.C_prev, problem.params)
    before = deep_copy(args)
    z, f, i, g, C, o, h, v, y = ref.forward(*args)
    assert_same_values(before, args, "forward's arguments")
    # the cached values are fresh arrays, not views into the inputs or parameters
    for value in z + f + i + g + C[1:] + o + h[1:] + v + y:
        for arg in (problem.inputs, *problem.params):
            assert not np.shares_memory(value, arg)


def test_backward_does_not_modify_its_arguments(ref):
    problem = make_problem(4, 3, 5, seed=4)
    caches = ref.forward(problem.inputs, problem.h_prev, problem.C_prev, problem.params)
    before = deep_copy((caches, problem.targets, problem.params))
    _, grads = ref.backward(*caches, problem.targets, problem.params)
    assert_same_values(before, (caches, problem.targets, problem.params), "backward's arguments")
    assert len(grads) == 10
    for grad, param in zip(grads, problem.params):
        assert grad.shape == param.shape
        for other in (*problem.params, *[a for cache in caches for a in cache]):
            assert not np.shares_memory(grad, other), "a gradient aliases an argument"


def test_one_hot_helpers(ref):
    seqs = [["a", "b", ref.EOS]]
    word_to_idx, idx_to_word = ref.build_vocabulary(seqs)
    assert set(word_to_idx) == {"a", "b", ref.EOS, ref.UNK}
    encoded = ref.one_hot_encode_sequence(["a", "zzz", "b"], word_to_idx)
    expected = one_hot([word_to_idx["a"], word_to_idx[ref.UNK], word_to_idx["b"]], 4)
    assert np.array_equal(encoded, expected)
    inputs, targets = ref.inputs_and_targets(["a", "a", "b", "b", ref.EOS], word_to_idx)
    assert inputs.shape == targets.shape == (4, 4, 1)
    assert np.array_equal(inputs[1:], targets[:-1])
