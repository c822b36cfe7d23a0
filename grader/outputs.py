"""Write a report's files into a folder: feedback.txt, results.json, loss_curve.png."""

from __future__ import annotations

from pathlib import Path

from grader.feedback import render_text
from grader.plots import save_loss_curve
from grader.report import Report

FEEDBACK_TXT = "feedback.txt"
RESULTS_JSON = "results.json"
LOSS_CURVE_PNG = "loss_curve.png"


def write_report_files(report: Report, out_dir: Path) -> list[Path]:
    """Write the report files; returns the paths written."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [out_dir / FEEDBACK_TXT, out_dir / RESULTS_JSON]
    written[0].write_text(render_text(report), encoding="utf-8")
    report.write_json(written[1])
    if report.training.get("validation"):
        save_loss_curve(report.training, out_dir / LOSS_CURVE_PNG)
        written.append(out_dir / LOSS_CURVE_PNG)
    return written
