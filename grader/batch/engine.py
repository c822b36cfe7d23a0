"""Grade many submissions on an executor, resumably.

Why it is built this way:

* **Any executor.** The engine only calls ``submit`` and waits on the
  ``concurrent.futures.Future`` objects it gets back, so a local
  ``ProcessPoolExecutor`` and a Dask cluster's executor are interchangeable.
  Each task is one call of :func:`grade_submission`, which runs ``grade()``
  (and so the sandbox) inside the worker process.
* **Plain data crosses the process boundary.** A worker receives the
  submission's bytes (so remote workers need no shared disk) and returns a
  dict of JSON-able data and PNG bytes -- never an object the student built.
* **Resumable.** The parent writes each student's files into a staging folder,
  moves them into place with ``os.replace`` and moves ``results.json`` last: a
  student is done exactly when its ``results.json`` exists and parses. A rerun
  skips done students and regrades everyone else, so a crash or Ctrl-C loses
  at most the submissions that were being graded, and nothing is doubled.
* **One failure stays one row.** A submission the grader rejects becomes a
  0-point row; a worker that dies (the pool breaks) is recreated, the
  submissions it took down are retried one at a time, and only the one that
  kills a worker again is recorded as "could not be graded" (and retried on the
  next run).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import tempfile
import threading
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, CancelledError, Executor, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from grader import __version__
from grader.blas_threads import one_blas_thread
from grader.batch.discover import Submission
from grader.feedback import render_text
from grader.outputs import FEEDBACK_TXT, LOSS_CURVE_PNG, RESULTS_JSON
from grader.report import Report, TestResult
from grader.submission import MAX_SUBMISSION_BYTES, SubmissionError, read_submission_bytes

FEEDBACK_HTML = "feedback.html"
STUDENT_FILES = (FEEDBACK_TXT, FEEDBACK_HTML, LOSS_CURVE_PNG, RESULTS_JSON)
RETRY_MARKER = ".retry"  # in a student's folder: its result is a grader failure, grade again
STAGING = ".partial"  # under OUT: half-written student folders, removed on start
STUDENTS_DIR = "students"  # under OUT: one folder per student

GRADED, REJECTED, FAILED = "graded", "rejected", "failed"

# grade() runs pytest in-process, which is not thread-safe: a Dask worker with
# several threads must grade one submission at a time per process.
_GRADE_LOCK = threading.Lock()


# --------------------------------------------------------------------------
# In the worker
# --------------------------------------------------------------------------


def grade_submission(filename: str, content: bytes, original: str, options) -> dict:
    """Grade one submission inside a worker; returns plain data, never raises
    for anything the submission does.

    ``content`` is written to a private temporary folder under ``filename``
    (its suffix selects .py or .ipynb handling), and the report then names the
    ``original`` path. ``options`` is a ``grader.grading.GradingOptions``.
    """
    from grader.grading import grade
    from grader.submission import SubmissionError

    with _GRADE_LOCK, tempfile.TemporaryDirectory(prefix="lstm-batch-") as folder:
        path = Path(folder) / filename
        path.write_bytes(content)
        try:
            report = grade(path, options)
        except SubmissionError as error:
            return {"status": REJECTED, "reason": str(error).replace(str(path), original)}
        except Exception as error:  # noqa: BLE001 - the grader's own bug must cost one row, not the batch
            return {"status": FAILED, "reason": f"internal grader error: {type(error).__name__}: {error}"}
    report.submission = original
    return {"status": GRADED, "report": report.to_json()}


def loss_curve_png(training: dict) -> bytes | None:
    """The loss-curve PNG as bytes, drawn in the parent from the report's numbers:
    one cache of drawn curves for the whole class (students whose code trains
    alike share a picture; in a class most do), one matplotlib import instead of
    one per worker, and the drawing off the workers' path."""
    if not training.get("validation"):
        return None
    from grader import plots

    return plots.loss_curve_png(training)


def init_worker() -> None:
    """Pool initializer.

    Ctrl-C is the parent's to handle (it stops the pool); a worker interrupted
    mid-grade would otherwise report garbage. And a worker must not outlive its
    parent: if the parent is killed outright (SIGKILL, out of memory), a pool
    worker would wait for work forever, so a watchdog thread ends it as soon
    as it has been re-parented.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


# --------------------------------------------------------------------------
# Results on disk
# --------------------------------------------------------------------------


def student_dir(out_dir: Path, student_id: str) -> Path:
    """``OUT/students/<id>/``: apart from OUT's own files (grades.csv,
    batch.json, report.html, ...), so no student id can collide with them."""
    return Path(out_dir) / STUDENTS_DIR / student_id


def load_result(out_dir: Path, student_id: str) -> Report | None:
    """The student's committed report, or None if it is missing or unreadable."""
    try:
        data = json.loads((student_dir(out_dir, student_id) / RESULTS_JSON).read_text(encoding="utf-8"))
        return Report.from_json(data)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def is_done(out_dir: Path, student_id: str) -> bool:
    """Done = a readable results.json and no request to retry it."""
    folder = student_dir(out_dir, student_id)
    return not (folder / RETRY_MARKER).exists() and load_result(out_dir, student_id) is not None


def not_graded_report(submission: Submission, reason: str, points: dict[str, float] | None,
                      suite: str) -> Report:
    """The report of a submission that did not go through ``grade()``.

    With ``points`` (the submission itself is unusable) every check is listed
    with 0 points: that is the student's grade. Without (the grader failed),
    ``tests`` stays empty, which the gradebook shows as "no score".
    """
    tests = [TestResult(name, 0.0, max_score, False, f"not graded: {reason}")
             for name, max_score in (points or {}).items()]
    return Report(submission=str(submission.path or submission.student_id), suite=suite, score=0.0,
                  max_score=round(sum((points or {}).values()), 2), tests=tests, errors=[reason],
                  grader_version=__version__)


def write_student(out_dir: Path, student_id: str, report: Report, png: bytes | None, retry: bool) -> None:
    """Write one student's files atomically; ``results.json`` is moved in last.

    Files are first written to a staging folder on the same disk, then each is
    moved over the old one with ``os.replace`` (atomic on POSIX and Windows).
    """
    from grader.batch.html import render_feedback_html

    staging_root = Path(out_dir) / STAGING
    staging_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{student_id}-", dir=staging_root))
    try:
        written = {FEEDBACK_TXT: render_text(report),
                   FEEDBACK_HTML: render_feedback_html(report, student_id, png)}
        for name, text in written.items():
            (staging / name).write_text(text, encoding="utf-8")
        if png:
            (staging / LOSS_CURVE_PNG).write_bytes(png)
        report.write_json(staging / RESULTS_JSON)

        target = student_dir(out_dir, student_id)
        target.mkdir(parents=True, exist_ok=True)  # OUT/students/<id>: never one of OUT's own files
        if retry:
            (target / RETRY_MARKER).touch()
        for name in STUDENT_FILES:
            if name == RESULTS_JSON:
                continue
            if (staging / name).exists():
                os.replace(staging / name, target / name)
            else:  # e.g. no loss curve this time: a stale one would contradict the report
                (target / name).unlink(missing_ok=True)
        os.replace(staging / RESULTS_JSON, target / RESULTS_JSON)
        if not retry:
            (target / RETRY_MARKER).unlink(missing_ok=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# --------------------------------------------------------------------------
# The batch
# --------------------------------------------------------------------------


@dataclass
class BatchSummary:
    """What one run did (``skipped``: already done by an earlier run)."""

    total: int = 0
    skipped: int = 0
    graded: int = 0
    rejected: int = 0
    failed: int = 0
    duration_s: float = 0.0
    failures: list[str] = field(default_factory=list)  # student ids the grader could not grade

    @property
    def finished(self) -> int:
        return self.graded + self.rejected + self.failed


class BatchInterrupted(Exception):
    """Ctrl-C (or SIGTERM) stopped the batch; ``summary`` counts what was kept."""

    def __init__(self, summary: BatchSummary):
        super().__init__("batch interrupted")
        self.summary = summary


ProgressCallback = Callable[[str, str, Report], None]


@dataclass
class BatchRun:
    """Everything one batch needs; :meth:`run` does the work.

    executor_factory: returns a fresh executor; called again after the
        executor breaks when ``recreate_broken`` (a process pool), never for
        executors that heal themselves (Dask).
    max_in_flight: submissions handed to the executor at once; more than the
        worker count keeps workers busy, fewer keeps Ctrl-C quick.
    grade_fn: the task run in the worker (tests pass a trivial one).
    on_result: called in the parent after each student's files are written.
    """

    submissions: list[Submission]
    out_dir: Path
    options: object  # grader.grading.GradingOptions
    executor_factory: Callable[[], Executor]
    max_in_flight: int
    recreate_broken: bool = True
    own_executor: bool = True
    grade_fn: Callable[..., dict] = grade_submission
    on_result: ProgressCallback | None = None
    regrade: bool = False

    def todo(self) -> list[Submission]:
        """The submissions this run must grade (all of them with ``regrade``)."""
        return [s for s in self.submissions if self.regrade or not is_done(self.out_dir, s.student_id)]

    def run(self) -> BatchSummary:
        started = time.perf_counter()
        self.out_dir = Path(self.out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.out_dir / STAGING, ignore_errors=True)  # leftovers of a killed run
        todo = self.todo()
        self.summary = BatchSummary(total=len(self.submissions), skipped=len(self.submissions) - len(todo))
        try:
            ready = deque(self._precheck(todo))
            if ready:
                self._grade_all(ready)
        except KeyboardInterrupt:
            self.summary.duration_s = time.perf_counter() - started
            raise BatchInterrupted(self.summary) from None
        shutil.rmtree(self.out_dir / STAGING, ignore_errors=True)
        self.summary.duration_s = time.perf_counter() - started
        return self.summary

    # -- the parts ----------------------------------------------------------

    def _points(self) -> dict[str, float]:
        from grader.points import points_for

        return points_for(self.options.suite, self.options.points_file)

    def _precheck(self, todo: list[Submission]) -> list[tuple[Submission, bytes]]:
        """Read every file in the parent; unusable ones become rows at once."""
        ready = []
        for submission in todo:
            reason = submission.problem
            content = b""
            if not reason:
                try:  # no symbolic link followed, at most MAX_SUBMISSION_BYTES read
                    content = read_submission_bytes(submission.path, MAX_SUBMISSION_BYTES)
                except SubmissionError as error:
                    reason = str(error)
            if reason:
                report = not_graded_report(submission, reason, self._points(), self.options.suite)
                self._record(submission, REJECTED, report, None)
            else:
                ready.append((submission, content))
        return ready

    def _record(self, submission: Submission, status: str, report: Report, png: bytes | None) -> None:
        write_student(self.out_dir, submission.student_id, report, png, retry=status == FAILED)
        setattr(self.summary, status, getattr(self.summary, status) + 1)
        if status == FAILED:
            self.summary.failures.append(submission.student_id)
        if self.on_result is not None:
            self.on_result(submission.student_id, status, report)

    def _record_result(self, submission: Submission, result: dict) -> None:
        status = result.get("status")
        if status == GRADED:
            report = Report.from_json(result["report"])
            self._record(submission, GRADED, report, loss_curve_png(report.training))
        elif status == REJECTED:
            report = not_graded_report(submission, result["reason"], self._points(), self.options.suite)
            self._record(submission, REJECTED, report, None)
        else:
            self._record_failure(submission, result.get("reason")
                                 or f"unexpected result from the worker: {str(result)[:200]}")

    def _record_failure(self, submission: Submission, reason: str) -> None:
        """The grader (not the student) failed: no score, retried on the next run."""
        self._record(submission, FAILED, not_graded_report(submission, reason, None, self.options.suite), None)

    def _submit(self, executor: Executor, item: tuple[Submission, bytes]) -> Future:
        submission, content = item
        return executor.submit(self.grade_fn, submission.path.name, content, str(submission.path), self.options)

    def _grade_all(self, ready: deque) -> None:
        retry: deque = deque()  # taken down by a dying worker: retried one at a time
        in_flight: dict[Future, tuple[tuple[Submission, bytes], bool]] = {}
        executor = self.executor_factory()
        try:
            while ready or retry or in_flight:
                broken = self._fill(executor, ready, retry, in_flight)
                if in_flight and not broken:
                    done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                    for future in sorted(done, key=lambda f: in_flight[f][0][0].student_id):
                        item, retried = in_flight.pop(future)
                        broken |= self._collect(future, item, retried, retry)
                if broken and self.recreate_broken:
                    for future, (item, retried) in list(in_flight.items()):  # went down with it
                        if future.done():
                            in_flight.pop(future)
                            self._collect(future, item, retried, retry)
                    executor.shutdown(wait=False, cancel_futures=True)
                    executor = self.executor_factory()
        except BaseException:
            for future in in_flight:
                future.cancel()
            stop_executor(executor)
            raise
        if self.own_executor:
            executor.shutdown(wait=True)

    def _fill(self, executor: Executor, ready: deque, retry: deque, in_flight: dict) -> bool:
        """Hand work to the executor; True when it turned out to be broken.

        A retried submission runs alone, so if it kills its worker again no
        innocent submission goes down with it.
        """
        solo = any(retried for _, retried in in_flight.values())
        if retry:
            queue, room, retried = retry, 0 if in_flight else 1, True
        else:
            queue, room, retried = ready, 0 if solo else self.max_in_flight - len(in_flight), False
        for _ in range(max(room, 0)):
            if not queue:
                break
            item = queue.popleft()
            try:
                in_flight[self._submit(executor, item)] = (item, retried)
            except BrokenExecutor as error:
                if self.recreate_broken:
                    queue.appendleft(item)
                else:
                    self._record_failure(item[0], f"the executor is broken ({error}); run the batch again to retry")
                return True
        return False

    def _collect(self, future: Future, item: tuple[Submission, bytes], retried: bool, retry: deque) -> bool:
        """Record one finished task; True when the executor broke under it."""
        submission = item[0]
        try:
            result = future.result()
        except BrokenExecutor as error:
            if not retried and self.recreate_broken:
                retry.append(item)
            else:
                self._record_failure(submission, f"the grading worker process died while grading this "
                                     f"submission ({type(error).__name__}: {error or 'no detail'}); "
                                     f"run the batch again to retry")
            return True
        except CancelledError:
            self._record_failure(submission, "grading was cancelled by the executor; run the batch again to retry")
        except Exception as error:  # noqa: BLE001 - e.g. a Dask KilledWorker: one row, not the batch
            self._record_failure(submission, f"the executor failed on this submission "
                                             f"({type(error).__name__}: {error}); run the batch again to retry")
        else:
            self._record_result(submission, result)
        return False


def stop_executor(executor: Executor) -> None:
    """Stop now: cancel what has not started and end a process pool's workers
    (whatever they were grading is lost and will be graded on the next run)."""
    if getattr(executor, "_processes", None) is None:  # not a process pool
        executor.shutdown(wait=False, cancel_futures=True)
        return
    processes = list((executor._processes or {}).values())  # no public API before Python 3.14
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)


def default_executor_factory(workers: int) -> Callable[[], Executor]:
    """Fresh ``ProcessPoolExecutor``s of ``workers`` spawned processes.

    ``spawn`` (not ``fork``) so a worker never inherits the parent's threads or
    open files, on every platform alike.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # One BLAS thread per worker (grader/blas_threads.py): the workers are the
    # parallelism; set in the environment the spawned workers inherit.
    one_blas_thread()

    def factory() -> Executor:
        return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=init_worker)

    return factory


def png_data_uri(png: bytes) -> str:
    """A PNG as a ``data:`` URI, so an HTML page carries its own pictures."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
