"""Shared fixtures for the project's own tests.

The tests import the package as installed (``pip install -e ".[test]"``, see
README.md): ``grader.solutions.lstm`` is the reference solution and
``grader.exercises.lstm`` the generated student exercise.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

REPO_ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "packaging: builds and installs the wheel (~8 s); part of the normal run")

PARAM_NAMES = ("W_f", "W_i", "W_g", "W_o", "W_v", "b_f", "b_i", "b_g", "b_o", "b_v")
CACHE_NAMES = ("z_s", "f_s", "i_s", "g_s", "C_s", "o_s", "h_s", "v_s", "output_s")


@pytest.fixture(scope="session")
def ref():
    """The reference solution module."""
    from grader.solutions import lstm

    return lstm


@pytest.fixture(scope="session")
def exercise():
    """The generated student exercise module (stubs for the three functions)."""
    from grader.exercises import lstm

    return lstm


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@dataclass
class Problem:
    """One forward/backward input with everything non-trivial."""

    inputs: np.ndarray  # (T, V, 1) one-hot
    targets: np.ndarray  # (T, V, 1) one-hot
    h_prev: np.ndarray  # (H, 1), non-zero
    C_prev: np.ndarray  # (H, 1), non-zero
    params: tuple  # the 10 parameters in contract order

    @property
    def H(self) -> int:
        return self.h_prev.shape[0]

    @property
    def V(self) -> int:
        return self.inputs.shape[1]

    @property
    def T(self) -> int:
        return self.inputs.shape[0]


def one_hot(indices, V: int) -> np.ndarray:
    out = np.zeros((len(indices), V, 1))
    out[np.arange(len(indices)), np.asarray(indices), 0] = 1.0
    return out


def make_problem(H: int, V: int, T: int, seed: int = 0, scale: float = 0.5) -> Problem:
    """Random dense parameters (non-zero biases) and non-zero initial states."""
    rng = np.random.default_rng(seed)
    params = (
        *(rng.normal(0.0, scale, (H, H + V)) for _ in range(4)),
        rng.normal(0.0, scale, (V, H)),
        *(rng.normal(0.0, scale, (H, 1)) for _ in range(4)),
        rng.normal(0.0, scale, (V, 1)),
    )
    return Problem(
        inputs=one_hot(rng.integers(0, V, T), V),
        targets=one_hot(rng.integers(0, V, T), V),
        h_prev=rng.normal(0.0, 0.5, (H, 1)),
        C_prev=rng.normal(0.0, 1.0, (H, 1)),
        params=params,
    )


@pytest.fixture
def problem_factory():
    """``make_problem(H, V, T, seed=0)`` as a fixture."""
    return make_problem


def deep_copy(value):
    """Copy nested tuples/lists of arrays (to detect in-place modification)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return type(value)(deep_copy(v) for v in value)
    return value


def assert_same_values(before, after, what: str):
    """Nested tuples/lists of arrays hold exactly the same values."""
    if isinstance(before, np.ndarray):
        assert np.array_equal(before, after), f"{what} was modified in place"
        return
    assert len(before) == len(after), f"{what} changed length"
    for k, (b, a) in enumerate(zip(before, after)):
        assert_same_values(b, a, f"{what}[{k}]")


# --------------------------------------------------------------------------
# The worst gradient-check error, reported at the end of the run
# --------------------------------------------------------------------------

_GRADCHECK_KEY = pytest.StashKey[list]()


@pytest.fixture(scope="session")
def gradcheck_record(request):
    """A list of ``(test id, parameter, relative error)``; the worst is
    printed in the terminal summary."""
    return request.config.stash.setdefault(_GRADCHECK_KEY, [])


def pytest_terminal_summary(terminalreporter, config):
    records = config.stash.get(_GRADCHECK_KEY, [])
    if records:
        test_id, name, error = max(records, key=lambda r: r[2])
        terminalreporter.write_line(
            f"gradient check: worst relative error {error:.2e} "
            f"({name}, {test_id}) over {len(records)} parameter checks"
        )
