"""The gradient check judges backward only, and earns nothing where it is
degenerate (issue 11 item 4, issue 9 item 2).

In-process fakes of the student (plain functions behind StudentCalls) test the
rule; tests/hostile/diagscore_*.py go through the real sandbox and suite.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest

from grader.checks.expected import LiveReference
from grader.checks.gradcheck import check_gradients
from grader.checks.student import StudentCalls
from grader.grading import GradingOptions, grade
from grader.probes import make_probe
from grader.sandbox import Limits
from grader.sandbox.outcome import CallOutcome, StudentError
from grader.solutions import lstm as reference

sys.path.insert(0, str(Path(__file__).parent))
from mutants import adapter  # noqa: E402

HOSTILE = Path(__file__).parent / "hostile"
PROBE = make_probe("gradcheck-test", T=3, H=3, V=4, seed=77)
STRUCTURE = {"contract/forward_structure", "contract/backward_structure", "contract/clip_and_update_structure"}


def student_of(**functions):
    """StudentCalls over in-process functions (reference ones by default)."""
    table = {"forward": reference.forward, "backward": reference.backward,
             "clip_and_update": reference.clip_and_update, **functions}

    def call(name, *args, **kwargs):
        try:
            return CallOutcome(value=table[name](*args, **kwargs))
        except Exception as error:  # noqa: BLE001 - the student's exception is data
            return CallOutcome(error=StudentError("exception", f"{type(error).__name__}: {error}"))
    return StudentCalls(call)


def forward_without_tanh_on_h(inputs, h_prev, C_prev, p):
    z, f, i, g, C, o, h, v, y = reference.forward(inputs, h_prev, C_prev, p)
    W_v, b_v = p[4], p[9]
    h = [h[0]] + [o_t * C_t for o_t, C_t in zip(o, C[1:])]
    v = [W_v @ h_t + b_v for h_t in h[1:]]
    y = [np.exp(v_t - v_t.max()) / np.exp(v_t - v_t.max()).sum() for v_t in v]
    return z, f, i, g, C, o, h, v, y


def test_the_reference_is_checked_against_its_own_forward():
    result = check_gradients(student_of(), LiveReference(), PROBE, seed=5)
    assert result.share == 1.0 and result.wrong == [] and result.against_own_forward
    assert result.feedback() == ""


def test_a_forward_bug_is_not_charged_to_a_correct_backward():
    result = check_gradients(student_of(forward=forward_without_tanh_on_h), LiveReference(), PROBE, seed=5)
    assert result.share == 1.0 and result.wrong == []
    assert not result.against_own_forward and result.caches_from == "reference"
    assert "contract's forward" in result.feedback() and "costs nothing" in result.feedback()


def test_a_wrong_backward_still_fails_when_the_forward_is_wrong_too():
    def zero_dW_f(*args):
        loss, grads = reference.backward(*args)
        return loss, (np.zeros_like(grads[0]), *grads[1:])
    result = check_gradients(student_of(forward=forward_without_tanh_on_h, backward=zero_dW_f),
                             LiveReference(), PROBE, seed=5)
    assert result.wrong == ["W_f"] and result.share == pytest.approx(0.9)
    assert "wrong for dW_f" in result.feedback()


def test_an_inconsistent_pair_on_a_contract_forward_is_still_caught():
    def halved(*args):
        loss, grads = reference.backward(*args)
        return loss, tuple(g / 2 for g in grads)
    result = check_gradients(student_of(backward=halved), LiveReference(), PROBE, seed=5)
    assert result.against_own_forward and result.share == 0.0
    assert "not the derivative of your own forward" in result.feedback()


def test_a_forward_right_on_the_probe_but_constant_elsewhere_earns_nothing():
    """Replayed caches: right on the probe, blind to nudged parameters. Its
    finite differences are zero, like the zero gradients; neither counts."""
    def replaying(inputs, h_prev, C_prev, p):
        return reference.forward(PROBE.inputs, PROBE.h_prev, PROBE.C_prev, PROBE.params)

    def zeros(*args):
        return 0.0, tuple(np.zeros_like(w) for w in args[-1])
    result = check_gradients(student_of(forward=replaying, backward=zeros), LiveReference(), PROBE, seed=5)
    assert result.share == 0.0 and not result.against_own_forward
    assert "does not change like the contract's" in result.reason


def test_a_direction_that_tests_nothing_earns_nothing():
    """With W_v = 0 the logits do not depend on h, so the loss is flat along
    every gate parameter: those directions are left out, and zero gradients
    earn nothing for them (nor for W_v, b_v, where the loss does move)."""
    params = (*PROBE.params[:4], np.zeros_like(PROBE.params[4]), *PROBE.params[5:])
    flat_probe = dataclasses.replace(PROBE, name="gradcheck-flat", params=params)

    def zeros(*args):
        return 0.0, tuple(np.zeros_like(w) for w in args[-1])
    result = check_gradients(student_of(backward=zeros), LiveReference(), flat_probe, seed=5)
    assert set(result.flat) == {"W_f", "W_i", "W_g", "W_o", "b_f", "b_i", "b_g", "b_o"}
    assert result.share == 0.0  # W_v and b_v do move the loss: zeros are wrong there


FAST = GradingOptions(limits=Limits(call_timeout=2.0, total_timeout=60.0))


@pytest.mark.parametrize("name", ["diagscore_zeros.py", "diagscore_constant_forward.py"])
def test_degenerate_submissions_score_at_most_the_structure_points(name):
    report = grade(HOSTILE / name, FAST)
    structure = sum(t.max_score for t in report.tests if t.name in STRUCTURE)
    assert report.score <= structure, [(t.name, t.score) for t in report.tests if t.score]
    gradcheck = next(t for t in report.tests if t.name == "gradcheck/backward_matches_own_forward")
    assert gradcheck.score == 0 and "contract's forward" in gradcheck.feedback


@pytest.mark.parametrize("mutant", ["single_forward__hidden_missing_tanh.py", "single_forward__concat_order.py",
                                    "single_forward__initial_state_not_stored.py"])
def test_forward_bugs_cost_no_gradient_check_points_on_the_hidden_suite(mutant):
    """The hidden suite in-process on the catalogue's forward mutants (their
    backward is right): full gradient-check points, and feedback saying why."""
    from grader.plugin import GradingPlugin
    from grader.runner import run_suite
    from grader.suites.hidden_probes import PROBESET

    call = adapter.in_process_call(adapter.load_mutant(Path(__file__).parent / "mutants" / mutant))
    plugin = run_suite(GradingPlugin(StudentCalls(call), LiveReference(), PROBESET))
    [check] = [o for o in plugin.outcomes if o.name == "gradcheck/backward_matches_own_forward"]
    assert check.passed and check.credit == 1.0
    assert "contract's forward" in check.feedback and "costs nothing here" in check.feedback
    assert not all(o.passed for o in plugin.outcomes if o.name.startswith("forward/"))
