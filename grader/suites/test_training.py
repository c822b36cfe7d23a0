"""The loss-decrease check on the toy corpus a^n b^n EOS."""

from grader.checks.student import CheckFailed, require_no_problems
from grader.checks.training import train_with_student, training_problems


def test_validation_loss_falls(student, probeset, grading_context):
    budget = probeset.training
    run = train_with_student(student, budget)
    grading_context["training"] = run
    if not run.fall() >= budget.required_fall:
        raise CheckFailed(
            f"after {budget.epochs} epochs on the toy corpus the validation loss went from "
            f"{run.validation[0]:.3f} to {run.validation[-1]:.3f} per token; it must fall by at "
            f"least {budget.required_fall:.0%}")
    require_no_problems(training_problems(run))
