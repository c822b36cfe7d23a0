"""Your backward against finite differences of your own forward."""

from grader.checks.gradcheck import directional_errors, wrong_directions
from grader.checks.student import CheckFailed


def test_backward_matches_own_forward(student, probeset, credit):
    probe = probeset.gradcheck
    caches = student.forward_checked(probe)
    _, grads = student.backward_checked(probe, caches, source="student")
    errors = directional_errors(student, probe, grads, seed=probeset.gradcheck_seed)
    wrong = wrong_directions(errors)
    credit.award(1.0 - len(wrong) / len(errors))
    if wrong:
        raise CheckFailed("your backward is not the derivative of your own forward for "
                          + ", ".join(f"d{name}" for name in wrong)
                          + " (checked with central finite differences)")
