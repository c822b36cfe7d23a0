"""The bug catalogue, loaded from ``catalog.json``, and its Markdown rendering.

The catalogue is data so that courses can read, diff and translate it without
touching code; ``docs/bug-catalog.md`` is rendered from it (run
``python -m grader.diagnosis`` to regenerate it; a test fails when the
document drifts from the data).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

FUNCTIONS = ("forward", "backward", "clip_and_update")
CATALOG_FILE = "catalog.json"


@dataclass(frozen=True)
class CatalogEntry:
    """One catalogued bug: a stable id and what a student needs to fix it."""

    id: str
    function: str
    title: str
    explanation: str
    fix: str


@lru_cache(maxsize=1)
def _data() -> dict:
    return json.loads(resources.files(__package__).joinpath(CATALOG_FILE).read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _load() -> tuple[CatalogEntry, ...]:
    entries = tuple(CatalogEntry(**raw) for raw in _data()["bugs"])
    for entry in entries:
        if entry.function not in FUNCTIONS:
            raise ValueError(f"{entry.id}: unknown function {entry.function!r}")
    if len({entry.id for entry in entries}) != len(entries):
        raise ValueError("duplicate id in the bug catalogue")
    return entries


def load_catalog() -> dict[str, CatalogEntry]:
    """The catalogue as ``{id: CatalogEntry}``, in catalogue order."""
    return {entry.id: entry for entry in _load()}


def mutant_count() -> int:
    """How many student files in tests/mutants/ prove the catalogue (a test keeps it true)."""
    return int(_data()["mutants"])


def catalog_order(bug_id: str) -> int:
    """Position of an id in the catalogue (used to sort findings)."""
    return [entry.id for entry in _load()].index(bug_id)


def render_markdown(catalog: dict[str, CatalogEntry] | None = None) -> str:
    """The catalogue as the Markdown document ``docs/bug-catalog.md``."""
    catalog = load_catalog() if catalog is None else catalog
    lines = [
        "# Bug catalogue",
        "",
        "<!-- Generated from grader/diagnosis/catalog.json by "
        "`python -m grader.diagnosis`; do not edit by hand. -->",
        "",
        "Every bug the grader can name from a submission's behaviour. The ids are",
        "stable: reports, gradebooks and course notes key on them.",
    ]
    for function in FUNCTIONS:
        lines += ["", f"## `{function}`", ""]
        for entry in catalog.values():
            if entry.function != function:
                continue
            lines += [
                f"### `{entry.id}`: {entry.title}",
                "",
                entry.explanation,
                "",
                f"**Fix:** {entry.fix}",
                "",
            ]
        lines.pop()
    lines += ["", "---", "",
              f"{len(catalog)} ids. Each is proven by student-style files in `tests/mutants/` "
              f"({mutant_count()} files: one per id, other ways of writing it, combinations, the course "
              "notebook with each new mistake added, correct styles that must never be accused, and "
              "mistakes outside the catalogue that must only be localised); every fix above, pasted "
              "literally into its file, grades 100."]
    return "\n".join(lines) + "\n"


def default_doc_path() -> Path:
    """``docs/bug-catalog.md`` in the source tree."""
    return Path(__file__).resolve().parents[2] / "docs" / "bug-catalog.md"


def write_doc(path: Path | None = None) -> Path:
    """Regenerate ``docs/bug-catalog.md`` from the data."""
    path = default_doc_path() if path is None else path
    path.write_text(render_markdown(), encoding="utf-8")
    return path
