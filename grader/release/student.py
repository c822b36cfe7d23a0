"""The student edition: a wheel that can run the public self-check and holds
no trace of the reference solution or the hidden checks.

It is the full package minus the reference (``grader/solutions``), the hidden
probes (``grader/suites/hidden_probes.py``), the bug diagnosis (its error
model is the reference with one mistake at a time: ``grader/diagnosis``) and
the hidden points table (check names such as "T=6" describe hidden probes).
In their place it carries ``grader/suites/public_expected.npz`` (the
reference's answers on the PUBLIC probes only, recorded by running the public
suite with the reference as the submission) and the marker that switches
grader.edition to the student edition.

Before anything is written, :func:`find_leaks` scans the wheel's files for
reference code and hidden probe names, and the release is refused if it finds
any: the exclusion list is a promise this check keeps honest.
"""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np

from grader.checks.expected import LiveReference, reference
from grader.checks.stored import (EXPECTED_FILE, backward_entries, clip_entries, clip_key,
                                  forward_entries, probe_key)
from grader.checks.student import StudentCalls
from grader.edition import STUDENT_MARKER
from grader.release.wheel import WheelError, WheelSpec, full_wheel_spec
from grader.sandbox.outcome import CallOutcome

EXCLUDED_PREFIXES = ("grader/solutions/", "grader/diagnosis/", "grader/suites/hidden_probes.py")
EXPECTED_PATH = "grader/suites/" + EXPECTED_FILE.name
MARKER_PATH = "grader/" + STUDENT_MARKER
POINTS_PATH = "grader/default_points.toml"
MIN_LINE = 12  # shorter solution lines ("i = ...") are too generic to call a leak


class RecordingExpectations:
    """The live reference, remembering every answer the suite asks it for."""

    def __init__(self):
        self.live = LiveReference()
        self.entries: dict[str, np.ndarray] = {}

    def forward(self, probe):
        caches = self.live.forward(probe)
        self.entries.update(forward_entries(probe_key(probe), caches))
        return caches

    def backward(self, probe):
        result = self.live.backward(probe)
        self.entries.update(backward_entries(probe_key(probe), result))
        return result

    def clip_and_update(self, params, grads, lr, max_norm):
        result = self.live.clip_and_update(params, grads, lr, max_norm)
        self.entries.update(clip_entries(clip_key(params, grads, lr, max_norm), result))
        return result


def reference_call(name: str, *args, **kwargs) -> CallOutcome:
    """Call the reference in this process, the way the sandbox calls a submission."""
    return CallOutcome(value=getattr(reference(), name)(*args, **kwargs))


def record_public_expectations() -> dict[str, np.ndarray]:
    """The reference's answers to every question of the public suite.

    The public suite is run with the reference as the submission, so exactly
    the values it compares against are recorded, whatever checks it has.
    """
    from grader.plugin import GradingPlugin
    from grader.runner import run_suite
    from grader.suites.public_probes import PROBESET

    recorder = RecordingExpectations()
    plugin = run_suite(GradingPlugin(StudentCalls(reference_call), recorder, PROBESET))
    failed = [o.name for o in plugin.outcomes if not o.passed] + plugin.collection_errors
    if failed or not plugin.outcomes:
        raise WheelError(f"the reference does not pass the public suite ({', '.join(failed) or 'no checks ran'})")
    return recorder.entries


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def public_points(toml_text: str) -> str:
    """The points file with only its header comments and [public] table."""
    kept, section = [], None
    for line in toml_text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped.strip("[]").strip()
        if section is None or section == "public":
            kept.append(line)
    return "".join(kept)


def student_version(version: str) -> str:
    """``0.1.0`` -> ``0.1.0+student`` (a local version: same project, other edition)."""
    return f"{version}.student" if "+" in version else f"{version}+student"


def student_wheel_spec(full: WheelSpec | None = None) -> WheelSpec:
    """The student edition's files and metadata, from the full package."""
    full = full or full_wheel_spec()
    files = {path: data for path, data in full.files.items() if not path.startswith(EXCLUDED_PREFIXES)}
    files[POINTS_PATH] = public_points(full.files[POINTS_PATH].decode("utf-8")).encode("utf-8")
    files[EXPECTED_PATH] = npz_bytes(record_public_expectations())
    version = student_version(full.version)
    marker = {"edition": "student", "version": version, "suite": "public",
              "excluded": list(EXCLUDED_PREFIXES)}
    files[MARKER_PATH] = (json.dumps(marker, indent=2) + "\n").encode("utf-8")
    return WheelSpec(version=version, files=files, summary=full.summary + " (student edition)",
                     requires_python=full.requires_python, requires=list(full.requires), name=full.name)


def solution_lines(solution_source: str, given_source: str) -> set[str]:
    """The lines of the reference's solution blocks that the exercise does not
    also contain (those are given to students anyway)."""
    from grader.exercise import BEGIN, END

    given = {line.strip() for line in given_source.splitlines()}
    lines, inside = set(), False
    for line in solution_source.splitlines():
        stripped = line.strip()
        if stripped == BEGIN:
            inside = True
        elif stripped == END:
            inside = False
        elif inside and len(stripped) >= MIN_LINE and stripped not in given:
            lines.add(stripped)
    return lines


def hidden_probe_names() -> set[str]:
    from grader.suites.hidden_probes import PROBESET

    probes = [*PROBESET.sequences.values(), PROBESET.contract, PROBESET.large_logits, PROBESET.gradcheck]
    return {probe.name for probe in probes}


def secrets() -> set[str]:
    """Strings whose presence in a student file would be a leak."""
    from grader.exercise import exercise_path, solution_path

    return (solution_lines(solution_path().read_text(encoding="utf-8"),
                           exercise_path().read_text(encoding="utf-8"))
            | hidden_probe_names())


def readable_members(name: str, data: bytes):
    """``(name, bytes)`` of a file and, for zip-based files, of every member."""
    yield name, data
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for member in archive.namelist():
                yield from readable_members(f"{name}!{member}", archive.read(member))


def find_leaks(files: dict[str, bytes], forbidden: set[str] | None = None) -> list[str]:
    """``"file: secret"`` for each forbidden string or file found."""
    forbidden = secrets() if forbidden is None else forbidden
    leaks = [f"{path}: excluded file" for path in files if path.startswith(EXCLUDED_PREFIXES)]
    for path, data in files.items():
        for name, content in readable_members(path, data):
            leaks += [f"{name}: {secret!r}" for secret in forbidden if secret.encode("utf-8") in content]
    return leaks
