"""Every mutant graded end to end: through the real sandbox, the real suite and
the diagnosis, exactly as `lstm-grader grade` does it.

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

from grader.grading import grade

_spec = importlib.util.spec_from_file_location("mutant_adapter", Path(__file__).parent / "mutants" / "adapter.py")
adapter = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(adapter)

MUTANTS = adapter.mutant_files()


def grade_to_json(path: Path) -> dict:
    return grade(path).to_json()


@pytest.fixture(scope="module")
def reports() -> dict[str, dict]:
    """All mutants graded, two at a time (each grading its own process)."""
    with ProcessPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        return dict(zip((p.name for p in MUTANTS), pool.map(grade_to_json, MUTANTS)))


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
