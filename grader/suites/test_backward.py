"""backward against the reference, fed the REFERENCE forward caches so a
forward bug never cascades into backward failures."""

from grader.checks.student import CheckFailed
from grader.credit import record_gradients
from grader.checks.values import compare_gradients, compare_loss


def test_loss(student, expected, probeset):
    probe = probeset.contract
    loss, _ = student.backward_checked(probe, expected.forward(probe))
    message = compare_loss(loss, expected.backward(probe)[0])
    if message:
        raise CheckFailed(message)


def test_loss_with_a_vanishing_probability(student, expected, probeset):
    probe = probeset.large_logits
    loss, _ = student.backward_checked(probe, expected.forward(probe))
    message = compare_loss(loss, expected.backward(probe)[0])
    if message:
        raise CheckFailed(message + "; here one target has probability exactly 0")


def test_gradients(sequence_case, student, expected, probeset, credit, grading_context):
    probe = probeset.sequences[sequence_case]
    _, grads = student.backward_checked(probe, expected.forward(probe))
    record_gradients(grading_context, f"backward/gradients[{sequence_case}]", probe, grads)
    share, message = compare_gradients(grads, expected.backward(probe)[1])
    credit.award(share)
    if message:
        raise CheckFailed(f"on a sequence with {sequence_case}: {message}")
