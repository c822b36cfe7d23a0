"""Every mutant through the real sandbox: graded end to end, exactly as
`lstm-grader grade` does it, or (the other ways of writing a bug already
graded as a single mutant, and the notebook-plus-one files) diagnosed through
a real sandboxed StudentProcess, where a full grade adds nothing but time.

tests/test_diagnosis.py proves the diagnosis engine in-process and fast; here
the same student files go through the whole product, so a bug named there but
lost on the way (the sandbox's data conversion, the report) fails here. Scores
follow the diagnosis: correct styles earn full marks, every named bug costs
points.
"""

from __future__ import annotations

import importlib.util
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from grader.checks.boundary import Boundary
from grader.contained_diagnosis import diagnose_function, merged
from grader.grading import grade
from grader.sandbox import StudentProcess

_spec = importlib.util.spec_from_file_location("mutant_adapter", Path(__file__).parent / "mutants" / "adapter.py")
adapter = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(adapter)

ALL_MUTANTS = adapter.mutant_files()
SANDBOX_DIAGNOSED = [p for p in ALL_MUTANTS if p.name.startswith(("variant_", "notebook_plus_"))]
MUTANTS = [p for p in ALL_MUTANTS if p not in SANDBOX_DIAGNOSED]


def grade_to_json(path: Path) -> dict:
    return grade(path).to_json()


def diagnose_in_sandbox(path: Path) -> dict:
    """The diagnosis as grading runs it: behind the boundary, one function at a time."""
    with StudentProcess(path) as student:
        call = Boundary(student.call, True).lenient
        return merged([diagnose_function(call, name) for name in ("forward", "backward", "clip_and_update")])


def run_all(path: Path) -> dict:
    return diagnose_in_sandbox(path) if path in SANDBOX_DIAGNOSED else grade_to_json(path)


@pytest.fixture(scope="module")
def results() -> dict[str, dict]:
    """Every mutant graded or diagnosed in the sandbox, two at a time (each in its own process)."""
    with ProcessPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        return dict(zip((p.name for p in ALL_MUTANTS), pool.map(run_all, ALL_MUTANTS)))


@pytest.fixture(scope="module")
def reports(results) -> dict[str, dict]:
    return {p.name: results[p.name] for p in MUTANTS}


def test_every_id_is_graded_as_a_single_mutant():
    graded = set().union(*(adapter.expected_ids(p) for p in MUTANTS if p.name.startswith("single_")))
    sandboxed = set().union(*(adapter.expected_ids(p) for p in SANDBOX_DIAGNOSED))
    assert sandboxed <= graded and len(graded) == 43


@pytest.mark.parametrize("path", SANDBOX_DIAGNOSED, ids=[p.stem for p in SANDBOX_DIAGNOSED])
def test_sandboxed_diagnosis_names_exactly_the_expected_bugs(path, results):
    diagnosis = results[path.name]
    assert {bug["id"] for bug in diagnosis["bugs"]} == adapter.expected_ids(path)
    assert [f["message"] for f in diagnosis["unexplained"] if f["wrong"]] == []


@pytest.mark.parametrize("path", MUTANTS, ids=[p.stem for p in MUTANTS])
def test_grading_names_exactly_the_expected_bugs(path, reports):
    report = reports[path.name]
    assert {bug["id"] for bug in report["bugs"]} == adapter.expected_ids(path)
    assert report["errors"] == []


@pytest.mark.parametrize("path", MUTANTS, ids=[p.stem for p in MUTANTS])
def test_scores_follow_the_diagnosis(path, reports):
    report = reports[path.name]
    if path.name.startswith("correct_"):
        assert report["score"] == report["max_score"] == 100
        assert report["bugs"] == [] and report["unexplained"] == []
    else:
        assert report["score"] < report["max_score"]


def test_named_bugs_carry_explanation_fix_and_evidence(reports):
    report = reports["notebook_original.py"]
    assert len(report["bugs"]) >= 12
    for bug in report["bugs"]:
        assert bug["explanation"] and bug["fix"] and bug["evidence"]
        assert bug["function"] in ("forward", "backward", "clip_and_update")
