"""diagnose() on real student files (tests/mutants/): exactly the expected bugs.

Each mutant states what it contains in an ``expected:`` line; the
out-of-catalogue ones also say where the feedback must point
(``localised: function | wrong: ... | right: ... | where: ...``).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from grader.diagnosis import diagnose, load_catalog

_spec = importlib.util.spec_from_file_location("mutant_adapter", Path(__file__).parent / "mutants" / "adapter.py")
adapter = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(adapter)

MUTANTS = adapter.mutant_files()


def run(path: Path):
    return diagnose(adapter.in_process_call(adapter.load_mutant(path)))


@pytest.fixture(scope="module")
def diagnoses():
    return {path.name: run(path) for path in MUTANTS}


@pytest.mark.parametrize("path", MUTANTS, ids=[p.stem for p in MUTANTS])
def test_names_exactly_the_expected_bugs(path, diagnoses):
    assert set(diagnoses[path.name].bug_ids) == adapter.expected_ids(path)


@pytest.mark.parametrize("path", [p for p in MUTANTS if p.name.startswith("correct_")],
                         ids=lambda p: p.stem)
def test_correct_styles_are_never_accused(path, diagnoses):
    diagnosis = diagnoses[path.name]
    assert diagnosis.bugs == [] and diagnosis.unexplained == []
    assert diagnosis.functions_ok == {"forward": True, "backward": True, "clip_and_update": True}


LOCALISED = [p for p in MUTANTS if adapter.marker(p, "localised")]


@pytest.mark.parametrize("path", LOCALISED, ids=lambda p: p.stem)
def test_unknown_bugs_are_localised(path, diagnoses):
    function, wrong, right, where = (part.split(":", 1)[-1].strip() for part in adapter.marker(path, "localised").split("|"))
    findings = [f for f in diagnoses[path.name].unexplained if f.function == function and f.wrong]
    assert len(findings) == 1, diagnoses[path.name].unexplained
    finding = findings[0]
    assert set(wrong.split()) <= set(finding.wrong)
    assert set(right.split()) <= set(finding.right)
    assert where in finding.where or where in finding.message
    assert not diagnoses[path.name].functions_ok[function]
    assert len(finding.message) > 60


def test_every_catalogue_id_has_a_single_bug_mutant():
    covered = {}
    for path in MUTANTS:
        ids = adapter.expected_ids(path)
        if len(ids) == 1 and path.name.startswith("single_"):
            covered[next(iter(ids))] = path.name
    missing = [bug_id for bug_id in load_catalog() if bug_id not in covered]
    assert not missing, f"catalogue ids without a mutant: {missing}"
    assert len(covered) == 32


def test_mutant_suite_has_the_required_kinds():
    names = [p.name for p in MUTANTS]
    combos = [p for p in MUTANTS if 2 <= len(adapter.expected_ids(p)) <= 5]
    assert len(combos) >= 5
    assert sum(n.startswith("correct_") for n in names) >= 5
    assert sum(n.startswith("unknown_") for n in names) >= 3
    assert "notebook_original.py" in names


def test_the_notebook_backward_is_fully_named(diagnoses):
    named = set(diagnoses["notebook_original.py"].bug_ids)
    notebook = {"hidden-state-off-by-one", "cell-state-off-by-one", "previous-cell-index", "tanh-applied-twice",
                "forget-gate-no-derivative", "input-gate-derivative-of-output",
                "output-gate-derivative-of-output", "candidate-derivative-of-output", "no-hidden-carry",
                "no-cell-carry", "loss-averaged", "loss-no-epsilon", "gradients-clipped"}
    assert named == {f"backward/{name}" for name in notebook}
    assert diagnoses["notebook_original.py"].unexplained == []


def test_named_bugs_carry_evidence(diagnoses):
    for bug in diagnoses["combo_backward_five.py"].bugs:
        assert bug.evidence["probes"] and bug.evidence["outputs"]
        assert bug.evidence["max_error_with_bug"] <= 1e-6 < bug.evidence["min_error_without_bug"]
        assert bug.explanation and bug.fix and bug.title


def test_bugs_are_sorted_by_function_then_catalogue(diagnoses):
    order = list(load_catalog())
    for diagnosis in diagnoses.values():
        assert diagnosis.bug_ids == sorted(diagnosis.bug_ids, key=order.index)


def test_to_json_is_plain_and_deterministic():
    path = next(p for p in MUTANTS if p.name == "combo_all_functions.py")
    first, second = run(path).to_json(), run(path).to_json()
    assert json.loads(json.dumps(first)) == first == second
    assert first["calls"] == 12


@pytest.mark.parametrize("path", [p for p in MUTANTS if not adapter.marker(p, "localised")], ids=lambda p: p.stem)
def test_catalogued_bugs_leave_nothing_unexplained(path, diagnoses):
    """Only crashes may remain (e.g. dz[H:] cannot run when H != V), never wrong values."""
    assert [f.message for f in diagnoses[path.name].unexplained if f.wrong] == []
