"""The diagnosis engine's parts: error model, probes, comparison, failures."""

from __future__ import annotations

import numpy as np
import pytest

from grader.diagnosis import diagnose
from grader.diagnosis.compare import relative_error
from grader.diagnosis.error_model import (backward_model, clip_model, forward_model, global_norm, naive_softmax)
from grader.diagnosis.probes import backward_probes, clip_probes, forward_probes
from grader.sandbox.outcome import CallOutcome, StudentError
from grader.solutions import lstm as reference


def reference_call(name, *args, **kwargs):
    return CallOutcome(value=getattr(reference, name)(*args, **kwargs))


def test_error_model_without_switches_is_the_reference():
    for probe in forward_probes():
        p = probe.probe
        expected = reference.forward(p.inputs, p.h_prev, p.C_prev, p.params)
        for got, want in zip(forward_model(p.inputs, p.h_prev, p.C_prev, p.params, {}), expected):
            assert all(relative_error(a, b) < 1e-14 for a, b in zip(got, want))
    for probe in backward_probes():
        loss, grads = backward_model(probe.caches, probe.probe.targets, probe.probe.params, {})
        ref_loss, ref_grads = reference.backward(*probe.caches, probe.probe.targets, probe.probe.params)
        assert relative_error(loss, ref_loss) < 1e-14
        assert all(relative_error(a, b) < 1e-12 for a, b in zip(grads, ref_grads))
    for probe in clip_probes():
        got = clip_model(probe.params, probe.grads, probe.lr, probe.max_norm, {})
        want = reference.clip_and_update(probe.params, probe.grads, probe.lr, probe.max_norm)
        assert all(relative_error(a, b) < 1e-14 for a, b in zip(got, want))


def test_probes_do_what_their_docstring_says():
    large = forward_probes()[2].probe
    logits = reference.forward(large.inputs, large.h_prev, large.C_prev, large.params)[7]
    assert any(np.isnan(naive_softmax(v)).any() for v in logits)
    by_name = {probe.name: probe for probe in backward_probes()}
    underflow = by_name["backward probability 0"]
    assert all(y[np.argmax(t), 0] == 0.0 for y, t in zip(underflow.caches[-1], underflow.probe.targets))
    small = by_name["backward small gradient"]
    assert global_norm(reference.backward(*small.caches, small.probe.targets, small.probe.params)[1]) < 0.25
    assert by_name["backward H != V"].probe.H != by_name["backward H != V"].probe.V
    norms = [(global_norm(p.grads), p.max_norm) for p in clip_probes()]
    assert any(n < m for n, m in norms) and any(n > m for n, m in norms)


def test_relative_error():
    a = np.array([[1.0], [2.0]])
    assert relative_error(a, a) == 0.0
    assert relative_error(a, 2 * a) == pytest.approx(1 / 3)
    assert relative_error(a, 2 * a, scale_free=True) < 1e-15
    assert relative_error(a, -a, scale_free=True) == pytest.approx(1.0)
    assert relative_error(np.zeros(2), np.zeros(2)) == 0.0
    assert relative_error(np.array([np.nan, 1.0]), np.array([np.inf, 1.0])) == 0.0
    assert relative_error(np.array([np.nan, 1.0]), np.array([1.0, 1.0])) == 1.0
    assert relative_error(a, np.ones(3)) == 1.0
    assert relative_error("text", a) == 1.0


def test_the_reference_is_diagnosed_correct():
    diagnosis = diagnose(reference_call)
    assert diagnosis.bugs == [] and diagnosis.unexplained == []
    assert all(diagnosis.functions_ok.values())
    assert diagnosis.calls == 12


def test_failing_function_is_not_diagnosed():
    def call(name, *args):
        if name == "backward":
            return CallOutcome(error=StudentError("not-implemented", "NotImplementedError"))
        return reference_call(name, *args)

    diagnosis = diagnose(call)
    assert diagnosis.bugs == []
    assert diagnosis.functions_ok == {"forward": True, "backward": False, "clip_and_update": True}
    assert "backward" in diagnosis.undiagnosed
    assert [f.function for f in diagnosis.unexplained] == ["backward"]
    assert "could not be diagnosed" in diagnosis.unexplained[0].message


def test_garbage_values_are_failures_not_bugs():
    def call(name, *args):
        if name == "forward":
            return CallOutcome(value=("not", "nine", "lists"))
        if name == "clip_and_update":
            return CallOutcome(value=None)
        return reference_call(name, *args)

    diagnosis = diagnose(call)
    assert diagnosis.bugs == []
    assert set(diagnosis.undiagnosed) == {"forward", "clip_and_update"}
    assert diagnosis.functions_ok["backward"]


def test_partial_failure_still_diagnoses_the_other_probes():
    def call(name, *args):
        if name == "forward" and isinstance(args[0], list):
            return CallOutcome(error=StudentError("exception", "AttributeError: 'list' object has no attribute 'shape'"))
        return reference_call(name, *args)

    diagnosis = diagnose(call)
    assert diagnosis.bugs == []
    assert diagnosis.functions_ok["forward"] is False
    assert "forward" not in diagnosis.undiagnosed
    (finding,) = diagnosis.unexplained
    assert "forward list input" in finding.message and "other probes were diagnosed" in finding.message


# ---------------------------------------------------------------- issue 11: the new switches

from grader.diagnosis.domains import clipped_value_by_value, inferred_parameter_norm  # noqa: E402
from grader.diagnosis.error_model import BUG_OF, SWITCHES, clip_in_backward, loss_model  # noqa: E402


def test_every_variant_changes_the_model_on_some_probe():
    """A variant that gives the reference's values could never be named (or would be named falsely)."""
    for (switch, value), bug_id in BUG_OF.items():
        if switch == "clip":
            continue  # needs a threshold: see test_clipping_in_backward
        assert any(relative_error(a, b) > 1e-3 for a, b in model_pairs(switch, value)), (switch, value, bug_id)


def model_pairs(switch, value):
    """(with the variant, without it) for every output of every probe."""
    if switch in SWITCHES["forward"]:
        for probe in (p.probe for p in forward_probes()):
            args = (probe.inputs, probe.h_prev, probe.C_prev, probe.params)
            with np.errstate(all="ignore"):
                for got, want in zip(forward_model(*args, {switch: value}), forward_model(*args, {})):
                    yield from zip(got, want)
    elif switch in SWITCHES["backward"]:
        for probe in backward_probes():
            args = (probe.caches, probe.probe.targets, probe.probe.params)
            try:
                loss, grads = backward_model(*args, {switch: value})
            except ValueError:  # dz[H:] cannot run when H != V
                continue
            want_loss, want_grads = backward_model(*args, {})
            yield from ((loss, want_loss), *zip(grads, want_grads))
    else:
        for probe in clip_probes():
            args = (probe.params, probe.grads, probe.lr, probe.max_norm)
            yield from zip(clip_model(*args, {switch: value}), clip_model(*args, {}))


def test_clipping_in_backward():
    grads = (np.array([[3.0, -4.0]]), np.array([[0.1]]))
    by_value = clip_in_backward(grads, "elementwise", 1.0)
    assert by_value[0].tolist() == [[1.0, -1.0]] and by_value[1].tolist() == [[0.1]]
    per_parameter = clip_in_backward(grads, "per-parameter", (1.0, 0.0))
    assert np.allclose(per_parameter[0], [[0.6, -0.8]]) and per_parameter[1].tolist() == [[0.1]]
    assert np.isclose(global_norm(clip_in_backward(grads, "clipped", 1.0)), 1.0, rtol=1e-5)


def test_value_clipping_is_read_off_ties_only():
    probe = backward_probes()[3]
    _, grads = reference.backward(*probe.caches, probe.probe.targets, probe.probe.params)
    names = ("dW_f", "dW_i", "dW_g", "dW_o", "dW_v", "db_f", "db_i", "db_g", "db_o", "db_v")
    assert not clipped_value_by_value({(probe.name, name): g for name, g in zip(names, grads)})
    clipped = {(probe.name, name): np.clip(g, -5, 5) for name, g in zip(("dW_f", "dW_i", "dW_g"), grads)}
    assert clipped_value_by_value(clipped)


def test_per_parameter_bound_and_epsilon_are_recovered():
    probe = backward_probes()[1]
    _, grads = reference.backward(*probe.caches, probe.probe.targets, probe.probe.params)
    names = ("dW_f", "dW_i", "dW_g", "dW_o", "dW_v", "db_f", "db_i", "db_g", "db_o", "db_v")
    for eps in (1e-6, 0.0):
        student = {(probe.name, n): g * min(1.0, 0.3 / (np.linalg.norm(g) + eps)) for n, g in zip(names, grads)}
        bound, found_eps = inferred_parameter_norm({probe.name: grads}, student)
        assert found_eps == eps and abs(bound - 0.3) < 1e-9


def test_squared_error_loss():
    y = [np.array([[0.5], [0.5]])]
    target = np.array([[[1.0], [0.0]]])
    assert loss_model(y, target, {"loss_kind": "squared-error"}) == pytest.approx(0.5)
    assert loss_model(y, target, {"loss_kind": "mean-squared-error"}) == pytest.approx(0.25)
    assert loss_model(y, target, {"loss_kind": "half-squared-error"}) == pytest.approx(0.25)


def test_update_that_moves_nothing_or_only_weights():
    probe = clip_probes()[0]
    unchanged = clip_model(probe.params, probe.grads, probe.lr, probe.max_norm, {"step": "none"})
    assert all(a is b for a, b in zip(unchanged, probe.params))
    weights_only = clip_model(probe.params, probe.grads, probe.lr, probe.max_norm, {"step": "weights-only"})
    reference_step = reference.clip_and_update(probe.params, probe.grads, probe.lr, probe.max_norm)
    assert all(np.allclose(a, b) for a, b in zip(weights_only[:5], reference_step[:5]))
    assert all(a is b for a, b in zip(weights_only[5:], probe.params[5:]))
