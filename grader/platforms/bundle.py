"""``lstm-grader gradescope-bundle OUT.zip``: a Gradescope autograder zip.

Gradescope builds an image from the zip once (running ``setup.sh`` as root on
its Ubuntu base image, with the zip unpacked in /autograder/source), then for
every submission starts a fresh container and runs ``run_autograder``. The zip
holds a wheel of this very package (built from the installed files, see
grader.release.wheel), so the container grades exactly as the instructor's
machine does.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import click

from grader.edition import is_student_edition
from grader.release.wheel import ZIP_DATE, WheelError, full_wheel_spec, wheel_bytes

VENV = "/opt/lstm-grader"

SETUP_SH = f"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
# A virtualenv keeps the grader and its dependencies apart from the system
# Python (which newer Ubuntu images mark as externally managed).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends python3 python3-pip python3-venv
python3 -m venv {VENV}
{VENV}/bin/python -m pip install --upgrade pip
{VENV}/bin/python -m pip install /autograder/source/wheels/*.whl
{VENV}/bin/lstm-grader --version
"""

RUN_AUTOGRADER = f"""#!/usr/bin/env bash
# Gradescope runs this for every submission. AUTOGRADER_ROOT (default
# /autograder) lets the same script run against a local copy of that layout.
set -u
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
if [ -x {VENV}/bin/python ]; then
    PYTHON={VENV}/bin/python
else
    PYTHON="$(command -v python3 || command -v python || echo python3)"
fi
mkdir -p "$ROOT/results"
if ! "$PYTHON" -m grader.platforms.autograder gradescope "$ROOT"; then
    # The grader could not even start: still give Gradescope a valid file.
    cat > "$ROOT/results/results.json" <<'JSON'
{{"score": 0.0, "output": "The autograder failed to run (not a problem with your code). Please tell your instructor.", "tests": []}}
JSON
fi
exit 0
"""

README = """Gradescope autograder for the LSTM exercise, built by `lstm-grader gradescope-bundle`.
Upload this zip as the assignment's autograder ("Zip file upload"). Students
submit one file: lstm.py (or a notebook). See docs/platforms.md.
"""


def write_bundle(target: Path) -> list[str]:
    """Write the autograder zip; return the names inside it."""
    spec = full_wheel_spec()
    entries = [("setup.sh", SETUP_SH.encode(), 0o755), ("run_autograder", RUN_AUTOGRADER.encode(), 0o755),
               ("README.txt", README.encode(), 0o644), (f"wheels/{spec.filename}", wheel_bytes(spec), 0o644)]
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data, mode in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return [name for name, _, _ in entries]


@click.command("gradescope-bundle")
@click.argument("target", metavar="OUT.zip", type=click.Path(dir_okay=False, path_type=Path))
def gradescope_bundle(target: Path):
    """Write a Gradescope autograder zip (setup.sh, run_autograder, the grader's wheel).

    Upload OUT.zip as the assignment's autograder: every submission is graded
    with the hidden checks in its own container, and results.json names the
    bugs (see docs/platforms.md).
    """
    if is_student_edition():
        raise click.ClickException("`gradescope-bundle` needs the instructor's lstm-grader, not the student edition")
    if target.suffix.lower() != ".zip":
        raise click.ClickException(f"{target} must end in .zip")
    if not target.parent.is_dir():
        raise click.ClickException(f"no such folder: {target.parent}")
    try:
        names = write_bundle(target)
    except (WheelError, OSError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"wrote {target}: {', '.join(names)}")
