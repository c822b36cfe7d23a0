"""The reference ``clip_and_update``: one global norm, the exact coefficient
``max_norm / (total_norm + 1e-6)``, scaling only when it is below 1, and a
plain descent step of size ``lr``.

``clip_and_update`` may update ``params`` and ``grads`` in place (the contract
allows it), so every call gets copies and expectations come from originals.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import deep_copy, make_problem


def _params_and_grads(seed=0, H=4, V=3):
    problem = make_problem(H, V, 1, seed=seed)
    rng = np.random.default_rng(seed + 1)
    grads = tuple(rng.normal(size=p.shape) for p in problem.params)
    return problem.params, grads


def _scaled_to(grads, norm):
    total = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    return tuple(g * (norm / total) for g in grads)


def _update(ref, params, grads, **kwargs):
    """Call on copies; return the updated params as a tuple of arrays."""
    updated = ref.clip_and_update(deep_copy(params), deep_copy(grads), **kwargs)
    assert isinstance(updated, tuple) and len(updated) == 10
    for new, old in zip(updated, params):
        assert np.shape(new) == old.shape
    return updated


def _steps(params, updated):
    return [new - old for new, old in zip(updated, params)]


@pytest.mark.parametrize("norm", [0.01, 0.2, 0.2499])
def test_below_max_norm_the_gradients_are_used_as_they_are(ref, norm):
    params, grads = _params_and_grads()
    grads = _scaled_to(grads, norm)
    updated = _update(ref, params, grads, lr=0.1, max_norm=0.25)
    for new, p, g in zip(updated, params, grads):
        np.testing.assert_allclose(new, p - 0.1 * g, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("norm", [0.3, 5.0, 1e4])
def test_above_max_norm_every_gradient_is_scaled_by_the_exact_coefficient(ref, norm):
    params, grads = _params_and_grads(seed=3)
    grads = _scaled_to(grads, norm)
    max_norm, lr = 0.25, 0.5
    coef = max_norm / (norm + 1e-6)
    updated = _update(ref, params, grads, lr=lr, max_norm=max_norm)
    for new, p, g in zip(updated, params, grads):
        np.testing.assert_allclose(new, p - lr * coef * g, rtol=1e-12, atol=1e-15)
    step_norm = np.sqrt(sum(np.sum(s ** 2) for s in _steps(params, updated)))
    assert step_norm == pytest.approx(lr * max_norm * norm / (norm + 1e-6), rel=1e-10)


def test_the_1e_6_in_the_coefficient_is_there(ref):
    """At tiny norms the +1e-6 changes the coefficient by ~0.1%: visible."""
    params, grads = _params_and_grads(seed=4)
    grads = _scaled_to(grads, 1e-3)
    max_norm = 1e-4
    updated = _update(ref, params, grads, lr=1.0, max_norm=max_norm)
    steps = _steps(params, updated)
    exact = max_norm / (1e-3 + 1e-6)
    without = max_norm / 1e-3
    ratio = np.sum(steps[0] * -grads[0]) / np.sum(grads[0] ** 2)
    assert ratio == pytest.approx(exact, rel=1e-9)
    assert ratio != pytest.approx(without, rel=1e-6)


def test_no_scaling_when_the_coefficient_is_not_below_one(ref):
    """Only clip_coef < 1 scales: here clip_coef is just above 1."""
    params, grads = _params_and_grads(seed=5)
    grads = _scaled_to(grads, 0.5)
    updated = _update(ref, params, grads, lr=1.0, max_norm=0.5 + 1e-6 + 1e-9)
    for new, p, g in zip(updated, params, grads):
        np.testing.assert_allclose(new, p - g, rtol=1e-12, atol=1e-15)


def test_one_global_norm_not_one_per_parameter(ref):
    """A large W_f gradient must shrink the small b_v gradient with it."""
    params, grads = _params_and_grads(seed=6)
    grads = list(_scaled_to(grads, 1e-3))
    grads[0] = np.full_like(grads[0], 10.0)  # dominates the global norm
    total = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    updated = _update(ref, params, tuple(grads), lr=1.0, max_norm=1.0)
    coef = 1.0 / (total + 1e-6)
    np.testing.assert_allclose(updated[9], params[9] - coef * grads[9], rtol=1e-12, atol=1e-18)
    # per-parameter clipping would have left b_v's small gradient untouched
    assert not np.allclose(updated[9], params[9] - grads[9], rtol=1e-6, atol=0)
    # and element-wise clipping (np.clip) would not keep the direction
    step = updated[0] - params[0]
    np.testing.assert_allclose(step, -coef * grads[0], rtol=1e-12)


def test_the_step_is_a_descent_direction(ref):
    problem = make_problem(5, 4, 6, seed=8)
    caches = ref.forward(problem.inputs, problem.h_prev, problem.C_prev, problem.params)
    loss, grads = ref.backward(*caches, problem.targets, problem.params)
    updated = _update(ref, problem.params, grads, lr=1e-3, max_norm=0.25)
    steps = _steps(problem.params, updated)
    assert sum(np.sum(s * g) for s, g in zip(steps, grads)) < 0
    caches = ref.forward(problem.inputs, problem.h_prev, problem.C_prev, updated)
    new_loss, _ = ref.backward(*caches, problem.targets, updated)
    assert new_loss < loss


@pytest.mark.parametrize("norm", [0.1, 3.0])
def test_the_step_scales_with_lr(ref, norm):
    params, grads = _params_and_grads(seed=9)
    grads = _scaled_to(grads, norm)
    small = _steps(params, _update(ref, params, grads, lr=0.01, max_norm=0.25))
    large = _steps(params, _update(ref, params, grads, lr=0.03, max_norm=0.25))
    for s, l in zip(small, large):
        np.testing.assert_allclose(l, 3 * s, rtol=1e-9, atol=1e-16)
    zero = _steps(params, _update(ref, params, grads, lr=0.0, max_norm=0.25))
    assert all(np.all(s == 0) for s in zero)


def test_default_arguments(ref):
    """lr=1e-2 and max_norm=0.25 by default."""
    params, grads = _params_and_grads(seed=10)
    grads = _scaled_to(grads, 2.0)
    default = _update(ref, params, grads)
    explicit = _update(ref, params, grads, lr=1e-2, max_norm=0.25)
    for a, b in zip(default, explicit):
        np.testing.assert_array_equal(a, b)
    coef = 0.25 / (2.0 + 1e-6)
    np.testing.assert_allclose(default[0], params[0] - 1e-2 * coef * grads[0], rtol=1e-12)


def test_the_returned_parameters_are_not_the_gradients(ref):
    params, grads = _params_and_grads(seed=11)
    grads_copy = deep_copy(grads)
    updated = ref.clip_and_update(deep_copy(params), grads_copy, lr=0.1, max_norm=0.25)
    for new in updated:
        for grad in grads_copy:
            assert not np.shares_memory(new, grad)
