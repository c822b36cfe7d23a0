"""``lstm-grader batch``: grade a whole class, resumably, with a gradebook and a class report."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import click

from grader import __version__
from grader.batch.discover import LayoutError, discover
from grader.batch.gradebook import Entry, render_csv, write_atomic
from grader.cli_sandbox import allow_unconfined, allow_unconfined_option, refuse_if_unconfined

GRADES_CSV = "grades.csv"
MANIFEST = "batch.json"  # the settings OUT was graded with; a rerun must match them
EXIT_NOT_ALL_GRADED = 3
EXIT_INTERRUPTED = 130


def default_workers() -> int:
    """The cores this process may use (not all the machine's, under a CPU quota or taskset)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def catalogue_ids() -> list[str]:
    """Every catalogued bug id, in catalogue order (the gradebook's bug columns)."""
    from grader.diagnosis import load_catalog

    catalog = load_catalog()
    entries = catalog.values() if isinstance(catalog, dict) else catalog
    return [entry.id if hasattr(entry, "id") else entry["id"] for entry in entries]


def settings(options, points: dict[str, float]) -> dict:
    """What decides a grade; results graded under other settings must not be mixed."""
    return {"suite": options.suite, "call_timeout": options.limits.call_timeout,
            "total_timeout": options.limits.total_timeout, "points": points, "grader_version": __version__}


def check_manifest(out_dir: Path, wanted: dict, regrade: bool) -> None:
    """Refuse to resume into results graded with other settings (unless --regrade)."""
    path = out_dir / MANIFEST
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        previous = None
    if previous is not None and previous != wanted and not regrade:
        changed = sorted(k for k in set(previous) | set(wanted) if previous.get(k) != wanted.get(k))
        raise click.ClickException(
            f"{out_dir} holds results graded with other settings ({', '.join(changed)} changed). "
            f"Add --regrade to grade every submission again with the new settings, or choose another --out.")
    out_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps(wanted, indent=2, sort_keys=True) + "\n")


def dask_executor(address: str):
    """``(client, executor factory, slots)`` for a running Dask scheduler."""
    try:
        from distributed import Client
    except ImportError:
        raise click.ClickException("--scheduler needs Dask: pip install 'lstm-autograder[dask]'") from None
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError) as error:
        raise click.ClickException(f"cannot connect to the Dask scheduler at {address}: {error}") from None
    slots = sum(client.nthreads().values()) or 1
    return client, client.get_executor, slots


def raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


def format_duration(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes}m {seconds:02d}s" if minutes else f"{seconds}s"


@click.command()
@click.argument("submissions", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for grades.csv, report.html and one feedback folder per student. "
                   "Rerunning with the same OUT resumes: only missing results are graded.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Submissions graded at once, each in its own process and sandbox "
                   "[default: the number of cores].")
@click.option("--scheduler", metavar="ADDRESS",
              help="Grade on a running Dask cluster instead (e.g. tcp://host:8786); needs "
                   "pip install 'lstm-autograder[dask]' and the grader installed on the workers. "
                   "--workers is then ignored.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=3.0, show_default=True,
              help="Seconds one call of a student function may take (wall clock), as for `grade`.")
@click.option("--total-timeout", type=click.FloatRange(min=1.0), default=30.0, show_default=True,
              help="Seconds all of a submission's calls together may take, as for `grade`.")
@click.option("--points", "points_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A TOML file of points per check (see `lstm-grader points`).")
@click.option("--assignment", help="With nbgrader's submitted/<student>/<assignment>/ layout: the "
                                   "assignment to grade (needed when students have several).")
@click.option("--regrade", is_flag=True, help="Grade every submission again, ignoring earlier results in OUT.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary.")
@allow_unconfined_option
def batch(submissions, out_dir, workers, scheduler, timeout, total_timeout, points_file, assignment,
          regrade, quiet):
    """Grade every submission in SUBMISSIONS in parallel, with the hidden checks.

    SUBMISSIONS holds one submission (.py or .ipynb) per student, as
    <student>.py files, <student>/ folders holding one file, or nbgrader's
    submitted/<student>/<assignment>/ (the course folder works too). Each one
    is graded in its own process and sandbox, with the same limits as `grade`.

    OUT receives grades.csv (nbgrader's export columns, then points per check,
    then one bug:<id> column per bug), report.html (score histogram, students
    per bug, common bug combinations, submissions with problems) and, per
    student in OUT/students/<student>/, feedback.txt, feedback.html,
    results.json and loss_curve.png.

    Each result is saved as soon as it is graded. After a crash or Ctrl-C, run
    the same command again: only the missing submissions are graded.

    Exit status: 0 every submission graded (whatever the scores); 1 bad input
    (e.g. two submissions for one student); 3 some submissions could not be
    graded because the grader or a worker failed (run again to retry them);
    130 interrupted.
    """
    from grader.edition import refuse_in_student_edition

    refuse_in_student_edition("batch")
    from grader.batch.classreport import write_class_report
    from grader.batch.engine import BatchInterrupted, BatchRun, default_executor_factory, load_result
    from grader.grading import GradingOptions
    from grader.points import PointsError, points_for
    from grader.sandbox import Limits, SandboxUnavailable

    options = GradingOptions(suite="hidden", points_file=points_file,
                             limits=Limits(call_timeout=timeout, total_timeout=total_timeout,
                                           allow_unconfined=allow_unconfined()))
    try:
        refuse_if_unconfined(options.limits)
        points = points_for("hidden", points_file)
        found = discover(submissions, assignment, exclude=(out_dir,))
    except (PointsError, LayoutError, SandboxUnavailable) as error:
        raise click.ClickException(str(error)) from None
    check_manifest(out_dir, settings(options, points), regrade)

    client = None
    if scheduler:
        client, factory, slots = dask_executor(scheduler)
        workers_text, max_in_flight, recreate = f"Dask at {scheduler}", 2 * slots, False
    else:
        workers = workers or default_workers()
        factory, max_in_flight, recreate = default_executor_factory(workers), 2 * workers, True
        workers_text = f"{workers} worker{'s' if workers != 1 else ''}"

    run = BatchRun(found, out_dir, options, factory, max_in_flight, recreate_broken=recreate,
                   own_executor=not scheduler, regrade=regrade)
    todo = len(run.todo())
    previous_sigterm = signal.signal(signal.SIGTERM, raise_keyboard_interrupt)
    try:
        summary = run_with_progress(run, todo, workers_text, quiet)
    except BatchInterrupted as interrupted:
        done = interrupted.summary.skipped + interrupted.summary.finished
        click.echo(f"\nInterrupted: {done} of {len(found)} submissions are graded and kept in {out_dir}. "
                   f"Run the same command again to grade the other {len(found) - done}.", err=True)
        sys.exit(EXIT_INTERRUPTED)
    finally:
        signal.signal(signal.SIGTERM, previous_sigterm)
        if client is not None:
            client.close()

    entries = [Entry(s, load_result(out_dir, s.student_id)) for s in found]
    catalogue = catalogue_ids()
    write_atomic(out_dir / GRADES_CSV, render_csv(entries, list(points), catalogue))
    report_path = write_class_report(entries, list(points), catalogue, out_dir)
    if not quiet:
        print_summary(entries, summary, out_dir, report_path)
    if summary.failures or any(e.report is None for e in entries):
        sys.exit(EXIT_NOT_ALL_GRADED)


def run_with_progress(run, todo: int, workers_text: str, quiet: bool):
    """Run the batch, with a progress bar on stderr unless ``quiet``."""
    if quiet or todo == 0:
        return run.run()
    click.echo(f"Grading {todo} submission{'s' if todo != 1 else ''} with {workers_text}"
               + (f" ({len(run.submissions) - todo} already graded)" if todo < len(run.submissions) else ""),
               err=True)
    with click.progressbar(length=todo, label="Grading", file=sys.stderr, show_pos=True, show_eta=True,
                           item_show_func=lambda item: item) as bar:
        run.on_result = lambda student_id, status, report: bar.update(1, student_id)
        return run.run()


def print_summary(entries: list[Entry], summary, out_dir: Path, report_path: Path) -> None:
    graded = [e for e in entries if e.graded]
    problems = [e for e in entries if e.report is None or e.report.errors]
    lines = [f"Graded {summary.finished} submission{'s' if summary.finished != 1 else ''} in "
             f"{format_duration(summary.duration_s)}"
             + (f"; {summary.skipped} were already graded" if summary.skipped else "") + "."]
    if graded:
        mean = sum(e.report.score for e in graded) / len(graded)
        lines.append(f"Class: {len(graded)} of {len(entries)} with a score, mean {mean:.1f} / "
                     f"{graded[0].report.max_score:g}; {len(problems)} with problems (see the report).")
    if summary.failures:
        lines.append(f"Could not grade {len(summary.failures)} ({', '.join(summary.failures[:5])}"
                     f"{', ...' if len(summary.failures) > 5 else ''}): run the same command again to retry.")
    lines += [f"Gradebook:    {out_dir / GRADES_CSV}", f"Class report: {report_path}",
              f"Feedback:     {out_dir}/students/<student>/feedback.html (and .txt, results.json, loss_curve.png)"]
    click.echo("\n".join(lines))
