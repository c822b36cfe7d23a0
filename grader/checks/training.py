"""The loss-decrease check: train a small LSTM with the student's functions.

The training loop runs in the grader's process and calls the student's three
functions through the sandbox; the validation loss is measured with the
REFERENCE forward on the student's updated parameters, so a submission cannot
report a loss it did not earn. The student edition ships no reference: there
the given helpers come from the exercise file and the validation loss from
the student's own forward (good enough for a self-check).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from grader.checks.expected import reference
from grader.checks.structure import backward_problems, parameter_tuple_problems
from grader.checks.student import StudentCalls, require_no_problems, value_of


@dataclass(frozen=True)
class TrainingBudget:
    """A fixed, small budget: ~90 updates, well under a second when correct."""

    hidden_size: int = 6
    num_sequences: int = 40
    max_n: int = 4
    epochs: int = 3
    lr: float = 0.5
    max_norm: float = 1.0
    seed: int = 0
    required_fall: float = 0.30  # the validation loss must fall by 30 %


@dataclass
class TrainingRun:
    validation: list[float] = field(default_factory=list)  # per token, before each epoch and at the end
    training: list[float] = field(default_factory=list)  # per token, the student's own losses per epoch

    def fall(self) -> float:
        """Relative fall of the validation loss from the first to the last value."""
        return 1.0 - self.validation[-1] / self.validation[0]


def helpers():
    """The module with the given helpers (corpus, vocabulary, init): the
    reference, or the exercise file in the student edition."""
    from grader.edition import is_student_edition

    if is_student_edition():
        from grader.exercises import lstm

        return lstm
    return reference()


def validation_loss(params, sequences, word_to_idx, student: StudentCalls | None = None) -> float:
    """Mean cross-entropy per token, with the reference forward (with the
    student's when ``student`` is given: the student edition)."""
    total = tokens = 0.0
    for sequence in sequences:
        if student is None:
            loss, _ = reference().sequence_loss(sequence, params, word_to_idx)
        else:
            inputs, targets = helpers().inputs_and_targets(sequence, word_to_idx)
            zeros = np.zeros((params[0].shape[0], 1))
            loss = student.forward_loss(inputs, zeros, zeros, params, targets)
        total += loss
        tokens += len(sequence) - 1
    value = total / tokens
    return float(value) if np.isfinite(value) else float("inf")


def train_with_student(student: StudentCalls, budget: TrainingBudget) -> TrainingRun:
    """Train with the student's forward, backward and clip_and_update."""
    from grader.edition import is_student_edition

    ref = helpers()
    evaluator = student if is_student_edition() else None
    sequences = ref.generate_dataset(num_sequences=budget.num_sequences, max_n=budget.max_n, seed=budget.seed)
    word_to_idx, _ = ref.build_vocabulary(sequences)
    training_set, validation_set, _ = ref.split_dataset(sequences, p_train=0.75, p_val=0.25)
    params = ref.init_lstm(budget.hidden_size, len(word_to_idx), seed=budget.seed)
    shapes = [p.shape for p in params]
    zeros = np.zeros((budget.hidden_size, 1))

    run = TrainingRun(validation=[validation_loss(params, validation_set, word_to_idx, evaluator)])
    for _ in range(budget.epochs):
        epoch_loss = 0.0
        for sequence in training_set:
            inputs, targets = ref.inputs_and_targets(sequence, word_to_idx)
            caches = student.forward_unmemoised(inputs, zeros, zeros, params)
            result = value_of(student.call("backward", *caches, targets, params))
            require_no_problems(backward_problems(result, shapes))
            loss, grads = result
            params = value_of(student.call("clip_and_update", params, grads,
                                           lr=budget.lr, max_norm=budget.max_norm))
            require_no_problems(parameter_tuple_problems("clip_and_update's result", "", params, shapes))
            epoch_loss += float(np.asarray(loss).reshape(-1)[0])
        run.training.append(epoch_loss / sum(len(s) - 1 for s in training_set))
        run.validation.append(validation_loss(params, validation_set, word_to_idx, evaluator))
    return run
