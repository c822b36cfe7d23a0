"""A probe set: every seeded input one suite uses.

The hidden and the public suite run the same checks on different probe sets,
so the public self-check judges exactly like grading while revealing none of
the hidden numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from grader.checks.clipping import ClipCase
from grader.checks.training import TrainingBudget
from grader.probes import Probe


@dataclass(frozen=True)
class ProbeSet:
    name: str  # "hidden" or "public"
    sequences: dict[str, Probe]  # forward/backward probes by case name
    contract: Probe  # the probe of the structure checks and the loss check
    large_logits: Probe  # logits of magnitude ~1000, a target probability of exactly 0
    gradcheck: Probe  # backward against finite differences of forward
    gradcheck_seed: int
    clip_cases: dict[str, ClipCase]
    training: TrainingBudget = field(default_factory=TrainingBudget)
    list_inputs_case: str = ""  # the case whose inputs are passed as a list
