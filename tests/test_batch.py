"""``lstm-grader batch`` end to end: real worker processes, real sandboxes,
real grading, real matplotlib. Batches are small to keep the file quick."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.points import points_for

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "solutions" / "lstm.py"
EXERCISE = ROOT / "exercises" / "lstm.py"
EXAMPLE = ROOT / "examples" / "buggy_submission.py"
HANGING = REFERENCE.read_text().replace("def forward(inputs, h_prev, C_prev, p):\n",
                                        "def forward(inputs, h_prev, C_prev, p):\n    while True:\n        pass\n")
FAST = ["--timeout", "2", "--total-timeout", "6"]


def mixed_class(folder: Path) -> Path:
    """Five students in the three layouts: right, untouched, buggy, broken, hanging."""
    folder.mkdir(parents=True)
    shutil.copy(REFERENCE, folder / "ada.py")
    (folder / "ben").mkdir()
    shutil.copy(EXERCISE, folder / "ben" / "lstm.py")
    (folder / "cy" / "ps1").mkdir(parents=True)
    shutil.copy(EXAMPLE, folder / "cy" / "ps1" / "lstm.py")
    (folder / "dee.py").write_text("def forward(:\n")
    (folder / "eli.py").write_text(HANGING)
    return folder


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def cli(*args: str):
    return CliRunner().invoke(main, ["batch", *map(str, args)], catch_exceptions=False)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("batch")
    out = base / "out"
    result = cli(mixed_class(base / "class"), "--out", out, "--workers", "2", *FAST)
    return result, out, base / "class"


def test_mixed_batch_gradebook(graded):
    result, out, _ = graded
    assert result.exit_code == 0, result.output
    rows = {row["student_id"]: row for row in read_csv(out / "grades.csv")}
    assert list(rows) == ["ada", "ben", "cy", "dee", "eli"]
    assert rows["ada"]["score"] == "100" and rows["ada"]["max_score"] == "100"
    assert rows["ben"]["score"] == "0"
    # cy's own subfolder ps1/ is not an assignment: only nbgrader's layout names one
    assert 0 < float(rows["cy"]["score"]) < 100 and rows["cy"]["assignment"] == ""
    assert "not implemented yet" in rows["ben"]["errors"]  # untouched: a problem, said in the errors cell
    assert "did not return within" in rows["eli"]["errors"] or "time budget" in rows["eli"]["errors"]
    assert rows["cy"]["unexplained"] == "0" and rows["cy"]["errors"] == ""
    assert rows["cy"]["bug:backward/cell-state-off-by-one"] == "1"
    assert rows["cy"]["bug:backward/cell-carry-missing-forget"] == "1"
    assert rows["ada"]["bug:backward/cell-state-off-by-one"] == "0"
    assert rows["dee"]["score"] == "0" and "syntax error" in rows["dee"]["errors"]
    assert float(rows["eli"]["score"]) < 100 and rows["eli"]["errors"]
    for name in points_for("hidden"):
        assert rows["ada"][name] == f"{points_for('hidden')[name]:g}"
    assert sum(1 for c in rows["ada"] if c.startswith("bug:")) >= 20  # every catalogued bug


def test_mixed_batch_files_and_report(graded):
    result, out, _ = graded
    for student in ("ada", "ben", "cy", "dee", "eli"):
        for name in ("feedback.txt", "feedback.html", "results.json"):
            assert (out / "students" / student / name).stat().st_size > 0, (student, name)
    assert (out / "students" / "ada" / "loss_curve.png").read_bytes().startswith(b"\x89PNG")
    assert json.loads((out / "students" / "cy" / "results.json").read_text())["submission"].endswith("lstm.py")
    report = (out / "report.html").read_text()
    assert report.count('src="data:image/png;base64,') == 2
    assert "backward/cell-state-off-by-one" in report and 'href="students/dee/feedback.html"' in report
    assert (out / "bug_counts.png").read_bytes().startswith(b"\x89PNG")
    assert "<h1>Class report</h1>" in report  # no student's subfolder names the class
    problems = report.split("Submissions with problems", 1)[1].split("All students", 1)[0]
    for student in ("ben", "dee", "eli"):  # untouched, syntax error, hanging
        assert f'href="students/{student}/feedback.html"' in problems, student
    assert 'href="students/cy/' not in problems and 'href="students/ada/' not in problems
    assert "<th" in report.split("All students", 1)[1] and ">unexplained</th>" in report
    assert "Graded 5 submissions" in result.stdout and "grades.csv" in result.stdout


def test_rerun_regrades_only_what_is_missing(graded):
    _, out, folder = graded
    before = {s: (out / "students" / s / "results.json").stat().st_mtime_ns for s in ("ada", "ben", "cy", "dee", "eli")}
    csv_before = (out / "grades.csv").read_text()
    (out / "students" / "ben" / "results.json").unlink()
    result = cli(folder, "--out", out, "--workers", "2", *FAST)
    assert result.exit_code == 0, result.output
    assert "Grading 1 submission" in result.stderr and "4 were already graded" in result.stdout
    after = {s: (out / "students" / s / "results.json").stat().st_mtime_ns for s in before}
    assert [s for s in before if before[s] != after[s]] == ["ben"]
    assert (out / "grades.csv").read_text() == csv_before  # deterministic


def test_other_settings_refuse_to_resume(graded):
    _, out, folder = graded
    result = CliRunner().invoke(main, ["batch", str(folder), "--out", str(out), "--timeout", "3"])
    assert result.exit_code == 1 and "--regrade" in result.output and "Traceback" not in result.output


def test_duplicate_student_is_a_clear_error(tmp_path):
    (tmp_path / "in" / "ada").mkdir(parents=True)
    shutil.copy(REFERENCE, tmp_path / "in" / "ada.py")
    shutil.copy(REFERENCE, tmp_path / "in" / "ada" / "lstm.py")
    result = CliRunner().invoke(main, ["batch", str(tmp_path / "in"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "more than one submission for the same student" in result.output
    assert not (tmp_path / "out" / "students" / "ada").exists()


def start_batch(folder: Path, out: Path) -> subprocess.Popen:
    command = [sys.executable, "-c", "from grader.cli import main; main()", "batch", str(folder), "--out", str(out), "--workers", "2"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def wait_for_results(out: Path, count: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(list(out.glob("students/*/results.json"))) < count:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no result appeared"
        time.sleep(0.05)


@pytest.fixture
def class_of_eight(tmp_path):
    folder = tmp_path / "class"
    folder.mkdir()
    for k in range(8):
        shutil.copy(REFERENCE if k % 2 else EXAMPLE, folder / f"s{k}.py")
    return folder


@pytest.mark.parametrize("kill", [signal.SIGKILL, signal.SIGINT], ids=["crash", "ctrl-c"])
def test_killed_half_way_then_rerun_completes(class_of_eight, tmp_path, kill):
    out = tmp_path / "out"
    process = start_batch(class_of_eight, out)
    wait_for_results(out, 2, process)
    process.send_signal(kill)
    _, stderr = process.communicate(timeout=30)
    kept = {p.parent.name: p.stat().st_mtime_ns for p in out.glob("students/*/results.json")}
    assert 2 <= len(kept) < 8, "the batch should have been stopped half-way"
    if kill == signal.SIGINT:
        assert process.returncode == 130
        assert "Run the same command again" in stderr and "Traceback" not in stderr

    rerun = start_batch(class_of_eight, out)
    stdout, stderr = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, stderr
    assert f"Grading {8 - len(kept)} submission" in stderr
    rows = read_csv(out / "grades.csv")
    assert sorted(row["student_id"] for row in rows) == [f"s{k}" for k in range(8)]  # each exactly once
    assert all(row["score"] == "100" for row in rows if int(row["student_id"][1]) % 2)
    buggy = {row["score"] for row in rows if not int(row["student_id"][1]) % 2}
    assert len(buggy) == 1 and 0 < float(buggy.pop()) < 100  # the same grade for the same code
    assert {s: (out / "students" / s / "results.json").stat().st_mtime_ns for s in kept} == kept  # kept, not regraded
    assert not (out / ".partial").exists()


def test_dask_local_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(REFERENCE, folder / "ada.py")
    shutil.copy(EXAMPLE, folder / "cy.py")
    (folder / "dee.py").write_text("def forward(:\n")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        result = cli(folder, "--out", tmp_path / "out", "--scheduler", cluster.scheduler_address, "--quiet")
    assert result.exit_code == 0, result.output
    rows = {row["student_id"]: row for row in read_csv(tmp_path / "out" / "grades.csv")}
    assert (rows["ada"]["score"], rows["dee"]["score"]) == ("100", "0") and 0 < float(rows["cy"]["score"]) < 100
    assert rows["cy"]["bug:backward/cell-state-off-by-one"] == "1"


def test_scheduler_without_dask_is_a_clear_error(tmp_path, monkeypatch):
    shutil.copy(REFERENCE, tmp_path / "ada.py")
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    result = CliRunner().invoke(main, ["batch", str(tmp_path), "--out", str(tmp_path / "out"),
                                       "--scheduler", "tcp://127.0.0.1:1"])
    assert result.exit_code == 1 and "pip install 'lstm-autograder[dask]'" in result.output
