"""Points per check: defaults that sum to 100, overridable by an instructor.

The defaults live in ``default_points.toml`` beside this module. An instructor
passes an edited copy with ``--points FILE``; a check missing from that file
keeps its default points, and a name that matches no check is an error, so a
typo never silently changes a grade.
"""

from __future__ import annotations

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

DEFAULT_POINTS_FILE = Path(__file__).with_name("default_points.toml")
CREDIT_TABLE = "credit"  # not a suite: the settings of the credit rules (docs/grading.md)
CREDIT_DEFAULTS = {"named_bug_credit": 0.5}  # when a points file (the student edition's) has no [credit]


class PointsError(ValueError):
    """The points file cannot be used (unreadable, unknown check, negative)."""


def read_points(path: Path) -> dict[str, dict[str, float]]:
    """``{suite: {check name: points}}`` from a TOML file."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise PointsError(f"cannot read the points file {path}: {error}") from None
    table = {}
    for suite, checks in data.items():
        if not isinstance(checks, dict):
            raise PointsError(f"{path}: [{suite}] must be a table of check = points")
        for name, points in checks.items():
            if isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0:
                raise PointsError(f"{path}: points for {suite}.{name!r} must be a number >= 0")
        table[suite] = {name: float(points) for name, points in checks.items()}
    return table


def overridden(defaults: dict, override: Path, table: str, kind: str, where: str) -> dict:
    """``defaults`` with ``override``'s ``[table]`` merged in; a name that is
    not among the defaults is an error (a typo never silently changes a grade)."""
    custom = read_points(override).get(table, {})
    unknown = sorted(set(custom) - set(defaults))
    if unknown:
        raise PointsError(f"{override}: no {kind} named {', '.join(unknown)} in {where}; "
                          f"known {kind}s: {', '.join(sorted(defaults))}")
    return {**defaults, **custom}


def points_for(suite: str, override: Path | None = None) -> dict[str, float]:
    """The points of every check of ``suite``, defaults merged with ``override``."""
    points = dict(read_points(DEFAULT_POINTS_FILE)[suite])
    if override is not None:
        points = overridden(points, override, suite, "check", f"the {suite} suite")
        credit_setting("named_bug_credit", override)  # a bad [credit] table fails now, not after grading
    return points


def credit_setting(name: str, override: Path | None = None) -> float:
    """One setting of the ``[credit]`` table, default merged with ``override``.

    ``named_bug_credit`` (0 <= r < 1) is the credit one named backward bug
    leaves a gradient check it fully explains (see grader.credit); 0 turns
    that rule off.
    """
    settings = {**CREDIT_DEFAULTS, **read_points(DEFAULT_POINTS_FILE).get(CREDIT_TABLE, {})}
    if override is not None:
        settings = overridden(settings, override, CREDIT_TABLE, "setting", f"[{CREDIT_TABLE}]")
    if name == "named_bug_credit" and not 0.0 <= settings[name] < 1.0:
        raise PointsError(f"{override}: [{CREDIT_TABLE}] named_bug_credit must be >= 0 and < 1")
    return settings[name]
