"""The diagnosis probes: few, small, and each chosen to separate bugs.

* forward: a 3-step sequence from a non-zero state (carry and indexing bugs
  differ from step 1 on; the concat order and the gates already at step 0),
  a 2-step sequence passed as a *list* of columns, and logits of magnitude
  ~1000 (an unstable softmax returns NaN there, a stable one does not).
* backward, always fed the REFERENCE forward caches so that forward bugs never
  cascade: T = 1 (no carries: isolates each gate's local derivative), T = 3
  (the carries through h and C), a confident T = 1 step whose gradient norm is
  below 0.25 (clipping does nothing there), logits ~1000 with every target at
  a probability that underflows to exactly 0 (the loss's epsilon matters), and
  H != V (every other backward probe has H == V so that the wrong slice
  ``dz[H:]`` runs instead of crashing).
* clip_and_update: global norms above AND below max_norm, several lr and
  max_norm values, per-parameter norms on both sides of max_norm, elements on
  both sides of max_norm, and one call with the default arguments.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from grader.probes import Probe, make_probe, random_params
from grader.solutions import lstm as reference


@dataclass(frozen=True)
class ForwardProbe:
    name: str
    probe: Probe
    as_list: bool = False  # pass ``inputs`` as a list of (V, 1) columns

    def args(self):
        p = self.probe
        inputs = [x.copy() for x in p.inputs] if self.as_list else p.inputs.copy()
        return inputs, p.h_prev.copy(), p.C_prev.copy(), copy_all(p.params)


@dataclass(frozen=True)
class BackwardProbe:
    name: str
    probe: Probe
    caches: tuple  # the reference forward's nine lists

    @property
    def T(self) -> int:
        return self.probe.T

    def args(self):
        caches = tuple([x.copy() for x in cache] for cache in self.caches)
        return (*caches, self.probe.targets.copy(), copy_all(self.probe.params))


@dataclass(frozen=True)
class ClipProbe:
    name: str
    params: tuple
    grads: tuple
    lr: float
    max_norm: float
    use_defaults: bool = False  # call as clip_and_update(params, grads)
    description: str = ""

    def args(self):
        if self.use_defaults:
            return copy_all(self.params), copy_all(self.grads)
        return copy_all(self.params), copy_all(self.grads), self.lr, self.max_norm


def copy_all(arrays) -> tuple:
    return tuple(np.array(a, dtype=np.float64, copy=True) for a in arrays)


@lru_cache(maxsize=1)
def forward_probes() -> tuple[ForwardProbe, ...]:
    return (
        ForwardProbe("forward T=3", make_probe("forward T=3", T=3, H=4, V=5, seed=101)),
        ForwardProbe("forward list input", make_probe("forward list input", T=2, H=3, V=6, seed=102), as_list=True),
        ForwardProbe("forward logits ~1000", shifted_logits_probe("forward logits ~1000", 103)),
    )


def shifted_logits_probe(name: str, seed: int) -> Probe:
    """Logits near +1000: a softmax without the max shift overflows to inf/inf = NaN.

    Adding 1000 to ``b_v`` moves every logit up by 1000 and leaves the
    probabilities unchanged, so the stable answer is an ordinary one.
    """
    probe = make_probe(name, T=2, H=3, V=4, seed=seed)
    params = probe.params
    return dataclasses.replace(probe, params=(*params[:9], params[9] + 1000.0))


def reference_caches(probe: Probe) -> tuple:
    return reference.forward(probe.inputs, probe.h_prev, probe.C_prev, probe.params)


def with_caches(name: str, probe: Probe) -> BackwardProbe:
    return BackwardProbe(name, probe, reference_caches(probe))


def confident_probe(name: str, seed: int) -> Probe:
    """T = 1, the target predicted with probability ~0.999: a tiny gradient."""
    probe = make_probe(name, T=1, H=4, V=4, seed=seed)
    W_v = probe.params[4] * 0.05
    b_v = np.full((probe.V, 1), -4.0)
    b_v[int(np.argmax(probe.targets[0]))] = 4.0
    return dataclasses.replace(probe, params=(*probe.params[:4], W_v, *probe.params[5:9], b_v))


def underflow_probe(name: str, seed: int) -> Probe:
    """Logits ~1000 and every target at the least likely token (probability 0.0)."""
    probe = make_probe(name, T=2, H=4, V=4, seed=seed, logit_scale=1000.0)
    outputs = reference_caches(probe)[-1]
    targets = np.zeros_like(probe.targets)
    for t, y_t in enumerate(outputs):
        targets[t, int(np.argmin(y_t)), 0] = 1.0
    return dataclasses.replace(probe, targets=targets)


@lru_cache(maxsize=1)
def backward_probes() -> tuple[BackwardProbe, ...]:
    return (
        with_caches("backward T=1", make_probe("backward T=1", T=1, H=4, V=4, seed=201)),
        with_caches("backward T=3", make_probe("backward T=3", T=3, H=4, V=4, seed=202)),
        with_caches("backward small gradient", confident_probe("backward small gradient", 203)),
        with_caches("backward probability 0", underflow_probe("backward probability 0", 204)),
        with_caches("backward H != V", make_probe("backward H != V", T=2, H=3, V=5, seed=205)),
    )


def scaled_to_norm(grads, norm: float) -> tuple:
    total = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    return tuple(g * (norm / total) for g in grads)


@lru_cache(maxsize=1)
def clip_probes() -> tuple[ClipProbe, ...]:
    rng = np.random.default_rng(301)
    params = random_params(3, 4, rng)
    # per-parameter scales far apart, so per-parameter norms fall on both sides of max_norm
    scales = (1.5, 0.1, 0.8, 0.05, 0.6, 0.02, 0.3, 0.01, 0.2, 0.05)
    raw = tuple(rng.normal(0.0, s, p.shape) for s, p in zip(scales, params))
    other = tuple(rng.normal(0.0, s, p.shape) for s, p in zip(scales[::-1], params))
    return (
        ClipProbe("clip norm 3 > max_norm 0.5, lr 0.05", params, scaled_to_norm(raw, 3.0), 0.05, 0.5,
                  description="global norm 3 above max_norm 0.5, lr 0.05"),
        ClipProbe("clip norm 0.1 < max_norm 0.5, lr 0.05", params, scaled_to_norm(raw, 0.1), 0.05, 0.5,
                  description="global norm 0.1 below max_norm 0.5, lr 0.05"),
        ClipProbe("clip norm 4 > max_norm 1, lr 0.2", params, scaled_to_norm(other, 4.0), 0.2, 1.0,
                  description="global norm 4 above max_norm 1.0, lr 0.2"),
        ClipProbe("clip defaults, norm 2", params, scaled_to_norm(raw, 2.0), 1e-2, 0.25, use_defaults=True,
                  description="default lr=0.01 and max_norm=0.25, global norm 2"),
    )
