"""The pytest plugin through which the grader runs a suite and reads outcomes.

pytest does the test running; this plugin hands each test its fixtures (the
student's functions behind the sandbox, the expected values, a partial-credit
recorder) and collects every outcome from pytest's reports, never from text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import pytest

from grader import progress
from grader.checks.student import CheckFailed, StudentCalls


@dataclass
class CheckOutcome:
    """What one check of a suite gave: pass or fail, credit, feedback."""

    name: str
    passed: bool
    credit: float  # 0..1, the share of the check's points earned
    feedback: str = ""
    internal_error: str = ""  # a fault of the grader, never of the student


class Credit:
    """Lets a check award partial credit (a share between 0 and 1)."""

    def __init__(self, record_property):
        self._record = record_property

    def award(self, share: float) -> None:
        self._record("credit", max(0.0, min(1.0, float(share))))

    def note(self, text: str) -> None:  # feedback for a check that passes (what it did)
        self._record("note", str(text))


@dataclass
class GradingPlugin:
    """Provides the suites' fixtures and records each check's outcome."""

    student: StudentCalls
    expected: object
    probeset: object
    context: dict = field(default_factory=dict)
    outcomes: list[CheckOutcome] = field(default_factory=list)
    collection_errors: list[str] = field(default_factory=list)
    end_forward_phase: Callable | None = None  # called once, before the first check not scoring forward

    @property
    def grading(self) -> "GradingPlugin":
        """The grading the checks now running belong to (see grader.runner.KeptSession)."""
        return self

    @pytest.fixture(name="student")
    def _student(self):
        return self.grading.student

    @pytest.fixture(name="expected")
    def _expected(self):
        return self.grading.expected

    @pytest.fixture(name="probeset")
    def _probeset(self):
        return self.grading.probeset

    @pytest.fixture(name="grading_context")
    def _grading_context(self):
        return self.grading.context

    @pytest.fixture(name="credit")
    def _credit(self, record_property):
        return Credit(record_property)

    def pytest_configure(self, config):
        """Outcomes are read from the exception, never from pytest's failure text,
        so keep that text cheap: the default (long) style repr()s every fixture
        value of each failing check, ~0.1 s of CPU per failure."""
        config.option.tbstyle = "native"

    def pytest_generate_tests(self, metafunc):
        """One check per sequence probe and per clip case of the probe set."""
        if "sequence_case" in metafunc.fixturenames:
            metafunc.parametrize("sequence_case", list(self.probeset.sequences))
        if "clip_case" in metafunc.fixturenames:
            metafunc.parametrize("clip_case", list(self.probeset.clip_cases))

    def pytest_collection_modifyitems(self, items):
        """The checks that score forward run first (see grader.session)."""
        items.sort(key=lambda item: not scores_forward(check_name(item.nodeid)))

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item):
        progress.note(f"check {check_name(item.nodeid)}")
        grading = self.grading
        if grading.end_forward_phase is not None and not scores_forward(check_name(item.nodeid)):
            end, grading.end_forward_phase = grading.end_forward_phase, None
            end()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        """Turn a CheckFailed (or pytest.fail) into plain feedback text.

        A failed check's outcome is read from its exception, never from the
        text pytest makes of it, so pytest makes only the exception's text
        (style "value") instead of formatting the traceback (half of pytest's
        CPU per grading, with most checks failing); a failing set-up, a fault
        of the grader, keeps its traceback (its report carries that text)."""
        item.config.option.tbstyle = "value" if call.when == "call" else "native"
        outcome = yield
        item.config.option.tbstyle = "native"
        report = outcome.get_result()
        if call.when != "call" or call.excinfo is None:
            return
        if call.excinfo.errisinstance((CheckFailed, pytest.fail.Exception)):
            report.feedback = str(call.excinfo.value)
        else:
            report.internal_error = call.excinfo.exconly()

    def pytest_runtest_logreport(self, report):
        if report.when == "call" or (report.when == "setup" and report.failed):
            self.grading.outcomes.append(self._outcome(report))

    def pytest_collectreport(self, report):
        if report.failed:
            self.collection_errors.append(f"{report.nodeid}: {report.longreprtext}")

    @staticmethod
    def _outcome(report) -> CheckOutcome:
        properties = dict(report.user_properties)
        passed = report.passed
        credit = properties.get("credit", 1.0 if passed else 0.0)
        internal = getattr(report, "internal_error", "")
        if report.when == "setup":
            internal = report.longreprtext
        return CheckOutcome(
            name=check_name(report.nodeid),
            passed=passed,
            credit=credit if passed or credit < 1.0 else 0.0,
            feedback=getattr(report, "feedback", "") or properties.get("note", ""),
            internal_error=internal,
        )


def scores_forward(name: str) -> bool:
    """Whether a check scores forward's answers to probes (phase 1 of grading)."""
    return name.startswith("forward/") or name == "contract/forward_structure"


def check_name(nodeid: str) -> str:
    """``test_forward.py::test_values[T=1]`` -> ``forward/values[T=1]``."""
    path, _, function = nodeid.partition("::")
    module = path.rsplit("/", 1)[-1].removesuffix(".py").removeprefix("test_")
    return f"{module}/{function.removeprefix('test_')}"
