"""Contract checks: each function exists, takes the published arguments and
returns the published structure (counts, lengths, shapes, dtypes, finite)."""

from grader.checks.structure import parameter_tuple_problems
from grader.checks.student import require_no_problems, value_of


def test_forward_structure(student, probeset):
    student.forward_checked(probeset.contract)


def test_backward_structure(student, expected, probeset):
    probe = probeset.contract
    student.backward_checked(probe, expected.forward(probe))


def test_clip_and_update_structure(student, probeset):
    case = next(iter(probeset.clip_cases.values()))
    result = value_of(student.call("clip_and_update", case.params, case.grads, **case.kwargs))
    shapes = [p.shape for p in case.params]
    require_no_problems(parameter_tuple_problems("the returned parameters", "", result, shapes))
