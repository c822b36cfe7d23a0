"""Your backward against central finite differences: of your own forward when
it is the contract's, else of the contract's forward (fed its caches), so only
backward is judged here."""

from grader.checks.gradcheck import check_gradients
from grader.checks.student import CheckFailed
from grader.credit import record_gradients


def test_backward_matches_own_forward(student, expected, probeset, credit, grading_context):
    probe = probeset.gradcheck
    result = check_gradients(student, expected, probe, seed=probeset.gradcheck_seed)
    record_gradients(grading_context, "gradcheck/backward_matches_own_forward", probe, result.grads)
    credit.award(result.share)
    if result.wrong or result.share < 1.0:
        raise CheckFailed(result.feedback() or "no direction of this probe tests your backward")
    if result.feedback():
        credit.note(result.feedback())
