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
