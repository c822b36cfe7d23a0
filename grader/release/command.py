"""``lstm-grader release OUT``: the folder to hand out to students.

OUT/lstm.py (the exercise), OUT/README.md (how to install and run the
self-check) and OUT/wheels/ (the student edition of this package, see
grader.release.student). Nothing is written unless the leak scan is clean.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import click

from grader.edition import refuse_in_student_edition
from grader.release.wheel import WheelError, write_wheel

EXERCISE_NAME = "lstm.py"
README_NAME = "README.md"
WHEELS_DIR = "wheels"


def build_release(out_dir: Path) -> list[Path]:
    """Write the student bundle into ``out_dir`` (empty or new); return its files."""
    from grader.exercise import exercise_path, is_up_to_date
    from grader.release.student import find_leaks, student_wheel_spec

    if not is_up_to_date():
        raise WheelError("the exercise is out of date with the reference: run `python -m grader.exercise`")
    spec = student_wheel_spec()
    exercise = exercise_path().read_bytes()
    readme = files("grader.release").joinpath("student_readme.md").read_bytes()
    leaks = find_leaks({**spec.files, EXERCISE_NAME: exercise, README_NAME: readme})
    if leaks:
        raise WheelError("refusing to release, the bundle would leak: " + "; ".join(leaks[:5]))
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / EXERCISE_NAME).write_bytes(exercise)
    (out_dir / README_NAME).write_bytes(readme)
    wheel = write_wheel(spec, out_dir / WHEELS_DIR)
    return [out_dir / EXERCISE_NAME, out_dir / README_NAME, wheel]


@click.command()
@click.argument("out_dir", metavar="OUT", type=click.Path(file_okay=False, path_type=Path))
def release(out_dir: Path):
    """Write the student bundle into the new folder OUT.

    The exercise, a README and the student edition of lstm-grader, which runs
    `lstm-grader check` without the reference solution, the hidden checks or
    bug diagnosis (none of them is in the bundle; a scan makes sure).
    """
    refuse_in_student_edition("release")
    if out_dir.exists() and any(out_dir.iterdir()):
        raise click.ClickException(f"{out_dir} is not empty: choose a new folder")
    try:
        written = build_release(out_dir)
    except (WheelError, OSError) as error:
        raise click.ClickException(str(error)) from None
    for path in written:
        click.echo(f"wrote {path}")
