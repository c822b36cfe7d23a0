"""The catalogue as data: stable ids, complete entries, the generated doc."""

from __future__ import annotations

from pathlib import Path

from grader.diagnosis import load_catalog, render_markdown
from grader.diagnosis.error_model import BUG_OF

# Stable ids (BUG-CATALOG.md): never rename or reuse one. Adding is fine.
STABLE_IDS = [
    "forward/concat-order", "forward/initial-state-not-stored", "forward/state-not-carried",
    "forward/cell-update", "forward/hidden-missing-tanh", "forward/gate-activation",
    "forward/pre-activation-stored", "forward/unstable-softmax",
    "backward/hidden-state-off-by-one", "backward/cell-state-off-by-one", "backward/previous-cell-index",
    "backward/tanh-applied-twice", "backward/forget-gate-no-derivative",
    "backward/input-gate-derivative-of-output", "backward/output-gate-derivative-of-output",
    "backward/forget-gate-derivative-of-output", "backward/candidate-derivative-of-output",
    "backward/no-hidden-carry", "backward/no-cell-carry", "backward/cell-carry-missing-forget",
    "backward/hidden-carry-wrong-slice", "backward/softmax-gradient", "backward/loss-averaged",
    "backward/loss-no-epsilon", "backward/gradients-clipped",
    "clip/elementwise", "clip/per-parameter-norm", "clip/always-rescales", "clip/wrong-coefficient",
    "clip/not-applied", "update/wrong-sign", "update/learning-rate-ignored",
    # issue 11: mistakes found in real students' code
    "forward/gate-bias-missing", "backward/input-gate-no-derivative", "backward/output-gate-no-derivative",
    "backward/candidate-no-derivative", "backward/sigmoid-derivative-sign",
    "backward/cell-tanh-derivative-without-tanh", "backward/previous-cell-initial-state",
    "backward/loss-squared-error", "clip/biases-skipped", "update/biases-not-updated",
    "update/parameters-unchanged",
]

DOC = Path(__file__).resolve().parents[1] / "docs" / "bug-catalog.md"


def test_every_stable_id_is_in_the_catalogue_in_order():
    ids = list(load_catalog())
    assert ids[:len(STABLE_IDS)] == STABLE_IDS


def test_entries_are_complete():
    for entry in load_catalog().values():
        assert entry.function in ("forward", "backward", "clip_and_update")
        assert entry.id.split("/")[0] in ("forward", "backward", "clip", "update")
        assert entry.title and entry.fix
        assert 20 < len(entry.explanation) < 400


def test_error_model_and_catalogue_agree():
    catalogue = set(load_catalog())
    assert set(BUG_OF.values()) == catalogue


def test_doc_is_generated_from_the_data():
    assert DOC.read_text(encoding="utf-8") == render_markdown(), (
        "docs/bug-catalog.md drifted from grader/diagnosis/catalog.json; "
        "regenerate it with: python -m grader.diagnosis")


def test_rendered_doc_lists_every_id():
    text = render_markdown()
    for bug_id in STABLE_IDS:
        assert f"`{bug_id}`" in text
