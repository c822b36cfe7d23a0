"""The submission during grading: two sandboxed processes, one after the other.

Forward's hidden probes must be answered by code that has never seen a
reference value derived from them. The backward checks hand the student's
backward the REFERENCE forward caches of those very probes, so a backward
could record them (in memory, in a file) and a later forward replay them.
So grading runs in two phases, each in a fresh StudentProcess:

1. forward: the checks that score forward and the diagnosis of forward; then
   the process and everything it started are killed and its scratch folder
   is deleted;
2. the rest: backward, clip_and_update, the gradient and training checks, and
   their diagnosis.

Nothing of phase 2 exists while phase 1 runs, so nothing can reach back into
it. Both phases share one Boundary (a function that timed out in phase 1 is
not called again in phase 2) and one time budget; a file that did not load in
phase 1 is not loaded again.
"""

from __future__ import annotations

from pathlib import Path

from grader import progress
from grader.checks.boundary import Boundary
from grader.contained_diagnosis import diagnose_function
from grader.sandbox import CallOutcome, Limits, StudentProcess
from grader.sandbox.process import grades_once, prestart
from grader.sandbox.outcome import StudentError

TRAINED_FUNCTIONS = ("forward", "backward", "clip_and_update")


class GradingSession:
    """The student's functions behind the boundary, in the current phase's process."""

    def __init__(self, source: Path, limits: Limits, hidden: bool, diagnose: bool = True):
        self.source, self.limits, self.diagnose = Path(source), limits, diagnose
        self.boundary = Boundary(self._call, hidden)
        self.phase = "forward"
        self.outputs: list[str] = []
        self.isolation: list[str] = []
        self.load_error = None
        self.diagnosis_parts: list[dict] = []
        self._process: StudentProcess | None = None
        self._process = self._start(used=0.0)
        prestart(limits, one_shot=grades_once())  # phase 2's child starts (numpy) while phase 1 runs

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._end_process()

    def _start(self, used: float) -> StudentProcess:
        """A fresh process that has ``used`` seconds of the time budget behind it;
        loading the file once more for phase 2 is the grader's choice, so its
        start is not charged."""
        process = StudentProcess(self.source, self.limits, spent=used, charge_first_start=False)
        process.__enter__()
        return process

    def _call(self, name: str, *args, **kwargs) -> CallOutcome:
        if self._process is None:  # the file did not load in phase 1: not loaded again
            return CallOutcome(error=self.load_error)
        return self._process.call(name, *args, **kwargs)

    def train(self, request: dict) -> CallOutcome:
        """The training check's loop in one request to the current process;
        not started when one of the functions it calls ran out of time before."""
        late = [self.boundary.timed_out[n] for n in TRAINED_FUNCTIONS if n in self.boundary.timed_out]
        if late:
            return CallOutcome(error=StudentError("timeout", f"the training run was not started: {late[0]}"))
        if self._process is None:
            return CallOutcome(error=self.load_error)
        return self._process.train(request)

    def end_forward_phase(self) -> None:
        """Diagnose forward, end phase 1's process, start phase 2's (once)."""
        if self.phase != "forward":
            return
        self.phase = "rest"
        self._diagnose("forward")
        used = self._end_process()
        if self.load_error is None:
            self._process = self._start(used)

    def finish(self) -> None:
        """Diagnose backward and clip_and_update, then end phase 2's process."""
        self.end_forward_phase()
        self._diagnose("backward")
        self._diagnose("clip_and_update")
        self._end_process()

    @property
    def output(self) -> str:
        """What the submission printed in both phases."""
        return "\n".join(text for text in self.outputs if text)

    def _diagnose(self, function: str) -> None:
        if self.diagnose:
            progress.note(f"naming the bugs of {function}")
            self.diagnosis_parts.append(diagnose_function(self.boundary.lenient, function))

    def _end_process(self) -> float:
        process, self._process = self._process, None
        if process is None:
            return 0.0
        self.outputs.append(process.output)
        self.isolation = self.isolation or list(process.isolation)
        if self.load_error is None:
            self.load_error = process.load_error
        used = process.used_seconds
        process.close()
        return used
