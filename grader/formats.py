"""Output formats of ``grade`` and ``check``: each turns a Report into text."""

from __future__ import annotations

import json

from grader.feedback import render_text
from grader.platforms.gradescope import as_gradescope
from grader.platforms.prairielearn import as_prairielearn
from grader.report import Report


def as_json(report: Report) -> str:
    return json.dumps(report.to_json(), indent=2) + "\n"


FORMATS = {
    "text": render_text,
    "json": as_json,
    "gradescope": as_gradescope,
    "prairielearn": as_prairielearn,
}
