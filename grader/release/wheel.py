"""Build a wheel of this package from its own files, without a build backend.

``pip wheel .`` needs the source tree and, with build isolation, the network.
The bundles must also build from an installed copy (a course server with the
grader installed from a wheel), so this writes the wheel directly: a wheel is
a zip with the package files plus a ``.dist-info`` folder (METADATA, WHEEL,
entry_points.txt, RECORD). The file list is the importable package, so an
editable install and a regular one give the same wheel. Timestamps are fixed,
so the same files always give the same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import zipfile
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path, PurePosixPath

import grader

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DIST_NAME = "lstm-autograder"
CONSOLE_SCRIPTS = {"lstm-grader": "grader.cli:main"}
SKIP_DIRS = {"__pycache__"}
SKIP_SUFFIXES = (".pyc", ".pyo", ".swp", "~", ".orig", ".rej")
ZIP_DATE = (2020, 1, 1, 0, 0, 0)


class WheelError(RuntimeError):
    """The package files cannot be found or the wheel cannot be written."""


@dataclass
class WheelSpec:
    """What goes into a wheel: files by their path inside it, and metadata."""

    version: str
    files: dict[str, bytes]  # "grader/cli.py" -> content
    summary: str = ""
    requires_python: str = ""
    requires: list[str] = field(default_factory=list)
    name: str = DIST_NAME

    @property
    def filename(self) -> str:
        return f"{self.name.replace('-', '_')}-{self.version}-py3-none-any.whl"


def source_root() -> Path | None:
    """The source checkout that ``grader`` is imported from, if it is one."""
    root = Path(grader.__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() else None


def _walk(folder: Path, prefix: PurePosixPath, files: dict[str, bytes]) -> None:
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part in SKIP_DIRS or part.startswith(".") for part in relative.parts):
            continue
        if path.is_file() and not path.name.endswith(SKIP_SUFFIXES):
            files[str(prefix / PurePosixPath(*relative.parts))] = path.read_bytes()


def package_files() -> dict[str, bytes]:
    """Every file of the ``grader`` package, by its path inside a wheel.

    From a source checkout, pyproject's ``package-dir`` maps packages kept in
    other folders (``solutions/`` is ``grader/solutions``); installed, they
    already sit inside ``grader/``.
    """
    files: dict[str, bytes] = {}
    _walk(Path(grader.__file__).resolve().parent, PurePosixPath("grader"), files)
    root = source_root()
    if root is not None:
        config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
        mapping = config.get("tool", {}).get("setuptools", {}).get("package-dir", {})
        for package, folder in mapping.items():
            if package.startswith("grader."):
                _walk(root / folder, PurePosixPath(*package.split(".")), files)
    if "grader/cli.py" not in files:
        raise WheelError("cannot find the files of the grader package")
    return files


def installed_metadata() -> dict:
    """Version, summary and requirements of the installed distribution."""
    try:
        dist = distribution(DIST_NAME)
    except PackageNotFoundError:
        raise WheelError(f"{DIST_NAME} is not installed (pip install -e . in the source tree)") from None
    requires = [r for r in (dist.requires or []) if "extra ==" not in r]
    return {"version": dist.version, "summary": dist.metadata.get("Summary", ""),
            "requires_python": dist.metadata.get("Requires-Python", ""), "requires": requires}


def full_wheel_spec() -> WheelSpec:
    """The whole package, as installed: what the Gradescope bundle installs."""
    return WheelSpec(files=package_files(), **installed_metadata())


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def dist_info_files(spec: WheelSpec) -> dict[str, bytes]:
    lines = ["Metadata-Version: 2.1", f"Name: {spec.name}", f"Version: {spec.version}"]
    if spec.summary:
        lines.append(f"Summary: {spec.summary}")
    if spec.requires_python:
        lines.append(f"Requires-Python: {spec.requires_python}")
    lines += [f"Requires-Dist: {requirement}" for requirement in spec.requires]
    wheel = ["Wheel-Version: 1.0", f"Generator: lstm-grader {grader.__version__}",
             "Root-Is-Purelib: true", "Tag: py3-none-any"]
    scripts = ["[console_scripts]"] + [f"{name} = {target}" for name, target in CONSOLE_SCRIPTS.items()]
    return {"METADATA": ("\n".join(lines) + "\n").encode(),
            "WHEEL": ("\n".join(wheel) + "\n").encode(),
            "entry_points.txt": ("\n".join(scripts) + "\n").encode(),
            "top_level.txt": b"grader\n"}


def wheel_bytes(spec: WheelSpec) -> bytes:
    """The wheel of ``spec`` as bytes (the file named ``spec.filename``)."""
    dist_info = f"{spec.name.replace('-', '_')}-{spec.version}.dist-info"
    entries = dict(sorted(spec.files.items()))
    entries.update({f"{dist_info}/{name}": data for name, data in dist_info_files(spec).items()})
    record_name = f"{dist_info}/RECORD"
    record = [f"{name},{_record_hash(data)},{len(data)}" for name, data in entries.items()]
    record.append(f"{record_name},,")
    entries[record_name] = ("\n".join(record) + "\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


def write_wheel(spec: WheelSpec, out_dir: Path) -> Path:
    """Write ``spec`` as a wheel into ``out_dir``; return its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / spec.filename
    target.write_bytes(wheel_bytes(spec))
    return target
