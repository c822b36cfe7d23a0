"""Localisation says only what the evidence shows (issue 11 item 2).

Each case is the reference solution with one literal patch. The localiser is
run against the reference itself (no bug named), so these cases test the
wording whatever the catalogue names.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from grader.diagnosis import probes as diagnosis_probes
from grader.diagnosis.compare import elementwise_clip_bound
from grader.diagnosis.domains import observe_backward, observe_clip, observe_forward
from grader.diagnosis.localise import localise_backward, localise_clip, localise_forward
from grader.diagnosis.search import explain

sys.path.insert(0, str(Path(__file__).parent))
from mutants import adapter  # noqa: E402

REFERENCE = (Path(__file__).resolve().parents[1] / "solutions" / "lstm.py").read_text()
UPDATE = "    return tuple(param - lr * grad for param, grad in zip(params, grads))"
RETURN_GRADS = "    return loss, grads\n    ### END SOLUTION"


def patched(*patches):
    source = REFERENCE
    for old, new in patches:
        assert old in source, old
        source = source.replace(old, new)
    module = types.ModuleType("patched_reference")
    exec(compile(source, "patched_reference", "exec"), module.__dict__)
    return adapter.in_process_call(module)


def backward_finding(*patches):
    observed = observe_backward(patched(*patches))
    explanation = explain(observed.domain, {})
    probe_T = {p.name: p.T for p in diagnosis_probes.backward_probes()}
    [finding] = localise_backward(explanation.unmatched, observed.domain.student, explanation.model, probe_T, False)
    return finding


def clip_finding(*patches):
    observed = observe_clip(patched(*patches))
    explanation = explain(observed.domain, {})
    descriptions = {p.name: p.description for p in diagnosis_probes.clip_probes()}
    [finding] = localise_clip(explanation.unmatched, observed.domain.student, explanation.model, descriptions, False)
    return finding


@pytest.mark.parametrize("gate, old, new", [
    ("input gate i", "di = dC * g[t] * i[t] * (1.0 - i[t])", "di = 0.5 * dC * g[t] * i[t] * (1.0 - i[t])"),
    ("candidate g", "dg = dC * i[t] * (1.0 - g[t] ** 2)", "dg = dC * i[t] * (1.0 - g[t] ** 2) * 3.0"),
    ("output gate o", "do = dh * tanh_C_t * o[t] * (1.0 - o[t])", "do = dh * tanh_C_t * o[t]"),
])
def test_a_mistake_in_one_gate_names_that_gate_only(gate, old, new):
    finding = backward_finding((old, new))
    letter = gate[-1]
    message = finding.message
    assert f"already with T = 1 (no carry between steps) dW_{letter}, db_{letter} differ" in message
    assert f"the local gradient of the {gate} is wrong" in message
    assert "gate(s)" not in message and "f, i, g, o" not in message
    others = [name for name in ("forget gate f", "input gate i", "candidate g", "output gate o") if name != gate]
    assert f"(the {', '.join(others)} are right)" in message
    assert "dh_next" not in message  # the carries are not blamed
    assert finding.where == "already when T = 1"


def test_a_stray_factor_in_one_gate_is_measured_on_t1():
    finding = backward_finding(("di = dC * g[t] * i[t] * (1.0 - i[t])", "di = 0.5 * dC * g[t] * i[t] * (1.0 - i[t])"))
    assert "With T = 1 every wrong gradient is 0.5 times the expected one" in finding.message


def test_elementwise_clipping_in_backward_is_not_blamed_on_the_carries():
    finding = backward_finding((RETURN_GRADS, "    grads = tuple(np.clip(x, -0.3, 0.3) for x in grads)\n" + RETURN_GRADS))
    assert "cut to +-0.3 (what np.clip does)" in finding.message
    assert "dh_next" not in finding.message and "dC_next" not in finding.message
    assert "carries" not in finding.message.split("(wrong on:")[0]


def test_wrong_output_layer_sums_on_longer_sequences_point_away_from_the_carries():
    """dW_v does not depend on the carries: a sum kept only from the last step
    is wrong only when T >= 2, and the hint must not send the student to dh_next."""
    finding = backward_finding(("dW_v += dv @ h_t.T", "dW_v = dv @ h_t.T"))
    assert finding.where == "only when T >= 2" and finding.wrong == ["dW_v"]
    assert "do not depend on the carries" in finding.message
    assert "dh_next" not in finding.message


def test_biases_that_never_move_are_said_to_never_move():
    finding = clip_finding((UPDATE, "    return tuple(param - lr * grad for param, grad in "
                                    "zip(params[:5], grads[:5])) + tuple(params[5:])"))
    assert finding.unchanged == ["b_f", "b_i", "b_g", "b_o", "b_v"]
    assert "b_f, b_i, b_g, b_o, b_v never move" in finding.message
    assert "the updates of W_f, W_i, W_g, W_o, W_v are right" in finding.message
    assert "all 10" not in finding.message and "updates of b_f" not in finding.message


def test_biases_left_out_of_the_norm_and_the_step():
    finding = clip_finding(
        ("total_norm = np.sqrt(sum(np.sum(grad ** 2) for grad in grads))",
         "total_norm = np.sqrt(sum(np.sum(grad ** 2) for grad in grads[:5]))"),
        (UPDATE, "    return tuple(param - lr * grad for param, grad in zip(params[:5], grads[:5])) + tuple(params[5:])"))
    assert finding.unchanged == ["b_f", "b_i", "b_g", "b_o", "b_v"]
    assert "the updates of W_f, W_i, W_g, W_o, W_v differ" in finding.message
    assert "never move" in finding.message
    assert "point the right way but have the wrong size" in finding.message


def test_an_update_that_changes_nothing_says_nothing_moves():
    finding = clip_finding((UPDATE, "    for param, grad in zip(params, grads):\n        param = param - lr * grad\n"
                                    "    return tuple(params)"))
    assert finding.unchanged == list(finding.wrong) and len(finding.wrong) == 10
    assert "no parameter ever moves" in finding.message
    assert "differ" not in finding.message


def test_elementwise_clip_bound_needs_an_entry_beyond_the_bound():
    import numpy as np

    model = np.array([0.5, -2.0, 0.1])
    assert elementwise_clip_bound([(np.clip(model, -1, 1), model)]) == 1.0
    assert elementwise_clip_bound([(model, model)]) is None  # nothing was cut
    assert elementwise_clip_bound([(model * 0.5, model)]) is None  # a scale, not a cut


def test_forward_says_which_step_goes_wrong_and_that_the_earlier_ones_are_right():
    """The cell state read from C_prev (not the previous step) is right at
    step 0 and wrong from step 1 on."""
    observed = observe_forward(patched(("C = f * C_s[-1] + i * g", "C = f * C_s[0] + i * g")))
    explanation = explain(observed.domain, {})
    order = [p.name for p in diagnosis_probes.forward_probes()]
    [finding] = localise_forward(explanation.unmatched, observed.domain.student, observed.lengths, order, False)
    assert finding.first_step == 1 and finding.wrong[0] == "C_s"
    assert "at step t = 1 (the first step that goes wrong)" in finding.message
    assert "every step before it is right" in finding.message
    assert "z_s, f_s, i_s, g_s" in finding.message.split("while")[1]
