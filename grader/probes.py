"""Seeded probe inputs: parameters, sequences and states for one check.

Every probe is built from an explicit seed, so the same submission always
meets the same numbers and gets the same score and feedback.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PARAM_NAMES = ("W_f", "W_i", "W_g", "W_o", "W_v", "b_f", "b_i", "b_g", "b_o", "b_v")
CACHE_NAMES = ("z_s", "f_s", "i_s", "g_s", "C_s", "o_s", "h_s", "v_s", "output_s")


@dataclass(frozen=True)
class Probe:
    """One forward/backward input: a sequence, its targets, states, parameters."""

    name: str
    inputs: np.ndarray  # (T, V, 1) one-hot
    targets: np.ndarray  # (T, V, 1) one-hot
    h_prev: np.ndarray  # (H, 1)
    C_prev: np.ndarray  # (H, 1)
    params: tuple  # the 10 parameters in contract order

    @property
    def T(self) -> int:
        return self.inputs.shape[0]

    @property
    def H(self) -> int:
        return self.h_prev.shape[0]

    @property
    def V(self) -> int:
        return self.inputs.shape[1]


def random_params(H: int, V: int, rng: np.random.Generator, scale: float = 0.5) -> tuple:
    """Dense random parameters (non-zero biases, so no term hides behind a 0)."""
    weights = tuple(rng.normal(0.0, scale, (H, H + V)) for _ in range(4))
    W_v = rng.normal(0.0, scale, (V, H))
    biases = tuple(rng.normal(0.0, scale, (H, 1)) for _ in range(4))
    b_v = rng.normal(0.0, scale, (V, 1))
    return (*weights, W_v, *biases, b_v)


def one_hot_sequence(indices, V: int) -> np.ndarray:
    """A ``(T, V, 1)`` one-hot array for the given token indices."""
    sequence = np.zeros((len(indices), V, 1))
    sequence[np.arange(len(indices)), np.asarray(indices), 0] = 1.0
    return sequence


SATURATION = 1000.0  # a logit offset far beyond where a naive exp overflows (~710)


def make_probe(name: str, *, T: int, H: int, V: int, seed: int,
               zero_state: bool = False, scale: float = 0.5,
               logit_scale: float | None = None, saturate: bool = False) -> Probe:
    """A seeded probe. ``logit_scale`` rescales ``W_v``/``b_v`` so the logits
    reach that magnitude. ``saturate`` pushes logit 0 to about +1000 and
    logit 1 to about -1000 and makes token 1 the first target: a naive softmax
    overflows, and the target's probability underflows to exactly 0, which
    only the loss's ``1e-12`` keeps finite."""
    rng = np.random.default_rng(seed)
    params = random_params(H, V, rng, scale)
    if logit_scale is not None:
        params = (*params[:4], params[4] * logit_scale, *params[5:9], params[9] * logit_scale)
    inputs = one_hot_sequence(rng.integers(0, V, T), V)
    target_indices = rng.integers(0, V, T)
    if saturate:
        b_v = params[9].copy()
        b_v[0] += SATURATION
        b_v[1] -= SATURATION
        params = (*params[:9], b_v)
        target_indices[0] = 1
    targets = one_hot_sequence(target_indices, V)
    if zero_state:
        h_prev, C_prev = np.zeros((H, 1)), np.zeros((H, 1))
    else:
        h_prev = rng.uniform(-0.9, 0.9, (H, 1))
        C_prev = rng.normal(0.0, 1.0, (H, 1))
    return Probe(name, inputs, targets, h_prev, C_prev, params)
