"""The public self-check's probes: other seeds and shapes than the hidden ones."""

from grader.checks.clipping import make_case
from grader.checks.probeset import ProbeSet
from grader.checks.training import TrainingBudget
from grader.probes import make_probe

_T4 = make_probe("public-T4", T=4, H=3, V=3, seed=8)

PROBESET = ProbeSet(
    name="public",
    sequences={
        "T=1, zero state": make_probe("public-T1-zero", T=1, H=2, V=3, seed=7, zero_state=True),
        "T=4, non-zero state": _T4,
    },
    contract=_T4,
    large_logits=make_probe("public-logits", T=2, H=2, V=3, seed=9, saturate=True),
    gradcheck=make_probe("public-gradcheck", T=3, H=2, V=3, seed=10),
    gradcheck_seed=11,
    clip_cases={
        "clips_above_max_norm": make_case("above", seed=12, grad_norm=4.0, kwargs={"lr": 0.1, "max_norm": 0.5}),
        "keeps_gradients_below_max_norm": make_case("below", seed=13, grad_norm=0.3, kwargs={"lr": 0.2, "max_norm": 0.5}),
    },
    training=TrainingBudget(seed=1),
    list_inputs_case="T=4, non-zero state",
)
