"""Batch grading's parts without real grading: layout discovery, the engine on
fake tasks (real worker processes, including one that dies), the gradebook
and the HTML pages from hand-made reports."""

from __future__ import annotations

import csv
import io
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from grader.batch.classreport import combinations, summarize, write_class_report
from grader.batch.discover import LayoutError, Submission, discover
from grader.batch.engine import (FAILED, GRADED, REJECTED, RETRY_MARKER, STAGING, BatchRun,
                                 default_executor_factory, is_done, load_result)
from grader.batch.gradebook import NBGRADER_COLUMNS, Entry, render_csv
from grader.batch.html import render_feedback_html
from grader.grading import GradingOptions
from grader.report import Report
from grader.report import TestResult as Check

CHECKS = {"a/one": 60.0, "b/two": 40.0}
CATALOGUE = ["forward/x", "backward/y", "clip/z"]


def write(path: Path, text: str = "x = 1\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# --------------------------------------------------------------------------
# discovery
# --------------------------------------------------------------------------


def test_flat_and_folder_layouts_mixed(tmp_path):
    write(tmp_path / "alice.py")
    write(tmp_path / "bob" / "lstm.py")
    write(tmp_path / "carol" / "work" / "my_lstm.ipynb", "{}")
    write(tmp_path / "notes.txt")  # not a submission
    write(tmp_path / ".hidden.py")
    write(tmp_path / "bob" / ".ipynb_checkpoints" / "lstm-checkpoint.py")
    found = discover(tmp_path)
    assert [(s.student_id, s.path) for s in found] == [
        ("alice", tmp_path / "alice.py"), ("bob", tmp_path / "bob" / "lstm.py"),
        ("carol", tmp_path / "carol" / "work" / "my_lstm.ipynb")]
    assert all(not s.problem for s in found)


def test_nbgrader_course_folder_with_timestamp(tmp_path):
    course = tmp_path / "course"
    write(course / "source" / "ps1" / "lstm.ipynb", "{}")  # the instructor's copy: not a student
    write(course / "submitted" / "alice" / "ps1" / "lstm.ipynb", "{}")
    write(course / "submitted" / "alice" / "ps1" / "timestamp.txt", "2024-05-01 10:00:00.000000 UTC\n")
    write(course / "submitted" / "bob" / "ps1" / "lstm.py")
    for root in (course, course / "submitted"):
        found = discover(root)
        assert [s.student_id for s in found] == ["alice", "bob"]
        assert [s.assignment for s in found] == ["ps1", "ps1"]
        assert found[0].timestamp == "2024-05-01 10:00:00.000000 UTC" and found[1].timestamp == ""


def test_several_assignments_need_assignment_option(tmp_path):
    write(tmp_path / "submitted" / "alice" / "ps1" / "lstm.py")
    write(tmp_path / "submitted" / "alice" / "ps2" / "lstm.py")
    [alice] = discover(tmp_path)
    assert alice.path is None and "--assignment" in alice.problem
    [alice] = discover(tmp_path, assignment="ps2")
    assert alice.path == tmp_path / "submitted" / "alice" / "ps2" / "lstm.py" and alice.assignment == "ps2"
    write(tmp_path / "submitted" / "bob" / "ps1" / "lstm.py")
    bob = discover(tmp_path, assignment="ps2")[1]
    assert bob.path is None and "no folder 'ps2'" in bob.problem


def test_a_student_problem_is_a_row_not_an_error(tmp_path):
    write(tmp_path / "alice.py")
    (tmp_path / "empty").mkdir()
    write(tmp_path / "two" / "a.py")
    write(tmp_path / "two" / "b.py")
    found = {s.student_id: s for s in discover(tmp_path)}
    assert found["empty"].path is None and "no .py or .ipynb file" in found["empty"].problem
    assert found["two"].path is None and "a.py, b.py" in found["two"].problem


@pytest.mark.parametrize("second", ["alice/lstm.py", "Alice.py", "alice.ipynb"])
def test_two_submissions_for_one_student_is_an_error(tmp_path, second):
    write(tmp_path / "alice.py")
    write(tmp_path / second)
    with pytest.raises(LayoutError, match="more than one submission for the same student"):
        discover(tmp_path)


def test_empty_folder_is_an_error_and_output_folder_is_skipped(tmp_path):
    with pytest.raises(LayoutError, match="no submissions"):
        discover(tmp_path)
    write(tmp_path / "alice.py")
    write(tmp_path / "out" / "alice" / "x.py")
    assert [s.student_id for s in discover(tmp_path, exclude=(tmp_path / "out",))] == ["alice"]


# --------------------------------------------------------------------------
# the engine, with fake grading tasks (module-level: they run in spawned workers)
# --------------------------------------------------------------------------


def fake_report(original: str, score: float) -> dict:
    tests = [Check("a/one", score * 0.6, 60.0, score == 100), Check("b/two", score * 0.4, 40.0,
                                                                              score == 100)]
    return Report(original, "hidden", score, 100.0, tests).to_json()


def fake_grade(filename: str, content: bytes, original: str, options) -> dict:
    """Score = the number in the file; 'reject' and 'die' behave as named."""
    text = content.decode()
    if text == "reject":
        return {"status": "rejected", "reason": "not UTF-8, say"}
    if text == "die":
        os._exit(1)  # the worker process dies: the pool breaks
    return {"status": "graded", "report": fake_report(original, float(text))}


def make_class(folder: Path, contents: dict[str, str]) -> list[Submission]:
    for student, text in contents.items():
        write(folder / f"{student}.py", text)
    return discover(folder)


def run(submissions, out, factory=None, grade_fn=fake_grade, **kwargs):
    seen = []
    batch = BatchRun(submissions, out, GradingOptions(), factory or default_executor_factory(2), 4,
                     grade_fn=grade_fn, on_result=lambda sid, status, report: seen.append((sid, status)),
                     **kwargs)
    return batch.run(), sorted(seen)


def test_engine_writes_each_result_and_resumes_only_missing(tmp_path):
    subs = make_class(tmp_path / "in", {f"s{k}": str(10 * k) for k in range(6)})
    out = tmp_path / "out"
    summary, seen = run(subs, out)
    assert summary.graded == 6 and seen == [(f"s{k}", GRADED) for k in range(6)]
    assert load_result(out, "s3").score == 30
    assert sorted(p.name for p in (out / "students" / "s3").iterdir()) == ["feedback.html", "feedback.txt", "results.json"]

    summary, seen = run(subs, out)  # nothing missing: nothing graded
    assert (summary.skipped, seen) == (6, [])

    (out / "students" / "s1" / "results.json").unlink()  # lost
    (out / "students" / "s2" / "results.json").write_text('{"submission": "s2", "sc')  # half-written
    (out / STAGING / "s4-junk").mkdir(parents=True)  # staging left by a killed run
    summary, seen = run(subs, out)
    assert seen == [("s1", GRADED), ("s2", GRADED)] and summary.skipped == 4
    assert not (out / STAGING).exists()
    assert load_result(out, "s2").score == 20

    summary, seen = run(subs, out, regrade=True)
    assert len(seen) == 6


def test_worker_death_costs_one_row_and_is_retried_next_run(tmp_path):
    subs = make_class(tmp_path / "in", {"a": "50", "b": "die", "c": "70", "d": "reject", "e": "90"})
    out = tmp_path / "out"
    summary, seen = run(subs, out)
    assert dict(seen) == {"a": GRADED, "b": FAILED, "c": GRADED, "d": REJECTED, "e": GRADED}
    assert summary.failures == ["b"]
    failed = load_result(out, "b")
    assert failed.tests == [] and "worker process died" in failed.errors[0]
    assert (out / "students" / "b" / RETRY_MARKER).exists() and not is_done(out, "b")
    rejected = load_result(out, "d")
    assert rejected.score == 0 and rejected.tests and all(t.score == 0 for t in rejected.tests)  # every check
    assert rejected.errors == ["not UTF-8, say"]

    (tmp_path / "in" / "b.py").write_text("40")  # e.g. the grader got fixed
    summary, seen = run(subs, out)
    assert seen == [("b", GRADED)] and not (out / "students" / "b" / RETRY_MARKER).exists()
    assert load_result(out, "b").score == 40


def test_engine_takes_any_executor(tmp_path):
    subs = make_class(tmp_path / "in", {"x": "10", "y": "20"})
    summary, seen = run(subs, tmp_path / "out", factory=lambda: ThreadPoolExecutor(2), recreate_broken=False)
    assert seen == [("x", GRADED), ("y", GRADED)]


def raising_grade(filename, content, original, options):
    raise RuntimeError("executor-side failure")


def test_an_exception_from_the_executor_is_one_failed_row(tmp_path):
    subs = make_class(tmp_path / "in", {"x": "10"})
    summary, seen = run(subs, tmp_path / "out", factory=lambda: ThreadPoolExecutor(1), grade_fn=raising_grade,
                        recreate_broken=False)
    assert seen == [("x", FAILED)]
    assert "RuntimeError: executor-side failure" in load_result(tmp_path / "out", "x").errors[0]


# --------------------------------------------------------------------------
# gradebook and pages, from hand-made reports
# --------------------------------------------------------------------------


def report(score, bugs=(), errors=(), tests=True, output="") -> Report:
    checks = [Check("a/one", min(score, 60), 60.0, score >= 60), Check("b/two", max(score - 60, 0), 40.0,
                                                                              score == 100)]
    return Report("x.py", "hidden", score, 100.0, checks if tests else [],
                  bugs=[{"id": b, "function": "f", "title": f"title {b}", "explanation": "use `C[t + 1]`",
                         "fix": "fix it", "evidence": {}} for b in bugs],
                  errors=list(errors), output=output)


def entries() -> list[Entry]:
    return [
        Entry(Submission("zoe", Path("zoe.py"), assignment="ps1"), report(100)),
        Entry(Submission("amy", Path("amy.py"), assignment="ps1", timestamp="2024-05-01"),
              report(70, bugs=["backward/y", "clip/z"])),
        Entry(Submission("bob", Path("bob.py"), assignment="ps1"), report(30, bugs=["clip/z", "backward/y"])),
        Entry(Submission("cat", Path("cat.py")), report(0, bugs=["clip/z", "new/id"], errors=["=cmd|' /C calc'!A0"])),
        Entry(Submission("dan", None), report(0, errors=["worker died"], tests=False)),
    ]


def parse(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_gradebook_columns_and_rows():
    text = render_csv(entries(), list(CHECKS), CATALOGUE)
    header = text.splitlines()[0].split(",")
    assert tuple(header[:len(NBGRADER_COLUMNS)]) == NBGRADER_COLUMNS
    assert header[len(NBGRADER_COLUMNS):] == ["a/one", "b/two", "bug:forward/x", "bug:backward/y", "bug:clip/z",
                                              "bug:new/id", "unexplained", "errors"]
    rows = parse(text)
    assert [r["student_id"] for r in rows] == ["amy", "bob", "cat", "dan", "zoe"]
    amy = rows[0]
    assert (amy["assignment"], amy["timestamp"], amy["score"], amy["raw_score"], amy["max_score"]) == \
        ("ps1", "2024-05-01", "70", "70", "100")
    assert (amy["a/one"], amy["b/two"]) == ("60", "10")
    assert (amy["bug:forward/x"], amy["bug:backward/y"], amy["bug:clip/z"]) == ("0", "1", "1")
    assert rows[2]["bug:new/id"] == "1" and rows[2]["errors"].startswith("'=")  # no formula injection
    dan = rows[3]
    assert dan["score"] == "" and dan["a/one"] == "" and dan["bug:clip/z"] == "" and dan["errors"] == "worker died"
    assert render_csv(list(reversed(entries())), list(CHECKS), CATALOGUE) == text  # deterministic


def test_class_statistics():
    assert combinations(entries()) == [(("backward/y", "clip/z"), 2), (("clip/z", "new/id"), 1)]
    summary = summarize(entries(), list(CHECKS), CATALOGUE)
    assert summary["bug_counts"][:2] == [("clip/z", 3), ("backward/y", 2)]
    assert ("forward/x", 0) in summary["bug_counts"]
    assert (summary["graded"], summary["not_graded"], summary["full_marks"]) == (4, 1, 1)
    assert summary["mean"] == pytest.approx(50)
    assert [p[0] for p in summary["problems"]] == ["cat", "dan"]
    assert summary["histogram_png"].startswith(b"\x89PNG") and summary["bugs_png"].startswith(b"\x89PNG")


def test_class_report_file(tmp_path):
    path = write_class_report(entries(), list(CHECKS), CATALOGUE, tmp_path)
    html = path.read_text()
    assert html.count('src="data:image/png;base64,') == 2
    assert (tmp_path / "score_histogram.png").read_bytes().startswith(b"\x89PNG")
    assert '<a href="students/dan/feedback.html">dan</a>' in html and "worker died" in html


def test_feedback_html_escapes_everything_from_the_student():
    hostile = "<script>alert(1)</script>"
    page = render_feedback_html(report(70, bugs=["clip/z"], errors=[hostile], output=hostile), hostile, b"\x89PNG")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<code>C[t + 1]</code>" in page and "data:image/png;base64," in page
    assert "70 / 100" in page and "title clip/z" in page
