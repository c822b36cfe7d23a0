"""Hidden stays hidden, and student text is shown, never executed.

No student-visible rendering of the hidden grading (terminal report,
feedback.txt / .html, Gradescope, PrairieLearn, nbgrader feedback) carries
what the submission printed or more than a short first line of what it
raised; the full text is in the instructor-only part of results.json.
Control characters in student text are shown as escapes, HTML is escaped.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.batch.html import render_feedback_html
from grader.checks.boundary import short_message
from grader.diagnosis import probes as diagnosis_probes
from grader.feedback import render_text
from grader.grading import GradingOptions, grade
from grader.nbgrader_hooks import PARTS, render_part
from grader.outputs import write_report_files
from grader.platforms.gradescope import gradescope_results
from grader.platforms.prairielearn import prairielearn_results
from grader.platforms.summary import summary_text
from grader.suites.hidden_probes import PROBESET

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_SOURCE = (ROOT / "solutions" / "lstm.py").read_text()


def hostile(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.py"
    path.write_text(REFERENCE_SOURCE + "\n\n" + (ROOT / "tests" / "hostile" / f"{name}.py").read_text())
    return path


def student_visible(report, tmp_path: Path) -> dict[str, str]:
    """Every student-visible rendering of a report."""
    write_report_files(report, tmp_path / "out")
    data = report.to_json()
    texts = {
        "terminal": render_text(report),
        "feedback.txt": (tmp_path / "out" / "feedback.txt").read_text(encoding="utf-8"),
        "feedback.html": render_feedback_html(report, "student"),
        "gradescope": json.dumps(gradescope_results(report)),
        "prairielearn": json.dumps(prairielearn_results(report)),
        "summary": summary_text(report),
    }
    texts.update({f"nbgrader {part}": render_part(data, part, 10, []) for part in PARTS})
    return texts


def hidden_h_prev_tokens() -> set[str]:
    """The first digits of every hidden h_prev value, as repr() writes them."""
    probes = [*PROBESET.sequences.values(), PROBESET.contract, PROBESET.large_logits, PROBESET.gradcheck,
              *(p.probe for p in diagnosis_probes.backward_probes())]
    tokens = set()
    for probe in probes:
        for value in probe.h_prev.ravel():
            text = repr(abs(float(value)))
            if len(text) >= 7 and float(value) != 0:
                tokens.add(text[:7])
    return tokens


@pytest.fixture(scope="module")
def leak_report(tmp_path_factory):
    return grade(hostile(tmp_path_factory.mktemp("leak"), "integrity_leak"))


def test_hidden_values_raised_or_printed_never_reach_the_student(leak_report, tmp_path):
    tokens = hidden_h_prev_tokens()
    assert len(tokens) > 10
    instructor = json.dumps(leak_report.instructor)
    assert any(token in instructor for token in tokens)  # the instructor gets the full text...
    assert "forward called with h_prev" in leak_report.instructor["output"]
    for where, text in student_visible(leak_report, tmp_path).items():  # ...students do not
        assert not [token for token in tokens if token in text], where
        assert "forward called with h_prev" not in text, where
        assert "array(" not in text, where


def test_hidden_error_texts_are_one_short_line(leak_report):
    backward = {test.name: test.feedback for test in leak_report.tests}["backward/loss"]
    assert backward.startswith("backward raised RuntimeError:")
    assert "\n" not in backward and len(backward) < 300
    assert leak_report.output == ""  # printed text: instructor-only in hidden grading
    full = [error for error in leak_report.instructor["errors"] if error["function"] == "backward"]
    assert full and "array(" in full[0]["message"]


def test_short_message_keeps_the_first_line_masks_numbers_and_cuts():
    assert short_message("ValueError: shapes (4,1) and (5,1)\nmore") == "ValueError: shapes (4,1) and (5,1) [...]"
    assert short_message("x 0.4967141 -1.5e-3 y") == "x … … y"
    assert short_message("a" * 500).endswith("a [...]") and len(short_message("a" * 500)) < 120


def test_the_public_check_shows_what_the_code_printed(tmp_path):
    report = grade(hostile(tmp_path, "integrity_leak"), GradingOptions(suite="public"))
    assert "forward called with h_prev" in report.output
    assert "forward called with h_prev" in render_text(report)


@pytest.mark.parametrize("suite", ["hidden", "public"])
def test_control_characters_are_shown_not_executed(tmp_path, suite):
    report = grade(hostile(tmp_path, "integrity_ansi"), GradingOptions(suite=suite))
    texts = student_visible(report, tmp_path)
    for where, text in texts.items():
        for character in "\x1b\x07\r\u202e":
            assert character not in text, (where, repr(character))
        assert "<script>" not in text or where in ("terminal", "feedback.txt", "summary", "gradescope",
                                                   "prairielearn") or where.startswith("nbgrader"), where
    assert "&lt;script&gt;" in texts["feedback.html"]
    assert "\\x1b[2J" in texts["terminal"]  # shown, as an escape
    if suite == "public":
        assert "\\x1b]0;pwned\\x07" in texts["terminal"]  # what it printed, shown
