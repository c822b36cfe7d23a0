"""The loss-decrease check: train a small LSTM with the student's functions.

The training loop runs in the student's process, in one request (see
grader/sandbox/train_loop.py), and comes back as a record of every step: the
loss and gradients backward returned, the parameters clip_and_update
returned. The record is the student's process's word, so before the falling
loss earns anything the grader verifies it (:func:`training_problems`):

* the chain: step k starts from the parameters step k - 1 returned, and step 1
  from the grader's own initialisation (the grader rebuilds the chain, the
  record only holds each step's results);
* every update is a descent step along the recorded gradients: each value
  moves against its gradient, and further for a larger gradient within one
  parameter (plain, clipped, per-parameter or element-wise clipped steps all
  are; hand-built parameters are not);
* a few steps, chosen from a hash of the record after it arrived, are run
  again as plain calls of forward, backward and clip_and_update from the
  grader (the calls the whole training was made of before it moved into the
  child, same arguments): they must give the recorded loss, gradients and
  parameters, so a record the loop did not get from the student's functions
  fails.

The validation loss is measured with the REFERENCE forward on the student's
parameters, so a submission cannot report a loss it did not earn. Whenever the
fast path meets anything unusual (an exception, a value off the published
structure, a malformed record) the training is run call by call from the
grader instead, which words every problem as the other checks do.

The student edition ships no reference: there the given helpers come from the
exercise file and the validation loss from the student's own forward (good
enough for a self-check).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from grader.checks.expected import reference
from grader.checks.student import StudentCalls, value_of
from grader.probes import PARAM_NAMES

REPLAYED_STEPS = 2  # steps run again to compare with the record
REPLAY_TOLERANCE = 1e-9  # relative: the same code on the same inputs gives the same numbers


@dataclass(frozen=True)
class TrainingBudget:
    """A fixed, small budget: 90 updates. Smaller budgets (fewer sequences or
    epochs) flip the outcome of catalogued mutants near the threshold; see
    bench/README.md."""

    hidden_size: int = 6
    num_sequences: int = 40
    max_n: int = 4
    epochs: int = 3
    lr: float = 0.5
    max_norm: float = 1.0
    seed: int = 0
    required_fall: float = 0.30  # the validation loss must fall by 30 %


@dataclass(frozen=True)
class TrainingData:
    """What one training run is made of: corpus, split, start, schedule."""

    inputs: list  # one-hot (T, V, 1) per training sequence
    targets: list
    validation_set: list
    word_to_idx: dict
    start: tuple  # the initial parameters
    order: list  # the training sequence of each step, epoch after epoch
    steps_per_epoch: int
    tokens: int  # predicted tokens in one epoch of the training set

    @property
    def shapes(self) -> list[tuple]:
        return [p.shape for p in self.start]


@dataclass
class StepRecord:
    """One run of steps: per step the loss, the gradients and the updated
    parameters (each flattened in the order of ``p``)."""

    losses: np.ndarray  # (n,)
    grads: np.ndarray  # (n, parameters)
    params: np.ndarray  # (n, parameters), after each step


@dataclass
class TrainingRun:
    validation: list[float] = field(default_factory=list)  # per token, before each epoch and at the end
    training: list[float] = field(default_factory=list)  # per token, the student's own losses per epoch
    record: StepRecord | None = field(default=None, repr=False)
    data: TrainingData | None = field(default=None, repr=False)
    replay: object = field(default=None, repr=False)  # runs steps call by call, for the replays
    made_by: str = ""  # "child" (one request) or "calls" (call by call)

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


def reference_sequence_loss(sequence, params, word_to_idx):
    """The loss ``reference().sequence_loss`` returns, from the reference's forward alone:
    the same terms summed in the same order (last step first, as its backward does),
    so the same number to the last bit, without the gradients validation never uses."""
    lstm = reference()
    inputs, targets = lstm.inputs_and_targets(sequence, word_to_idx)
    hidden_size = params[0].shape[0]
    outputs = lstm.forward(inputs, np.zeros((hidden_size, 1)), np.zeros((hidden_size, 1)), params)[-1]
    terms = [-np.log(y[np.argmax(target), 0] + 1e-12) for y, target in zip(outputs, targets)]
    total = 0.0
    for term in reversed(terms):
        total += term
    return total


def validation_loss(params, sequences, word_to_idx, student: StudentCalls | None = None) -> float:
    """Mean cross-entropy per token, with the reference forward (with the
    student's when ``student`` is given: the student edition)."""
    total = tokens = 0.0
    for sequence in sequences:
        if student is None:
            loss = reference_sequence_loss(sequence, params, word_to_idx)
        else:
            inputs, targets = helpers().inputs_and_targets(sequence, word_to_idx)
            zeros = np.zeros((params[0].shape[0], 1))
            loss = student.forward_loss(inputs, zeros, zeros, params, targets)
        total += loss
        tokens += len(sequence) - 1
    value = total / tokens
    return float(value) if np.isfinite(value) else float("inf")


def training_data(budget: TrainingBudget) -> TrainingData:
    ref = helpers()
    sequences = ref.generate_dataset(num_sequences=budget.num_sequences, max_n=budget.max_n, seed=budget.seed)
    word_to_idx, _ = ref.build_vocabulary(sequences)
    training_set, validation_set, _ = ref.split_dataset(sequences, p_train=0.75, p_val=0.25)
    pairs = [ref.inputs_and_targets(sequence, word_to_idx) for sequence in training_set]
    return TrainingData(
        inputs=[x for x, _ in pairs], targets=[y for _, y in pairs], validation_set=validation_set,
        word_to_idx=word_to_idx, start=tuple(ref.init_lstm(budget.hidden_size, len(word_to_idx), seed=budget.seed)),
        order=list(range(len(training_set))) * budget.epochs, steps_per_epoch=len(training_set),
        tokens=sum(len(s) - 1 for s in training_set))


def unflatten(row: np.ndarray, shapes: list[tuple]) -> tuple:
    """The 10 arrays of one flattened parameter (or gradient) row."""
    sizes = np.cumsum([0] + [int(np.prod(s)) for s in shapes])
    return tuple(row[a:b].reshape(s) for a, b, s in zip(sizes[:-1], sizes[1:], shapes))


# ---------------------------------------------------------------------------- running steps


class StepsInChild:
    """Runs steps with the sandbox's one-request loop; None means: run them call by call."""

    def __init__(self, train, budget: TrainingBudget, data: TrainingData):
        self._train, self._budget, self._data = train, budget, data

    def run(self, runs: list[tuple[tuple, list]]) -> list[StepRecord] | None:
        data, budget = self._data, self._budget
        outcome = self._train({
            "runs": [{"params": tuple(start), "order": list(order)} for start, order in runs],
            "inputs": data.inputs, "targets": data.targets, "hidden": budget.hidden_size,
            "vocab": len(data.word_to_idx), "lr": budget.lr, "max_norm": budget.max_norm})
        if not outcome.ok:
            if outcome.error.kind == "timeout":  # running it again would only wait as long again
                value_of(outcome)
            return None
        return records_of(outcome.value, [len(order) for _, order in runs], sum(p.size for p in data.start))


def records_of(value, lengths: list[int], size: int) -> list[StepRecord] | None:
    """The child's record, checked at the boundary: complete runs of finite
    float64 arrays of the requested sizes, else None."""
    if type(value) is not dict or type(value.get("runs")) is not list or len(value["runs"]) != len(lengths):
        return None
    records = []
    for run, n in zip(value["runs"], lengths):
        if type(run) is not dict or run.get("stopped", 0) is not None:
            return None
        arrays = [run.get("losses"), run.get("grads"), run.get("params")]
        shapes = [(n,), (n, size), (n, size)]
        if not all(type(a) is np.ndarray and a.dtype == np.float64 and a.shape == s and np.isfinite(a).all()
                   for a, s in zip(arrays, shapes)):
            return None
        records.append(StepRecord(*arrays))
    return records


class StepsByCalls:
    """Runs steps call by call from the grader; every problem raises the
    CheckFailed the check reports."""

    def __init__(self, student: StudentCalls, budget: TrainingBudget, data: TrainingData):
        self._student, self._budget, self._data = student, budget, data
        self.epoch_params: list[tuple] = []  # the parameters as returned, after each epoch of the first run

    def run(self, runs: list[tuple[tuple, list]]) -> list[StepRecord]:
        first = not self.epoch_params
        return [self._one(start, order, keep_epochs=first and k == 0) for k, (start, order) in enumerate(runs)]

    def _one(self, params, order, keep_epochs: bool) -> StepRecord:
        student, data, budget = self._student, self._data, self._budget
        zeros = np.zeros((budget.hidden_size, 1))
        size = sum(p.size for p in data.start)
        record = StepRecord(np.zeros(len(order)), np.zeros((len(order), size)), np.zeros((len(order), size)))
        for step, index in enumerate(order):
            caches = student.forward_unmemoised(data.inputs[index], zeros, zeros, params)
            # read at the boundary: the published structure, or CheckFailed naming what is wrong
            loss, grads = value_of(student.call("backward", *caches, data.targets[index], params))
            params = value_of(student.call("clip_and_update", params, grads,
                                           lr=budget.lr, max_norm=budget.max_norm))
            record.losses[step] = float(np.asarray(loss).reshape(-1)[0])
            record.grads[step] = np.concatenate([np.asarray(g, dtype=float).reshape(-1) for g in grads])
            record.params[step] = np.concatenate([np.asarray(p, dtype=float).reshape(-1) for p in params])
            if keep_epochs and (step + 1) % data.steps_per_epoch == 0:
                self.epoch_params.append(params)
        return record


# ---------------------------------------------------------------------------- the run and its check


def train_with_student(student: StudentCalls, budget: TrainingBudget) -> TrainingRun:
    """Train with the student's forward, backward and clip_and_update."""
    from grader.edition import is_student_edition

    data = training_data(budget)
    run_of = [(data.start, data.order)]
    steps = StepsInChild(student.train, budget, data) if student.train is not None else None
    records = steps.run(run_of) if steps is not None else None
    if records is None:
        steps = StepsByCalls(student, budget, data)
        records = steps.run(run_of)
        epoch_params = steps.epoch_params
    else:
        ends = [data.steps_per_epoch * (e + 1) - 1 for e in range(budget.epochs)]
        epoch_params = [unflatten(records[0].params[k], data.shapes) for k in ends]
    record = records[0]
    evaluator = student if is_student_edition() else None
    run = TrainingRun(record=record, data=data, replay=StepsByCalls(student, budget, data),
                      made_by="calls" if isinstance(steps, StepsByCalls) else "child")
    run.validation.append(validation_loss(data.start, data.validation_set, data.word_to_idx, evaluator))
    for epoch, params in enumerate(epoch_params):
        epoch_loss = 0.0
        for loss in record.losses[epoch * data.steps_per_epoch:(epoch + 1) * data.steps_per_epoch]:
            epoch_loss += float(loss)
        run.training.append(epoch_loss / data.tokens)
        run.validation.append(validation_loss(params, data.validation_set, data.word_to_idx, evaluator))
    return run


def training_problems(run: TrainingRun) -> list[str]:
    """Why the record does not prove that the student's functions trained the
    model (empty when it does): descent steps, then replays."""
    record, data = run.record, run.data
    before = np.vstack([np.concatenate([p.reshape(-1) for p in data.start]), record.params[:-1]])
    problem = descent_problem(before, record.params, record.grads, data.shapes)
    if problem:
        return [problem]
    return replay_problems(run, before)


def descent_problem(before: np.ndarray, after: np.ndarray, grads: np.ndarray, shapes: list[tuple]) -> str:
    """The first step whose update is no descent step along its gradients, in words ('' if none).

    A descent step moves each value against its gradient (not at all where the
    gradient is 0), by an amount that does not shrink as the gradient grows
    within one parameter: ``-lr * c * g`` with one or per-parameter ``c``, or
    element-wise clipping, all are. Tolerance: the rounding of the parameters.
    """
    step_size = after - before
    slack = 4 * np.finfo(float).eps * (np.abs(before) + np.abs(after)) + 1e-300
    moved = np.abs(step_size) > slack
    wrong = (moved & (step_size * grads >= 0)).any(axis=1)
    sizes = np.cumsum([0] + [int(np.prod(s)) for s in shapes])
    for name, a, b in zip(PARAM_NAMES, sizes[:-1], sizes[1:]):
        rank = np.argsort(np.abs(grads[:, a:b]), axis=1, kind="stable")
        amount = np.take_along_axis(np.abs(step_size[:, a:b]), rank, axis=1)
        tol = np.take_along_axis(slack[:, a:b], rank, axis=1)
        largest_so_far = np.maximum.accumulate(amount - tol, axis=1)
        shrinks = (largest_so_far[:, :-1] > amount[:, 1:] + tol[:, 1:]).any(axis=1)
        wrong |= shrinks
    if not wrong.any():
        return ""
    step = int(np.argmax(wrong))
    return (f"training step {step + 1} is no gradient-descent step: the parameters clip_and_update "
            "returned do not move each value against the gradient backward returned for it (further "
            "for a larger gradient), so the falling loss is not earned by training")


def replay_problems(run: TrainingRun, before: np.ndarray) -> list[str]:
    """Run a few recorded steps again the same way; they must give the same results."""
    record, data = run.record, run.data
    digest = hashlib.sha256(b"".join(a.tobytes() for a in (record.losses, record.grads, record.params)))
    rng = np.random.default_rng(int.from_bytes(digest.digest()[:8], "little"))
    chosen = sorted(rng.choice(len(data.order), size=min(REPLAYED_STEPS, len(data.order)), replace=False))
    runs = [(unflatten(before[k], data.shapes), [data.order[k]]) for k in chosen]
    again = run.replay.run(runs)
    for k, replay in zip(chosen, again):
        for what, got, recorded in (("the loss", replay.losses[0], record.losses[k]),
                                    ("the gradients", replay.grads[0], record.grads[k]),
                                    ("the updated parameters", replay.params[0], record.params[k])):
            if not np.allclose(got, recorded, rtol=REPLAY_TOLERANCE, atol=1e-12):
                return [f"training step {k + 1}, repeated with the same parameters and sequence, gave other "
                        f"results ({what} differ): the loss must fall because of what your functions "
                        "return, not because they recognise the training run"]
    return []
