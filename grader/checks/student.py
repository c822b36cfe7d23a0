"""The suites' view of the student: memoised calls that fail a check cleanly.

Every call goes through the sandbox (a ``call(name, *args, **kwargs)``
function returning a ``CallOutcome``) and then the boundary
(grader.checks.boundary), which reads each returned value once: a check only
ever sees a typed value with the published structure, or fails with the
problems named. Nothing here runs student code.
"""

from __future__ import annotations

import re

from grader.checks.boundary import Boundary
from grader.checks.numeric import sequence_loss
from grader.probes import Probe
from grader.sandbox.outcome import CallOutcome


class CheckFailed(Exception):
    """A check failed for a reason the student should read as it is."""


def value_of(outcome: CallOutcome):
    """The returned value, or a CheckFailed carrying the student-facing error."""
    if not outcome.ok:
        raise CheckFailed(outcome.error.message + where_it_failed(outcome.error.traceback))
    return outcome.value


def where_it_failed(traceback: str) -> str:
    """`` (in helper: `return W @ x`)`` from the last frame of the student's
    traceback. The function and the line of code, not the line number: in a
    notebook the line numbers are those of the extracted code, not the cell's."""
    frames = re.findall(r'^  File "[^"]*", line \d+, in (\S+)\n    (.+)$', traceback, re.MULTILINE)
    if not frames:
        return ""
    function, code = frames[-1]
    return f" (in {function}: `{code.strip()}`)"


def require_no_problems(problems: list[str]) -> None:
    """Fail with every contract problem listed, when there are any."""
    if problems:
        raise CheckFailed("; ".join(problems))


def clip_and_update_result(student: "StudentCalls", case) -> tuple:
    """The parameters clip_and_update returns for a clip case, or CheckFailed
    naming what is wrong with their structure."""
    return value_of(student.call("clip_and_update", case.params, case.grads, **case.kwargs))


class StudentCalls:
    """Memoised calls into the student's process, shared by all checks.

    ``call`` is a Boundary, or a sandbox call (then wrapped in one). Every
    value a check gets has the published structure (typed float64 arrays);
    anything else is a failed outcome naming the problems.
    """

    def __init__(self, call, train=None):
        self.boundary = call if isinstance(call, Boundary) else Boundary(call)
        self._call = self.boundary.strict
        self.train = train  # the sandbox's one-request training loop, when there is one
        self._memo: dict[tuple, CallOutcome] = {}

    def call(self, name: str, *args, **kwargs) -> CallOutcome:
        return self._call(name, *args, **kwargs)

    def _memoised(self, key: tuple, name: str, *args) -> CallOutcome:
        if key not in self._memo:
            self._memo[key] = self._call(name, *args)
        return self._memo[key]

    def forward(self, probe: Probe, as_list: bool = False) -> CallOutcome:
        """The student's forward on a probe (inputs as an array, or a list)."""
        inputs = list(probe.inputs) if as_list else probe.inputs
        return self._memoised(("forward", probe.name, as_list), "forward",
                              inputs, probe.h_prev, probe.C_prev, probe.params)

    def forward_checked(self, probe: Probe, as_list: bool = False):
        """The student's forward caches, or CheckFailed naming what is wrong."""
        return value_of(self.forward(probe, as_list))

    def forward_unmemoised(self, inputs, h_prev, C_prev, params):
        """The student's forward caches on inputs that are no probe (shifted
        parameters, training steps), or CheckFailed naming what is wrong."""
        return value_of(self._call("forward", inputs, h_prev, C_prev, params))

    def forward_loss(self, inputs, h_prev, C_prev, params, targets) -> float:
        """The summed cross-entropy of the student's forward outputs."""
        return sequence_loss(self.forward_unmemoised(inputs, h_prev, C_prev, params)[-1], targets)

    def backward(self, probe: Probe, caches, source: str = "reference") -> CallOutcome:
        """The student's backward on caches from ``source`` (normally the
        reference's forward, so a forward bug never cascades into backward)."""
        return self._memoised(("backward", probe.name, source), "backward",
                              *caches, probe.targets, probe.params)

    def backward_checked(self, probe: Probe, caches, source: str = "reference"):
        """The student's ``(loss, grads)``, or CheckFailed naming what is wrong."""
        return value_of(self.backward(probe, caches, source))
