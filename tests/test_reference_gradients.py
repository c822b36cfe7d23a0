"""The reference ``backward`` against central finite differences.

Every one of the 10 gradients, on several shapes, for T = 1 and T = 6, with
non-zero initial states and biases. The error is measured per parameter with
the norm-based relative error ``|a - n| / (|a| + |n|)``: CS231n's element-wise
maximum flags correct full-sequence LSTM gradients, because entries that are
nearly zero are pure rounding noise. The finite differences differentiate the
contract's loss, computed here directly from the equations (not with the
reference ``forward``), so this also checks that ``backward`` differentiates
the right function.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

from conftest import make_problem

from grader.probes import PARAM_NAMES

EPS = 1e-5
TOLERANCE = 1e-6
SHAPES = [(3, 4), (5, 7), (8, 3)]  # (H, V)
LENGTHS = [1, 6]


def direct_loss(problem, params, epsilon=0.0):
    """``sum_t -ln(y_t[k_t] + epsilon)``, straight from the equations."""
    W_f, W_i, W_g, W_o, W_v, b_f, b_i, b_g, b_o, b_v = params
    h, C = problem.h_prev, problem.C_prev
    loss = 0.0
    for x, target in zip(problem.inputs, problem.targets):
        z = np.concatenate([h, x])
        f = 1.0 / (1.0 + np.exp(-(W_f @ z + b_f)))
        i = 1.0 / (1.0 + np.exp(-(W_i @ z + b_i)))
        g = np.tanh(W_g @ z + b_g)
        o = 1.0 / (1.0 + np.exp(-(W_o @ z + b_o)))
        C = f * C + i * g
        h = o * np.tanh(C)
        v = W_v @ h + b_v
        # log-softmax at the target index
        log_y = v - (v.max() + np.log(np.sum(np.exp(v - v.max()))))
        k = int(np.flatnonzero(target)[0])
        loss += -np.log(np.exp(log_y[k, 0]) + epsilon)
    return loss


def numerical_gradient(problem, index):
    """Central differences of ``direct_loss`` with respect to ``params[index]``."""
    params = [p.copy() for p in problem.params]
    target = params[index]
    grad = np.zeros_like(target)
    for position in np.ndindex(target.shape):
        saved = target[position]
        target[position] = saved + EPS
        plus = direct_loss(problem, params)
        target[position] = saved - EPS
        minus = direct_loss(problem, params)
        target[position] = saved
        grad[position] = (plus - minus) / (2 * EPS)
    return grad


def relative_error(analytic, numeric):
    """Per-parameter, norm-based: ``|a - n| / (|a| + |n|)`` (0 if both are 0)."""
    denominator = np.linalg.norm(analytic) + np.linalg.norm(numeric)
    return 0.0 if denominator == 0 else float(np.linalg.norm(analytic - numeric) / denominator)


@functools.lru_cache(maxsize=None)
def _checked_case(H, V, T):
    """The problem, the reference's (loss, grads), and all 10 numerical grads."""
    from grader.solutions import lstm as ref

    problem = make_problem(H, V, T, seed=100 * H + 10 * V + T)
    caches = ref.forward(problem.inputs, problem.h_prev, problem.C_prev, problem.params)
    loss, grads = ref.backward(*caches, problem.targets, problem.params)
    numeric = tuple(numerical_gradient(problem, k) for k in range(10))
    return problem, loss, grads, numeric


@pytest.mark.parametrize("name", PARAM_NAMES)
@pytest.mark.parametrize("T", LENGTHS, ids=lambda T: f"T{T}")
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"H{s[0]}-V{s[1]}")
def test_gradient_matches_finite_differences(shape, T, name, gradcheck_record, request, record_property):
    H, V = shape
    _, _, grads, numeric = _checked_case(H, V, T)
    k = PARAM_NAMES.index(name)
    assert grads[k].shape == numeric[k].shape
    assert np.linalg.norm(numeric[k]) > 1e-8, "degenerate probe: the gradient is zero"
    error = relative_error(grads[k], numeric[k])
    gradcheck_record.append((request.node.callspec.id, name, error))
    record_property("relative_error", error)
    print(f"d loss / d {name} (H={H}, V={V}, T={T}): relative error {error:.2e}")
    assert error < TOLERANCE, f"d loss / d {name}: relative error {error:.2e} >= {TOLERANCE:g}"


@pytest.mark.parametrize("T", LENGTHS, ids=lambda T: f"T{T}")
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"H{s[0]}-V{s[1]}")
def test_loss_is_the_summed_cross_entropy(ref, shape, T):
    H, V = shape
    problem = make_problem(H, V, T, seed=7 + T)
    caches = ref.forward(problem.inputs, problem.h_prev, problem.C_prev, problem.params)
    loss, _ = ref.backward(*caches, problem.targets, problem.params)
    assert np.ndim(loss) == 0
    expected = direct_loss(problem, problem.params, epsilon=1e-12)
    assert float(loss) == pytest.approx(expected, rel=1e-12, abs=1e-12)
    if T > 1:  # summed over time, not averaged
        assert float(loss) != pytest.approx(expected / T, rel=1e-3)


def test_loss_stays_finite_when_a_probability_underflows(ref):
    """With the 1e-12 the loss is large but finite when y_t[k_t] is 0."""
    problem = make_problem(3, 4, 2, seed=3)
    params = list(problem.params)
    k = int(np.flatnonzero(problem.targets[0])[0])
    params[9] = np.zeros((4, 1))
    params[9][k] = -1e4  # the target's probability underflows to exactly 0
    caches = ref.forward(problem.inputs, problem.h_prev, problem.C_prev, tuple(params))
    assert caches[8][0][k, 0] == 0.0
    loss, grads = ref.backward(*caches, problem.targets, tuple(params))
    assert np.isfinite(loss) and loss > -np.log(1e-12) - 1e-6
    assert all(np.all(np.isfinite(g)) for g in grads)


def test_the_check_catches_a_wrong_gradient(ref):
    """Negative control: gradients taken at the wrong initial state (zeros
    instead of the real h_prev, C_prev) must fail the same check."""
    problem, _, _, numeric = _checked_case(5, 7, 6)
    zeros = np.zeros_like(problem.h_prev)
    caches = ref.forward(problem.inputs, zeros, zeros, problem.params)
    _, wrong = ref.backward(*caches, problem.targets, problem.params)
    errors = {name: relative_error(w, n) for name, w, n in zip(PARAM_NAMES, wrong, numeric)}
    assert max(errors.values()) > 1e-3, errors


def test_the_metric_ignores_rounding_noise_but_not_a_bug():
    """The norm-based error is small for tiny element-wise noise on near-zero
    entries (where CS231n's element-wise max would be ~1) and large for a
    wrong factor."""
    rng = np.random.default_rng(0)
    exact = rng.normal(size=(6, 6))
    exact[0, 0] = 1e-12
    noisy = exact.copy()
    noisy[0, 0] = -1e-12  # element-wise relative error 1.0
    assert relative_error(noisy, exact) < 1e-11
    assert relative_error(0.5 * exact, exact) > 0.3
