"""The ``lstm-grader`` command line: one small function per command."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from grader import __version__
from grader.blas_threads import one_blas_thread
from grader.cli_sandbox import allow_unconfined, allow_unconfined_option
from grader.formats import FORMATS
from grader.lazy_commands import LazyGroup
from grader.points import PointsError
from grader.submission import SubmissionError


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lstm-grader")
def main():
    """Grade NumPy LSTM submissions and name the bugs behind each failure.

    Students write forward, backward and clip_and_update of an LSTM language
    model. `grade` runs the hidden checks (what counts for the grade), `check`
    the public self-check. Student code always runs in a sandboxed child
    process with limits on time, memory, processes and output.
    """
    one_blas_thread()  # before any command imports NumPy (grader/blas_threads.py)


def submission_argument(function):
    return click.argument("submission", type=click.Path(path_type=Path))(function)


def common_options(function):
    """Options shared by `grade` and `check`."""
    options = [
        click.option("--format", "output_format", type=click.Choice(list(FORMATS)), default="text",
                     show_default=True, help="text for people, json for machines "
                     "(the results.json schema; see docs/grading.md)."),
        click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
                     help="Also write feedback.txt, results.json and loss_curve.png into this folder."),
        click.option("--timeout", type=click.FloatRange(min=0.1), default=3.0, show_default=True,
                     help="Seconds one call of a student function may take (wall clock)."),
        click.option("--total-timeout", type=click.FloatRange(min=1.0), default=30.0, show_default=True,
                     help="Seconds all of the submission's calls together may take."),
        allow_unconfined_option,
    ]
    for option in reversed(options):
        function = option(function)
    return function


def run_grading(submission: Path, suite: str, output_format: str, out_dir: Path | None,
                timeout: float, total_timeout: float, points_file: Path | None = None) -> None:
    """Grade, print the report, write the files: shared by `grade` and `check`."""
    from grader.sandbox import Limits, SandboxUnavailable
    from grader.sandbox.process import prestart

    limits = Limits(call_timeout=timeout, total_timeout=total_timeout, allow_unconfined=allow_unconfined())
    try:
        prestart(limits, one_shot=True)  # the sandbox child starts while the grader imports pytest
    except SandboxUnavailable as error:
        raise click.ClickException(str(error)) from None
    from grader.grading import GradingOptions, grade
    from grader.outputs import write_report_files
    from grader.progress import StatusLine

    options = GradingOptions(suite=suite, points_file=points_file, limits=limits)
    try:
        with StatusLine(sys.stderr, f"{'grading' if suite == 'hidden' else 'checking'} {submission.name}"):
            report = grade(submission, options)
    except (SubmissionError, PointsError, SandboxUnavailable) as error:
        raise click.ClickException(str(error)) from None
    if out_dir is not None:
        write_report_files(report, out_dir)
    click.echo(FORMATS[output_format](report), nl=False)


@main.command()
@submission_argument
@common_options
@click.option("--points", "points_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A TOML file of points per check (see `lstm-grader points`); "
                   "checks it leaves out keep their default points.")
def grade(submission, output_format, out_dir, timeout, total_timeout, points_file):
    """Grade SUBMISSION (a .py file or an .ipynb notebook) with the hidden checks.

    Exits 0 when grading completed, whatever the score; non-zero only when
    the submission cannot be graded at all (missing or unreadable file).
    """
    run_grading(submission, "hidden", output_format, out_dir, timeout, total_timeout, points_file)


@main.command()
@submission_argument
@common_options
def check(submission, output_format, out_dir, timeout, total_timeout):
    """Self-check SUBMISSION (.py or .ipynb) with the public checks only.

    The same report as `grade`, on other inputs; the hidden checks that decide
    the grade are not run.
    """
    run_grading(submission, "public", output_format, out_dir, timeout, total_timeout)


@main.command()
def points():
    """Print the default points per check, as a TOML file to edit for --points."""
    from grader.points import DEFAULT_POINTS_FILE

    click.echo(DEFAULT_POINTS_FILE.read_text(encoding="utf-8"), nl=False)
