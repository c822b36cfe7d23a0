"""Name the bugs in a student's LSTM from its behaviour alone.

``diagnose(call)`` calls the student's ``forward``, ``backward`` and
``clip_and_update`` on a few seeded probes (13 calls), searches the error
model (the reference with one switch per catalogued bug) for the combination
that reproduces every output, and returns a :class:`Diagnosis`: the bugs it
names with evidence, localised findings for wrong behaviour that no
catalogued bug explains, and which functions behave like the reference.

The source text of the submission is never read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .catalog import FUNCTIONS, CatalogEntry, catalog_order, load_catalog, render_markdown
from .domains import OBSERVERS, Observed
from .localise import Finding, failure_finding, localise_backward, localise_clip, localise_forward
from .search import explain, search

__all__ = ["diagnose", "Diagnosis", "NamedBug", "Finding", "load_catalog", "CatalogEntry", "render_markdown"]


@dataclass(frozen=True)
class NamedBug:
    """A catalogued bug the behaviour shows, with the evidence for it."""

    id: str
    function: str
    title: str
    explanation: str
    fix: str
    evidence: dict = field(default_factory=dict, compare=False)

    def to_json(self) -> dict:
        return {"id": self.id, "function": self.function, "title": self.title,
                "explanation": self.explanation, "fix": self.fix, "evidence": self.evidence}


@dataclass
class Diagnosis:
    bugs: list  # list[NamedBug], sorted by function then catalogue order
    unexplained: list  # list[Finding]
    functions_ok: dict  # function -> bool
    undiagnosed: dict = field(default_factory=dict)  # function -> reason
    probes: int = 0
    calls: int = 0

    @property
    def bug_ids(self) -> list:
        return [bug.id for bug in self.bugs]

    def to_json(self) -> dict:
        return {
            "bugs": [bug.to_json() for bug in self.bugs],
            "unexplained": [finding.to_json() for finding in self.unexplained],
            "functions_ok": dict(self.functions_ok),
            "undiagnosed": dict(self.undiagnosed),
            "probes": self.probes,
            "calls": self.calls,
        }


OBSERVER_OF = dict(zip(FUNCTIONS, OBSERVERS))  # each observer calls only its own function


def diagnose(call: Callable, functions: tuple = FUNCTIONS) -> Diagnosis:
    """Diagnose a submission through ``call(name, *args) -> CallOutcome``;
    only ``functions`` are diagnosed (and called), e.g. one grading phase's."""
    catalog = load_catalog()
    bugs, findings, functions_ok, undiagnosed, calls = [], [], {}, {}, 0
    for function in functions:
        observed = OBSERVER_OF[function](call)
        calls += observed.calls
        result = diagnose_function(observed)
        functions_ok[observed.function] = result["ok"]
        if result["undiagnosed"]:
            undiagnosed[observed.function] = result["undiagnosed"]
        findings += result["findings"]
        for bug_id, evidence in result["evidence"].items():
            entry = catalog[bug_id]
            bugs.append(NamedBug(bug_id, entry.function, entry.title, entry.explanation, entry.fix, evidence))
    bugs.sort(key=lambda bug: (FUNCTIONS.index(bug.function), catalog_order(bug.id)))
    return Diagnosis(bugs, findings, functions_ok, undiagnosed, probes=calls, calls=calls)


def required_probes(observed: Observed) -> set:
    return {name for stage in observed.domain.stages if stage.required for name in (stage.probes or ())}


def diagnose_function(observed: Observed) -> dict:
    """Search one function's domain; evidence per bug id, findings, ok flag."""
    domain, failures = observed.domain, observed.failures
    failed = {f.probe for f in failures}
    result = {"ok": False, "undiagnosed": "", "findings": [], "evidence": {}}
    if not domain.student or failed & required_probes(observed):
        result["undiagnosed"] = "; ".join(f"{f.probe}: {f.kind}" for f in failures)
        result["findings"].append(failure_finding(observed.function, failures, diagnosed=False))
        return result
    reference = explain(domain, {})
    complete = set(domain.model({})) <= set(domain.student)
    result["ok"] = not failures and not reference.unmatched and complete
    if result["ok"]:
        return result
    explanation = explain(domain, search(domain, observed.start))
    result["evidence"] = explanation.evidence
    result["findings"] = localised(observed, explanation)
    if failures:
        result["findings"].append(failure_finding(observed.function, failures, diagnosed=True))
    return result


def localised(observed: Observed, explanation) -> list:
    domain = observed.domain
    named = bool(explanation.evidence)
    if observed.function == "forward":
        from .probes import forward_probes
        order = [p.name for p in forward_probes()]
        return localise_forward(explanation.unmatched, domain.student, observed.lengths, order, named)
    if observed.function == "backward":
        from .probes import backward_probes
        probe_T = {p.name: p.T for p in backward_probes()}
        return localise_backward(explanation.unmatched, domain.student, explanation.model, probe_T, named)
    from .probes import clip_probes
    descriptions = {p.name: p.description for p in clip_probes()}
    return localise_clip(explanation.unmatched, domain.student, explanation.model, descriptions, named)
