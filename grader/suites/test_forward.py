"""forward's values against the reference, on probes that tell mistakes apart:
one step from a zero state, several steps from a non-zero state, another shape."""

import numpy as np

from grader.checks.student import CheckFailed
from grader.checks.values import compare_forward


def test_values(sequence_case, student, expected, probeset, credit):
    probe = probeset.sequences[sequence_case]
    caches = student.forward_checked(probe, as_list=sequence_case == probeset.list_inputs_case)
    share, message = compare_forward(caches, expected.forward(probe))
    credit.award(share)
    if message:
        raise CheckFailed(f"on a sequence with {sequence_case}: {message}")


def test_softmax_large_logits(student, expected, probeset):
    probe = probeset.large_logits
    outputs = student.forward_checked(probe)[-1]
    for t, y in enumerate(outputs):
        if not np.isclose(np.sum(y), 1.0):
            raise CheckFailed(f"with logits of magnitude ~1000, `output_s[{t}]` sums to "
                              f"{np.sum(y):.6g}, not 1: make the softmax numerically stable")
    _, message = compare_forward([outputs], [expected.forward(probe)[-1]])
    if message:
        raise CheckFailed("with logits of magnitude ~1000 the probabilities are finite but wrong")
