"""clip_and_update: each case is built so that one rule of the contract decides it."""

from grader.checks.clipping import defaults_problem
from grader.checks.student import CheckFailed, clip_and_update_result
from grader.checks.values import compare_gradients

DEFAULTS = {"lr": 1e-2, "max_norm": 0.25}
RULES = {
    "clips_above_max_norm": "when the global norm exceeds max_norm, every gradient is scaled by "
                            "max_norm / (total_norm + 1e-6)",
    "keeps_gradients_below_max_norm": "when the global norm is below max_norm, the gradients are "
                                      "used as they are",
    "uses_one_global_norm": "the norm is ONE norm over all 10 gradients together, not one per parameter",
    "scales_with_lr": "the step is params - lr * grads (plain gradient descent, scaled by lr)",
}


def test_clip_and_update(clip_case, student, expected, probeset):
    case = probeset.clip_cases[clip_case]
    result = clip_and_update_result(student, case)
    if not case.kwargs:  # the defaults: decided by that rule alone, whatever the clipping does
        message = defaults_problem(student, case, DEFAULTS, result)
        if message:
            raise CheckFailed(message)
        return
    want = expected.clip_and_update(case.params, case.grads, **{**DEFAULTS, **case.kwargs})
    _, message = compare_gradients(result, want)
    if message:
        raise CheckFailed(f"the returned parameters are wrong: {RULES[clip_case]}")
