"""Find the combination of catalogued bugs that explains a student's outputs.

A *domain* (one student function) knows the student's outputs, keyed
``(probe, output, ...)``, and can evaluate the error model for any
combination of switches. The search does not try all 2^k combinations: it
runs *stages* that follow the structure of the model. Each stage enumerates a
few switches and scores only the outputs that depend on them (e.g. ``db_v``
depends on the logit gradient alone, ``dW_v`` on that and on the hidden-state
index). Within a stage, *groups* of switches that touch disjoint outputs given
the stage's shared switches are chosen independently, so their costs add
instead of multiplying.

Scoring counts the outputs that match within tolerance; ties go to the
combination with fewer bugs, then to the first in catalogue order, so the
result is deterministic.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Callable

from .compare import TOLERANCE, as_array, relative_error
from .error_model import BUG_OF, SWITCHES, bugs_of

Key = tuple  # (probe name, output name, *more)


@dataclass(frozen=True)
class Stage:
    """Switches to enumerate and the outputs that judge them.

    ``groups`` is a tuple of ``(switches, outputs)``: each group's switches are
    chosen by the outputs listed with it, for every assignment of ``shared``.
    ``probes`` restricts the probes evaluated (None: all; a failure on one
    of them leaves the function undiagnosed unless ``required`` is False, the
    stage then deciding on the probes that ran); ``scale_free`` compares
    directions only (used before clipping is decided); ``skip`` lists
    ``(switch, variant)`` pairs the stage's probes cannot tell apart from the
    contract (a later stage decides them).
    """

    groups: tuple
    shared: tuple = ()
    probes: tuple | None = None
    scale_free: bool = False
    steps: int | None = None
    required: bool = True
    skip: tuple = ()


@dataclass
class Domain:
    """One student function: its outputs and a way to evaluate the model."""

    function: str
    student: dict  # Key -> value
    evaluate: Callable  # (candidate, probes | None, steps | None) -> dict Key -> value
    stages: tuple
    _cache: dict = field(default_factory=dict, repr=False)
    _matched: dict = field(default_factory=dict, repr=False)  # keyed by id() of a model held in _cache

    def __post_init__(self):
        # flattened once: the search compares each student output many times
        self.flat = {key: as_array(value) for key, value in self.student.items()}

    def model(self, candidate: dict, probes=None, steps=None) -> dict:
        key = (tuple(sorted(normalised(candidate).items())), probes, steps)
        if key not in self._cache:
            self._cache[key] = self.evaluate(normalised(candidate), probes, steps)
        return self._cache[key]

    @property
    def evaluations(self) -> int:
        return len(self._cache)


def normalised(candidate: dict) -> dict:
    """Drop switches set to the contract's variant (they are the default)."""
    return {name: value for name, value in candidate.items() if (name, value) in BUG_OF}


def matched_keys(domain: Domain, model: dict, outputs=None, scale_free=False) -> set:
    """The keys of ``model`` whose student output matches (memoised per model)."""
    memo_key = (id(model), outputs, scale_free)
    if memo_key not in domain._matched:
        domain._matched[memo_key] = _matched_keys(domain, model, outputs, scale_free)
    return domain._matched[memo_key]


def _matched_keys(domain: Domain, model: dict, outputs, scale_free) -> set:
    return {
        key for key, value in model.items()
        if key in domain.flat and (outputs is None or key[1] in outputs)
        and relative_error(domain.flat[key], value, scale_free) <= TOLERANCE
    }


def assignments(function: str, switches, skip=()) -> list[dict]:
    variants = [[v for v in SWITCHES[function][name] if (name, v) not in skip] for name in switches]
    return [dict(zip(switches, combo)) for combo in itertools.product(*variants)]


def best_in_group(domain: Domain, candidate: dict, switches, outputs, stage: Stage):
    best_rank, best = None, candidate
    for assignment in assignments(domain.function, switches, stage.skip):
        trial = {**candidate, **assignment}
        model = domain.model(trial, stage.probes, stage.steps)
        score = len(matched_keys(domain, model, outputs, stage.scale_free))
        rank = (-score, len(bugs_of(normalised(trial))))
        if best_rank is None or rank < best_rank:
            best_rank, best = rank, trial
    return best, -best_rank[0]


def run_stage(domain: Domain, current: dict, stage: Stage) -> dict:
    best_rank, best = None, current
    for shared in assignments(domain.function, stage.shared, stage.skip):
        candidate, total = {**current, **shared}, 0
        for switches, outputs in stage.groups:
            candidate, score = best_in_group(domain, candidate, switches, outputs, stage)
            total += score
        rank = (-total, len(bugs_of(normalised(candidate))))
        if best_rank is None or rank < best_rank:
            best_rank, best = rank, candidate
    return best


def search(domain: Domain, start: dict | None = None) -> dict:
    """The best-explaining combination of switches, stage by stage."""
    candidate = dict(start or {})
    for stage in domain.stages:
        candidate = run_stage(domain, candidate, stage)
    return prune(domain, normalised(candidate))


def prune(domain: Domain, candidate: dict) -> dict:
    """Drop every switch whose removal loses no matched output."""
    matched = matched_keys(domain, domain.model(candidate))
    for name in sorted(candidate):
        without = {k: v for k, v in candidate.items() if k != name}
        if matched <= matched_keys(domain, domain.model(without)):
            candidate = without
    return candidate


@dataclass
class Explanation:
    """The chosen combination, what it matches, and the evidence per bug id."""

    candidate: dict
    matched: set
    unmatched: set
    evidence: dict  # bug id -> evidence dict
    model: dict


def explain(domain: Domain, candidate: dict) -> Explanation:
    model = domain.model(candidate)
    matched = matched_keys(domain, model)
    unmatched = set(domain.student) - matched
    evidence: dict = {}
    for name, value in sorted(candidate.items()):
        without = {k: v for k, v in candidate.items() if k != name}
        model_without = domain.model(without)
        lost = sorted(matched - matched_keys(domain, model_without), key=str)
        if not lost:
            continue
        bug_id = BUG_OF[(name, value)]
        entry = evidence.setdefault(bug_id, {"variants": [], "probes": set(), "outputs": set(),
                                             "max_error_with_bug": 0.0, "min_error_without_bug": 1.0})
        entry["variants"].append(f"{name}={value}")
        entry["probes"].update(key[0] for key in lost)
        entry["outputs"].update(output_label(key) for key in lost)
        entry["max_error_with_bug"] = max(entry["max_error_with_bug"],
                                          *(relative_error(domain.student[k], model[k]) for k in lost))
        entry["min_error_without_bug"] = min(entry["min_error_without_bug"],
                                             *(relative_error(domain.student[k], model_without.get(k)) for k in lost))
    for entry in evidence.values():
        entry["probes"] = sorted(entry["probes"])
        entry["outputs"] = sorted(entry["outputs"])
    return Explanation(candidate, matched, unmatched, evidence, model)


def output_label(key: Key) -> str:
    """``dW_f`` or ``C_s[2]``: the output a key refers to, without its probe."""
    return key[1] if len(key) == 2 else f"{key[1]}[{key[2]}]"
