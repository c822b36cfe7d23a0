"""Whatever a student's function returns, grading ends in a report.

Hypothesis throws generated return trees -- None, scalars, nested lists and
tuples, wrong lengths and shapes, huge ints, NaN and inf, complex, bool,
empty and 0-d arrays, strings, dicts -- at the boundary, the checks of the
hidden suite and the diagnosis, in-process: ``call`` returns the generated
tree exactly as the sandbox's CallOutcome carries a decoded reply (the
boundary's input), and the reference answers for the two other functions.
Each time: no exception, a report, a score within its bounds. A handful of
such trees also go end to end through ``lstm-grader grade`` and the real
sandbox.
"""

from __future__ import annotations

import copy
import inspect
import json
import pickle
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.checks.boundary import Boundary, read
from grader.checks.expected import expectations
from grader.checks.student import CheckFailed, StudentCalls
from grader.contained_diagnosis import diagnose_function, merged
from grader.diagnosis import probes as diagnosis_probes
from grader.plugin import CheckOutcome, check_name
from grader.points import points_for
from grader.report import Report, score_checks
from grader.sandbox.outcome import CallOutcome
from grader.solutions import lstm as reference
from grader.suites import test_backward, test_clip, test_contract, test_forward, test_gradcheck
from grader.suites.hidden_probes import PROBESET

SETTINGS = settings(max_examples=5000, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))

# ---------------------------------------------------------------- generated trees
#
# Hypothesis draws a byte string; ``Tree`` reads it as a recipe for a return
# value. One draw per example keeps Hypothesis' own overhead small (drawing a
# nested strategy item by item cost ~20x the grading of the example), and
# shrinking still works: fewer bytes are a smaller tree.

SHAPES = [(), (0,), (1,), (3,), (1, 1), (3, 1), (4, 1), (5, 1), (6, 1), (7, 1), (9, 1), (4, 9), (3, 7),
          (5, 4), (3, 3), (3, 6), (4, 4), (4, 8), (2, 2, 1), (0, 1), (3, 4, 1), (3, 5, 1)]
DTYPES = [np.float64, np.float64, np.float32, np.float16, np.int64, np.uint8, np.bool_, np.complex128]
FLOATS = [0.0, -0.0, 1.5, -2.0, float("nan"), float("inf"), -float("inf"), 1e308, 5e-324, 1e-12]
INTS = [0, 1, -1, 7, 10**400, -10**400, 2**64, 2**63 - 1]
COUNTS = {"forward": 9, "backward": 2, "clip_and_update": 10}


class Tree:
    """A return value built from a byte string (missing bytes read as 0)."""

    def __init__(self, recipe: bytes):
        self.recipe, self.at = recipe, 0

    def byte(self) -> int:
        self.at += 1
        return self.recipe[self.at - 1] if self.at <= len(self.recipe) else 0

    def array(self):
        dtype, shape = DTYPES[self.byte() % len(DTYPES)], SHAPES[self.byte() % len(SHAPES)]
        fill, seed = self.byte() % 4, self.byte()
        values = (np.arange(int(np.prod(shape))).reshape(shape) * 0.37 + seed / 7) % 3 - 1.5
        if fill == 1:
            values = np.where(values > 1.0, np.nan, values)
        elif fill == 2:
            values = np.where(values > 1.0, np.inf, values * 1e300)
        with np.errstate(all="ignore"):
            return np.nan_to_num(values).astype(dtype) if np.dtype(dtype).kind in "iub" else values.astype(dtype)

    def node(self, depth: int = 0):
        kind = self.byte() % 16
        if self.at > len(self.recipe) or kind == 0:
            return None
        if kind == 1:
            return bool(self.byte() % 2)
        if kind == 2:
            return INTS[self.byte() % len(INTS)]
        if kind == 3:
            return FLOATS[self.byte() % len(FLOATS)]
        if kind == 4:
            return complex(FLOATS[self.byte() % len(FLOATS)], 1.0)
        if kind == 5:
            return "x" * (self.byte() % 4)
        if kind <= 10 or depth > 4:
            return self.array()
        items = [self.node(depth + 1) for _ in range(self.byte() % 12)]
        if kind == 14:
            return {f"k{k}": item for k, item in enumerate(items[:3])}
        return tuple(items) if kind == 13 else items

    def returned(self, function: str):
        """Often the right number of top-level items, as a tuple or a list; else any tree."""
        shape = self.byte() % 4
        if shape == 0:
            return self.node()
        items = [self.node(1) for _ in range(COUNTS[function])]
        if function == "backward" and shape == 3:  # a loss and a tuple of 10 things
            items = [self.node(1), tuple(self.node(2) for _ in range(10))]
        return tuple(items) if shape != 2 else items


def trees_for(function: str):
    return st.binary(max_size=120).map(lambda recipe: Tree(recipe).returned(function))


RETURNS = {function: trees_for(function) for function in COUNTS}
FUNCTIONS = tuple(COUNTS)


def test_the_trees_cover_what_a_student_may_return():
    """The generator reaches every kind of value the property tests promise."""
    seen = set()

    def walk(value):
        seen.add(type(value).__name__ if not isinstance(value, np.ndarray) else f"array-{value.dtype.kind}-{value.ndim}")
        if isinstance(value, (list, tuple)):
            for item in value:
                walk(item)
        if isinstance(value, int) and abs(value) > 2**1000:
            seen.add("huge int")
        if isinstance(value, np.ndarray) and value.size == 0:
            seen.add("empty array")
        if isinstance(value, np.ndarray) and value.dtype.kind == "f" and not np.all(np.isfinite(value)):
            seen.add("non-finite array")
        if isinstance(value, float) and value != value:
            seen.add("nan")

    rng = np.random.default_rng(0)
    for _ in range(400):
        walk(Tree(bytes(rng.integers(0, 256, 120, dtype=np.uint8))).returned("forward"))
    assert {"NoneType", "bool", "int", "float", "complex", "str", "list", "tuple", "dict", "huge int", "nan",
            "empty array", "non-finite array", "array-f-0", "array-f-2", "array-c-2", "array-b-2",
            "array-i-2"} <= seen, seen


# ---------------------------------------------------------------- in-process grading


REFERENCE_ANSWERS: dict = {}


def calls_returning(function: str, tree):
    """A sandbox call: ``tree`` for ``function``, the reference (computed once
    per argument list) for the others."""
    def call(name, *args, **kwargs):
        if name == function:
            return CallOutcome(value=tree)
        key = pickle.dumps((name, args, kwargs))
        if key not in REFERENCE_ANSWERS:
            REFERENCE_ANSWERS[key] = getattr(reference, name)(*copy.deepcopy(args), **copy.deepcopy(kwargs))
        return CallOutcome(value=REFERENCE_ANSWERS[key])  # the boundary reads it into fresh arrays
    return call


class Credit:
    def __init__(self):
        self.share = None

    def award(self, share):
        self.share = max(0.0, min(1.0, float(share)))

    def note(self, text):  # what a passing check did: not scored
        self.note_text = str(text)


# The checks of the hidden suite that read a function's values. The training
# check is left out: its loop reads values through the same boundary calls
# (StudentCalls.call, forward_unmemoised), but it first measures a validation
# loss with the reference, which would make each example 10x slower; the
# end-to-end runs below include it.
SUITES = (test_backward, test_clip, test_contract, test_forward, test_gradcheck)
READS = {"forward": ("contract/forward_structure", "forward/", "gradcheck/"),
         "backward": ("contract/backward_structure", "backward/", "gradcheck/"),
         "clip_and_update": ("contract/clip_and_update_structure", "clip/")}


def suite_checks():
    """(check name, function, fixed arguments, its parameters) for the checks of the hidden suite."""
    checks = []
    for module in SUITES:
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("test_") or function.__module__ != module.__name__:
                continue
            parameters = inspect.signature(function).parameters
            node = f"{module.__name__.rsplit('.', 1)[-1]}.py::{name}"
            if "sequence_case" in parameters:
                checks += [(check_name(f"{node}[{case}]"), function, {"sequence_case": case}, parameters)
                           for case in PROBESET.sequences]
            elif "clip_case" in parameters:
                checks += [(check_name(f"{node}[{case}]"), function, {"clip_case": case}, parameters)
                           for case in PROBESET.clip_cases]
            else:
                checks.append((check_name(node), function, {}, parameters))
    return checks


CHECKS = suite_checks()
EXPECTED = expectations()
POINTS = points_for("hidden", None)


def grade_in_process(function: str, tree) -> Report:
    """The hidden suite's checks and the diagnosis of ``function``, as grade() runs them."""
    boundary = Boundary(calls_returning(function, tree), hidden=True)
    student = StudentCalls(boundary)
    outcomes = []
    for name, check, fixed, wanted in CHECKS:
        if not name.startswith(READS[function]):
            continue
        credit = Credit()
        arguments = {"student": student, "expected": EXPECTED, "probeset": PROBESET, "credit": credit,
                     "grading_context": {}, **fixed}
        try:
            check(**{key: value for key, value in arguments.items() if key in wanted})
            outcomes.append(CheckOutcome(name, True, credit.share if credit.share is not None else 1.0))
        except CheckFailed as failure:
            share = credit.share if credit.share is not None and credit.share < 1.0 else 0.0
            outcomes.append(CheckOutcome(name, False, share, str(failure)))
    diagnosis = merged([diagnose_function(boundary.lenient, function)])
    assert diagnosis["internal"] == [], diagnosis["internal"]
    tests = score_checks(outcomes, POINTS)  # the training check appears as "did not run": 0 points
    return Report(submission="generated", suite="hidden", score=round(sum(t.score for t in tests), 2),
                  max_score=round(sum(t.max_score for t in tests), 2), tests=tests, bugs=diagnosis["bugs"],
                  unexplained=diagnosis["unexplained"])


def assert_a_report_within_bounds(report: Report):
    """Score within bounds (rendering the report is left to the end-to-end runs: textwrap alone
    would double the time of an example)."""
    assert 0 <= report.score <= report.max_score == 100
    assert all(0 <= test.score <= test.max_score for test in report.tests)
    assert all(isinstance(finding["message"], str) for finding in report.unexplained)


def probe_arguments(function: str):
    if function == "forward":
        return [p.args() for p in diagnosis_probes.forward_probes()]
    if function == "backward":
        return [p.args() for p in diagnosis_probes.backward_probes()]
    return [p.args() for p in diagnosis_probes.clip_probes()]


def assert_typed(function: str, value):
    """A readable value is plain float64 arrays in the published containers."""
    if function == "forward":
        assert len(value) == 9 and all(isinstance(items, list) for items in value)
        arrays_ = [a for items in value for a in items]
    elif function == "backward":
        assert isinstance(value[0], float)
        arrays_ = list(value[1])
    else:
        arrays_ = list(value)
    assert all(type(a) is np.ndarray and a.dtype == np.float64 for a in arrays_)


def check_tree(function: str, tree):
    for args in probe_arguments(function)[:2]:  # the grading below reads it against every probe
        reading = read(function, args, {}, tree)
        assert all(isinstance(problem, str) and problem for problem in reading.problems)
        if reading.readable:
            assert_typed(function, reading.value)
        else:
            assert reading.problems
    assert_a_report_within_bounds(grade_in_process(function, tree))


@SETTINGS
@given(RETURNS["forward"])
def test_any_forward_return_value_gives_a_report(tree):
    check_tree("forward", tree)


@SETTINGS
@given(RETURNS["backward"])
def test_any_backward_return_value_gives_a_report(tree):
    check_tree("backward", tree)


@SETTINGS
@given(RETURNS["clip_and_update"])
def test_any_clip_and_update_return_value_gives_a_report(tree):
    check_tree("clip_and_update", tree)


# ---------------------------------------------------------------- readable, but wrong


def mutate(value, path, replacement):
    """``value`` (nested lists/tuples of arrays) with the item at ``path`` replaced."""
    if not path or not isinstance(value, (list, tuple)) or not value:
        return replacement(value)
    index = path[0] % len(value)
    items = list(value)
    items[index] = mutate(items[index], path[1:], replacement)
    return type(value)(items)


def on_arrays(change):
    return lambda v: change(v) if isinstance(v, np.ndarray) else v


REPLACEMENTS = {
    "nan": on_arrays(lambda v: np.where(np.arange(v.size).reshape(v.shape) == 0, np.nan, v)),
    "scaled": on_arrays(lambda v: v * 1e6),
    "int": on_arrays(lambda v: v.astype(np.int64)),
    "drop": lambda v: type(v)(list(v)[:-1]) if isinstance(v, (list, tuple)) else v,
    "tuple": lambda v: tuple(v) if isinstance(v, list) else v,
}


@settings(max_examples=40, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(FUNCTIONS), st.lists(st.integers(0, 20), max_size=3), st.sampled_from(sorted(REPLACEMENTS)))
def test_readable_but_wrong_values_are_diagnosed_without_a_fault(function, path, how):
    """Near-correct values (the reference's, one item changed) reach the
    diagnosis' search; it analyses them or says so, never fails."""
    def tree_for(name, *args, **kwargs):
        value = getattr(reference, name)(*copy.deepcopy(args), **copy.deepcopy(kwargs))
        return CallOutcome(value=mutate(value, path, REPLACEMENTS[how]) if name == function else value)
    boundary = Boundary(tree_for, hidden=True)
    diagnosis = merged([diagnose_function(boundary.lenient, function)])
    assert diagnosis["internal"] == []
    assert function in diagnosis["functions_ok"]


# ---------------------------------------------------------------- end to end, real sandbox

END_TO_END = [  # each file: forward, backward and clip_and_update all return what the contract does not allow
    {"forward": "tuple([[np.zeros((1, 1))]] * 8 + [None])",
     "backward": "(10 ** 400, tuple(np.zeros_like(q) for q in p))",
     "clip_and_update": "tuple([10 ** 400] * 10)"},
    {"forward": "tuple(range(9))",
     "backward": "(float('nan'), [np.full(q.shape, np.nan) for q in p])",
     "clip_and_update": "tuple(np.zeros((0,)) for _ in range(10))"},
    {"forward": "tuple([[np.ones((2, 1)) * 1j]] * 9)",
     "backward": "[[[[[None]]]], {'a': (1, 2.5)}]",
     "clip_and_update": "[np.array(1.5)] * 10"},
    {"forward": "tuple([h_prev] * (len(inputs) - 1) for _ in range(9))",
     "backward": "(True, {'dW_f': 1})",
     "clip_and_update": "tuple(np.ones(q.shape, dtype=bool) for q in params)"},
    {"forward": "{'z_s': None}",
     "backward": "('1.0', ['x'] * 10)",
     "clip_and_update": "[[1.0, 2.0]] * 10"},
]
SIGNATURES = {"forward": "forward(inputs, h_prev, C_prev, p)",
              "backward": "backward(z, f, i, g, C, o, h, v, outputs, targets, p)",
              "clip_and_update": "clip_and_update(params, grads, lr=1e-2, max_norm=0.25)"}


def hostile_file(path: Path, returns: dict) -> Path:
    source = "import numpy as np\n"
    for function, expression in returns.items():
        source += f"\n\ndef {SIGNATURES[function]}:\n    return {expression}\n"
    path.write_text(source)
    return path


def grade_command(path):
    return subprocess.run([sys.executable, "-c", "from grader.cli import main; main()", "grade", "--format",
                           "json", "--timeout", "5", str(path)], capture_output=True, text=True, timeout=300)


def test_generated_return_values_end_to_end_through_the_sandbox(tmp_path):
    paths = [hostile_file(tmp_path / f"hostile_{k}.py", returns) for k, returns in enumerate(END_TO_END)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(grade_command, paths))
    for path, result in zip(paths, results):
        assert result.returncode == 0, (path.name, result.stderr)
        assert "Traceback" not in result.stderr + result.stdout, path.name
        report = json.loads(result.stdout)
        assert report["score"] == 0 and report["max_score"] == 100, path.name
        assert not any("internal" in error for error in report["errors"]), (path.name, report["errors"])
        named = {finding["function"] for finding in report["unexplained"] + report["bugs"]}
        assert named == set(SIGNATURES), (path.name, report["unexplained"])  # and says what is wrong with each
