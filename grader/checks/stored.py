"""Expected values read from a file, for the student edition.

The student edition ships no reference solution, so the public self-check
compares against values the reference computed when the release was built
(``lstm-grader release``), on the PUBLIC probes only. Every value is filed
under a digest of the inputs it was computed from, not under a name: if a
student's NumPy ever generated different probe inputs from the same seeds,
the lookup misses and says so, instead of silently comparing against the
answer to another question.

The file is a plain ``np.savez`` archive, read with ``allow_pickle=False``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from grader.probes import CACHE_NAMES, PARAM_NAMES, Probe

EXPECTED_FILE = Path(__file__).resolve().parent.parent / "suites" / "public_expected.npz"


class MissingExpectation(LookupError):
    """The stored file holds no value for these inputs."""


def digest(*parts) -> str:
    """A short, stable digest of arrays, numbers and nested tuples/lists of them."""
    sha = hashlib.sha256()

    def feed(value):
        if isinstance(value, (list, tuple)):
            sha.update(b"[%d" % len(value))
            for item in value:
                feed(item)
            sha.update(b"]")
        else:
            array = np.ascontiguousarray(np.asarray(value, dtype=np.float64))
            sha.update(repr(array.shape).encode())
            sha.update(array.tobytes())

    for part in parts:
        feed(part)
    return sha.hexdigest()[:24]


def probe_key(probe: Probe) -> str:
    return digest(probe.inputs, probe.targets, probe.h_prev, probe.C_prev, probe.params)


def clip_key(params, grads, lr, max_norm) -> str:
    return digest(params, grads, lr, max_norm)


def forward_entries(key: str, caches) -> dict:
    """The arrays of one forward result, as archive entries."""
    return {f"forward/{key}/{name}/{t}": np.asarray(item)
            for name, items in zip(CACHE_NAMES, caches) for t, item in enumerate(items)}


def backward_entries(key: str, result) -> dict:
    loss, grads = result
    entries = {f"backward/{key}/loss": np.asarray(float(loss))}
    entries.update({f"backward/{key}/d{name}": np.asarray(g) for name, g in zip(PARAM_NAMES, grads)})
    return entries


def clip_entries(key: str, params) -> dict:
    return {f"clip/{key}/{name}": np.asarray(p) for name, p in zip(PARAM_NAMES, params)}


class StoredExpectations:
    """The ``expected`` fixture of the public suite, served from the archive."""

    def __init__(self, arrays: dict[str, np.ndarray]):
        self._arrays = arrays

    @classmethod
    def load(cls, path: Path = EXPECTED_FILE) -> "StoredExpectations":
        with np.load(path, allow_pickle=False) as archive:
            return cls({name: archive[name] for name in archive.files})

    def _get(self, name: str, what: str) -> np.ndarray:
        try:
            return self._arrays[name]
        except KeyError:
            raise MissingExpectation(
                f"no stored expected value for {what}: the public probes on this machine differ "
                "from those the release was built with (another NumPy version?); ask your "
                "instructor for a matching release") from None

    def forward(self, probe: Probe) -> tuple:
        key = probe_key(probe)
        self._get(f"forward/{key}/{CACHE_NAMES[0]}/0", f"forward on {probe.name}")
        caches = []
        for name in CACHE_NAMES:
            steps = probe.T + 1 if name in ("C_s", "h_s") else probe.T
            caches.append([self._arrays[f"forward/{key}/{name}/{t}"] for t in range(steps)])
        return tuple(caches)

    def backward(self, probe: Probe) -> tuple:
        key = probe_key(probe)
        loss = float(self._get(f"backward/{key}/loss", f"backward on {probe.name}"))
        return loss, tuple(self._arrays[f"backward/{key}/d{name}"] for name in PARAM_NAMES)

    def clip_and_update(self, params, grads, lr, max_norm) -> tuple:
        key = clip_key(params, grads, lr, max_norm)
        self._get(f"clip/{key}/{PARAM_NAMES[0]}", "this clip_and_update case")
        return tuple(self._arrays[f"clip/{key}/{name}"] for name in PARAM_NAMES)
