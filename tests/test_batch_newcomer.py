"""Batch grading as a newcomer and a hostile class meet it: layout naming,
problems that are not errors (a hang, an unwritten function), formula cells
in every CSV column, student ids equal to OUT's own files, and submissions
that are symbolic links."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest

from grader.batch.classreport import summarize, write_class_report
from grader.batch.discover import Submission, discover
from grader.batch.engine import GRADED, REJECTED, BatchRun, default_executor_factory, load_result
from grader.batch.gradebook import FORMULA_START, Entry, problems, render_csv
from grader.grading import GradingOptions
from grader.report import Report
from grader.report import TestResult as Check

CHECKS = {"a/one": 60.0, "b/two": 40.0}
CATALOGUE = ["forward/x"]


def write(path: Path, text: str = "x = 1\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def report(score: float, feedback: str = "", unexplained: int = 0, errors=()) -> Report:
    return Report("x.py", "hidden", score, 100.0,
                  [Check("a/one", min(score, 60), 60.0, score >= 60, "" if score >= 60 else feedback),
                   Check("b/two", max(score - 60, 0), 40.0, score == 100, "" if score == 100 else feedback)],
                  unexplained=[{"message": "forward: h is off"}] * unexplained, errors=list(errors))


# --------------------------------------------------------------------------
# discovery
# --------------------------------------------------------------------------


def test_a_students_own_subfolder_is_not_an_assignment(tmp_path):
    write(tmp_path / "folderstudent" / "hw" / "lstm.py")
    write(tmp_path / "alice.py")
    found = {s.student_id: s for s in discover(tmp_path)}
    assert found["folderstudent"].assignment == "" and found["alice"].assignment == ""
    # nbgrader's layout still names it
    write(tmp_path / "course" / "submitted" / "bob" / "ps1" / "lstm.py")
    assert [s.assignment for s in discover(tmp_path / "course")] == ["ps1"]


def test_discovery_never_follows_a_symbolic_link(tmp_path):
    secret = write(tmp_path / "elsewhere" / "secret.py", "SECRET = 1\n")
    write(tmp_path / "elsewhere" / "deep" / "more.py")
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "linked.py").symlink_to(secret)  # a zip unpacked with its links kept (zip -y)
    (subs / "linkdir").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (subs / "carol").mkdir()
    (subs / "carol" / "lstm.py").symlink_to(secret)
    (subs / "dave").mkdir()
    (subs / "dave" / "hw").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    write(subs / "erin" / "ps1" / "lstm.py")
    (subs / "erin" / "ps1" / "timestamp.txt").symlink_to(secret)
    found = {s.student_id: s for s in discover(subs)}
    assert found["linkdir"].path is None and "symbolic link" in found["linkdir"].problem
    assert found["linked"].path == subs / "linked.py"  # refused when read, see below
    assert found["carol"].path == subs / "carol" / "lstm.py"
    assert found["dave"].path is None and "no .py or .ipynb" in found["dave"].problem
    assert found["erin"].timestamp == ""
    write(subs / "fay" / "ps1" / "lstm.py")
    os.mkfifo(subs / "fay" / "ps1" / "timestamp.txt")  # would block a plain open() forever
    assert {s.student_id: s for s in discover(subs)}["fay"].timestamp == ""


def fake_grade(filename, content, original, options):
    score = float(content.decode().split("=")[1]) if b"=" in content else 0.0
    return {"status": GRADED, "report": report(score).to_json()}


def test_a_symlinked_submission_is_refused_with_a_clear_message(tmp_path):
    secret = write(tmp_path / "elsewhere" / "secret.py", "x=100\n")
    subs = tmp_path / "subs"
    write(subs / "alice.py", "x=50\n")
    (subs / "linked.py").symlink_to(secret)
    out = tmp_path / "out"
    seen = []
    BatchRun(discover(subs), out, GradingOptions(), default_executor_factory(1), 2, grade_fn=fake_grade,
             on_result=lambda sid, status, rep: seen.append((sid, status))).run()
    assert sorted(seen) == [("alice", GRADED), ("linked", REJECTED)]
    linked = load_result(out, "linked")
    assert linked.score == 0 and "is a symbolic link" in linked.errors[0]
    assert "x=100" not in (out / "students" / "linked" / "feedback.txt").read_text()


# --------------------------------------------------------------------------
# OUT's own files and the students' folders
# --------------------------------------------------------------------------


@pytest.mark.parametrize("student", ["grades.csv", "batch.json", "report.html", "score_histogram.png"])
def test_a_student_named_like_a_file_of_out_does_not_collide(tmp_path, student):
    subs = tmp_path / "subs"
    write(subs / student / "lstm.py", "x=40\n")
    write(subs / "zed.py", "x=70\n")
    out = tmp_path / "out"
    summary = BatchRun(discover(subs), out, GradingOptions(), default_executor_factory(1), 2,
                       grade_fn=fake_grade).run()
    assert summary.graded == 2
    entries = [Entry(s, load_result(out, s.student_id)) for s in discover(subs)]
    (out / "grades.csv").write_text(render_csv(entries, list(CHECKS), CATALOGUE))
    write_class_report(entries, list(CHECKS), CATALOGUE, out)
    assert (out / "students" / student / "results.json").is_file()
    assert load_result(out, student).score == 40
    assert (out / "grades.csv").is_file() and (out / "report.html").is_file()


# --------------------------------------------------------------------------
# gradebook: no formula in any cell
# --------------------------------------------------------------------------


def test_no_cell_of_the_gradebook_is_a_formula():
    hostile = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
    entries = [Entry(Submission(text, Path("a.py"), assignment=text, timestamp=text),
                     report(30, feedback="fine", errors=[text]))
               for text in hostile]
    rows = list(csv.reader(io.StringIO(render_csv(entries, list(CHECKS), CATALOGUE), newline="")))
    cells = [cell for row in rows for cell in row]
    assert [cell for cell in cells if cell.startswith(FORMULA_START)] == []
    assert len(rows) == 1 + len(hostile)  # no CR split a row
    by_id = {row[3]: row for row in rows[1:]}
    assert set(by_id) == {"'" + text.replace("\t", " ").replace("\r", " ") for text in hostile}
    assert all(row[0] == row[3] == row[2] for row in rows[1:])  # assignment, timestamp, student_id


# --------------------------------------------------------------------------
# problems that are not errors
# --------------------------------------------------------------------------


RUN_FAILURES = {
    "hang": "forward did not return within 10 s",
    "budget": "backward was not run: the total time budget of 120 s for your code is used up",
    "memory": "the process running forward was killed (SIGKILL), probably for using too much memory or CPU time",
    "flood": "forward printed more than 1048576 bytes of output; remove the prints from loops",
    "untouched": "forward is not implemented yet",
}


def test_run_failures_are_problems_in_the_report_and_the_gradebook():
    entries = [Entry(Submission(name, Path(f"{name}.py")), report(0, feedback=message))
               for name, message in RUN_FAILURES.items()]
    entries += [Entry(Submission("buggy", Path("buggy.py")), report(72.4, feedback="wrong gradients: dW_f",
                                                                     unexplained=2)),
                Entry(Submission("good", Path("good.py")), report(100))]
    summary = summarize(entries, list(CHECKS), CATALOGUE)
    listed = {student: message for student, _, message in summary["problems"]}
    assert set(listed) == set(RUN_FAILURES)
    for name, message in RUN_FAILURES.items():
        assert listed[name] == message
    rows = {row["student_id"]: row for row in csv.DictReader(io.StringIO(render_csv(entries, list(CHECKS), CATALOGUE)))}
    for name, message in RUN_FAILURES.items():
        assert rows[name]["errors"] == message
    assert rows["buggy"]["errors"] == "" and rows["buggy"]["unexplained"] == "2"
    assert problems(report(0, feedback="x", errors=["a\n b"])) == ["a b"]


def test_the_all_students_table_shows_unexplained_findings(tmp_path):
    entries = [Entry(Submission("buggy", Path("buggy.py")), report(72.4, feedback="wrong", unexplained=2)),
               Entry(Submission("good", Path("good.py")), report(100))]
    html = write_class_report(entries, list(CHECKS), CATALOGUE, tmp_path).read_text()
    table = html.split("All students", 1)[1]
    assert ">unexplained</th>" in table
    assert '<a href="students/buggy/feedback.html">buggy</a></td><td class="num">72.4</td><td></td>' \
           '<td class="num">2</td>' in table
