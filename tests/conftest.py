"""Shared fixtures for the project's own tests.

The tests import the package as installed (``pip install -e ".[test]"``, see
README.md): ``grader.solutions.lstm`` is the reference solution and
``grader.exercises.lstm`` the generated student exercise.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from grader.probes import Probe, make_probe

os.environ.setdefault("MPLBACKEND", "Agg")

REPO_ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "packaging: builds and installs the wheel (~8 s); part of the normal run")


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


def make_problem(H: int, V: int, T: int, seed: int = 0, scale: float = 0.5) -> Probe:
    """Random dense parameters (non-zero biases) and non-zero initial states."""
    return make_probe(f"test-H{H}-V{V}-T{T}-{seed}", T=T, H=H, V=V, seed=seed, scale=scale)


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


def pytest_sessionfinish(session):
    """Under pytest-xdist, a worker hands its records to the controller."""
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["gradcheck"] = session.config.stash.get(_GRADCHECK_KEY, [])


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """The controller collects each worker's gradient-check records."""
    records = getattr(node, "workeroutput", {}).get("gradcheck", [])
    node.config.stash.setdefault(_GRADCHECK_KEY, []).extend(tuple(r) for r in records)


def pytest_terminal_summary(terminalreporter, config):
    records = config.stash.get(_GRADCHECK_KEY, [])
    if records:
        test_id, name, error = max(records, key=lambda r: r[2])
        terminalreporter.write_line(
            f"gradient check: worst relative error {error:.2e} "
            f"({name}, {test_id}) over {len(records)} parameter checks"
        )
