"""The hidden suite's probes (never shipped to students)."""

from grader.checks.clipping import make_case
from grader.checks.probeset import ProbeSet
from grader.checks.training import TrainingBudget
from grader.probes import make_probe

_T6 = make_probe("hidden-T6", T=6, H=5, V=4, seed=102)

PROBESET = ProbeSet(
    name="hidden",
    sequences={
        "T=1, zero state": make_probe("hidden-T1-zero", T=1, H=3, V=4, seed=101, zero_state=True),
        "T=6, non-zero state": _T6,
        "T=5, other shape": make_probe("hidden-T5", T=5, H=4, V=6, seed=103),
    },
    contract=_T6,
    large_logits=make_probe("hidden-logits", T=3, H=3, V=5, seed=104, saturate=True),
    gradcheck=make_probe("hidden-gradcheck", T=4, H=3, V=4, seed=105),
    gradcheck_seed=501,
    clip_cases={
        "clips_above_max_norm": make_case("above", seed=401, grad_norm=5.0, kwargs={"lr": 0.05, "max_norm": 1.0}),
        "keeps_gradients_below_max_norm": make_case("below", seed=402, grad_norm=0.4, kwargs={"lr": 0.05, "max_norm": 1.0}),
        "uses_one_global_norm": make_case("global", seed=403, grad_norm=3.0, kwargs={"lr": 0.1, "max_norm": 1.0}, dominant=1),
        "scales_with_lr": make_case("lr", seed=404, grad_norm=0.5, kwargs={"lr": 0.7, "max_norm": 2.0}),
        "uses_the_default_arguments": make_case("defaults", seed=405, grad_norm=2.0),
    },
    training=TrainingBudget(seed=0),
    list_inputs_case="T=5, other shape",
)
