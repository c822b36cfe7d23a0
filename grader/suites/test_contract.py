"""Contract checks: each function exists, takes the published arguments and
returns the published structure (counts, lengths, shapes, dtypes, finite)."""

from grader.checks.student import clip_and_update_result


def test_forward_structure(student, probeset):
    student.forward_checked(probeset.contract)


def test_backward_structure(student, expected, probeset):
    probe = probeset.contract
    student.backward_checked(probe, expected.forward(probe))


def test_clip_and_update_structure(student, probeset):
    case = next(iter(probeset.clip_cases.values()))
    clip_and_update_result(student, case)
