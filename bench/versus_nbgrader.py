"""Benchmark: ``lstm-grader batch`` against ``nbgrader autograde``, side by side, one run.

A benchmark, not a test: it asserts nothing. It generates one class (the
realistic mix of bench/batch.py: correct, one or two bugs, untouched, syntax
errors) and grades the SAME submissions four ways on this machine, one after
the other:

1. ``nbgrader autograde`` of plain assert-based notebooks: the generated
   course notebook with its test cells replaced by ordinary asserts against
   values stored in the hidden tests (what an nbgrader course usually does);
2. ``nbgrader autograde`` of the generated course notebook (test cells call
   lstm-grader, see grader/nbgrader_hooks.py);
3. ``lstm-grader batch`` of the same submissions as .py files, 1 worker;
4. the same with 2 workers.

It prints submissions per second per core for each (nbgrader autograde is
serial: one core; batch with w workers: w cores), the ratios of batch to the
two nbgrader runs, and the 2-worker parallel efficiency; and, because wall
clocks mean little on a busy machine, submissions per CPU-second (all the
processes of each command: kernels, sandbox children).

    python bench/versus_nbgrader.py              # 20 submissions
    python bench/versus_nbgrader.py --n 200      # the class of issue 10 (nbgrader takes long)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cpu import CLOCK, machine_speed  # noqa: E402  (first: every process started from here on is counted)
from batch import EXERCISE, MIX, REFERENCE, UNTOUCHED, class_mix, edited, grade_folder  # noqa: E402

ASSIGNMENT = "lstm"
ANSWERS = ("forward", "backward", "clip_and_update")


CPU: dict[str, float] = {}  # CPU seconds of the last run of each command kind (all its processes)


def run(command: list[str], cwd: Path, kind: str = "") -> float:
    """Seconds ``command`` takes; exits with its output if it fails. The CPU
    seconds of it and every process it started go to ``CPU[kind]`` (bench/cpu.py)."""
    bin_dir = str(Path(sys.executable).parent)
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""),
               MPLCONFIGDIR=str(cwd / ".mpl"), MPLBACKEND="Agg")
    started, cpu = time.perf_counter(), CLOCK()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    CPU[kind] = CLOCK() - cpu
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return seconds


def nbgrader(course: Path, *args: str) -> float:
    return run([sys.executable, "-m", "nbgrader", *args], course, kind="nbgrader")


# ---------------------------------------------------------------------------- plain assert tests


def _literal(array) -> str:
    return "np.array(" + np.array2string(np.asarray(array), separator=", ", precision=17,
                                          threshold=10**6, floatmode="unique") + ")"


def plain_test_cells() -> dict[str, str]:
    """Assert-based hidden tests per part, expected values computed now by the reference."""
    from grader.solutions import lstm as ref

    rng = np.random.default_rng(0)
    H, V, T = 4, 3, 5
    params = ref.init_lstm(H, V, seed=1)
    x = np.eye(V)[rng.integers(0, V, T)][:, :, None]
    y = np.eye(V)[rng.integers(0, V, T)][:, :, None]
    caches = ref.forward(x, np.zeros((H, 1)), np.zeros((H, 1)), params)
    loss, grads = ref.backward(*caches, y, params)
    updated = ref.clip_and_update(params, tuple(np.full_like(w, 0.3) for w in params), lr=0.1, max_norm=0.5)
    setup = (f"_p = init_lstm({H}, {V}, seed=1)\n_x = {_literal(x)}\n_y = {_literal(y)}\n"
             f"_out = forward(_x, np.zeros(({H}, 1)), np.zeros(({H}, 1)), _p)\n")
    region = "### BEGIN HIDDEN TESTS\n{}### END HIDDEN TESTS\n"
    return {
        "forward": region.format(setup + "assert len(_out) == 9\n"
                                 f"assert np.allclose(_out[-1][-1], {_literal(caches[-1][-1])})\n"
                                 f"assert np.allclose(_out[6][-1], {_literal(caches[6][-1])})\n"),
        "backward": region.format(setup + "_loss, _grads = backward(*_out, _y, _p)\n"
                                  f"assert np.isclose(_loss, {float(loss)!r})\n"
                                  f"assert np.allclose(_grads[0], {_literal(grads[0])})\n"
                                  f"assert np.allclose(_grads[9], {_literal(grads[9])})\n"),
        "clip_and_update": region.format(
            setup + f"_grads = tuple(np.full_like(w, 0.3) for w in _p)\n"
                    "_new = clip_and_update(_p, _grads, lr=0.1, max_norm=0.5)\n"
                    f"assert np.allclose(_new[0], {_literal(updated[0])})\n"),
        "training": region.format(
            "_seqs = generate_dataset(num_sequences=12, max_n=3, seed=0)\n"
            "_w2i, _ = build_vocabulary(_seqs)\n"
            "_, _history = train(init_lstm(6, len(_w2i), seed=0), _seqs[:9], _seqs[9:], _w2i, num_epochs=2,\n"
            "                    lr=0.5, max_norm=1.0, plot_path=None, verbose=False)\n"
            "assert _history['validation'][-1] < _history['validation'][0]\n"),
    }


# ---------------------------------------------------------------------------- the two courses


def build_course(root: Path, plain: bool) -> None:
    """The generated nbgrader course; with ``plain``, its test cells are plain asserts."""
    import nbformat

    run([sys.executable, "-c", "from grader.cli import main; main()", "nbgrader-course", str(root)], root.parent)
    if plain:
        path = root / "source" / ASSIGNMENT / "lstm.ipynb"
        notebook = nbformat.read(path, as_version=4)
        tests = plain_test_cells()
        for cell in notebook.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
            if grade_id.startswith("test_"):
                cell.source = tests[grade_id.removeprefix("test_")]
        nbformat.write(notebook, str(path))
    nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")


def submit(root: Path, students: list) -> None:
    """Each student's notebook: the released one, answer cells from the reference with the edits."""
    import nbformat

    source = nbformat.read(root / "source" / ASSIGNMENT / "lstm.ipynb", as_version=4)
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
               if c.metadata.get("nbgrader", {}).get("grade_id") in ANSWERS}
    released = root / "release" / ASSIGNMENT / "lstm.ipynb"
    for k, (_, edits) in enumerate(students):
        notebook = nbformat.read(released, as_version=4)
        if edits is not UNTOUCHED:
            remaining = list(edits)
            for cell in notebook.cells:
                grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
                if grade_id in answers:
                    cell.source = answers[grade_id]
                    for edit in [e for e in remaining if e[0] in cell.source]:
                        cell.source = edited(cell.source, [edit])
                        remaining.remove(edit)
            assert not remaining, f"edits {remaining} match no answer cell"
        student = f"student{k:03d}"
        path = root / "submitted" / student / ASSIGNMENT / "lstm.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, str(path))
    nbgrader(root, "db", "student", "import", str(write_students_csv(root, len(students))))


def write_students_csv(root: Path, n: int) -> Path:
    path = root / "students.csv"
    path.write_text("id,first_name,last_name,email\n" + "".join(
        f"student{k:03d},S,{k},\n" for k in range(n)), encoding="utf-8")
    return path


def efficiency_factors(t1: float, c1: float, t2: float, c2: float) -> str:
    """The 2-worker efficiency T1 / (2 T2) as the product of three factors measured in
    the same run (``t``: wall seconds, ``c``: CPU seconds of all processes), so a
    reader sees which one holds it back:

    T1 / (2 T2) = (c1 / c2) * ((c2 / t2) / 2) / (c1 / t1)

    - c1 / c2: CPU per submission, 1 worker against 2 (a second warm-up, shared caches);
    - (c2 / t2) / 2: the share of the two cores the 2-worker run keeps busy (start-up,
      the class report at the end, waits for the kernel to end a sandbox);
    - c1 / t1: cores the single worker keeps busy. Above 1, work that overlaps its
      grading (the next sandbox child warming up, the parent drawing and writing the
      student's files) runs on the otherwise idle core: it makes one worker faster and
      the ratio smaller, and two workers on two cores have no idle core to hide it on.
    """
    return (f"  = CPU per submission, 1 worker / 2 workers:  {c1 / c2:.2f}\n"
            f"  x share of the 2 cores the 2 workers keep busy: {c2 / t2 / 2:.2f}\n"
            f"  / cores the 1 worker keeps busy:               {c1 / t1:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20, help="number of submissions (default 20)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the class mix (default 0)")
    parser.add_argument("--keep", type=Path, help="keep everything in this folder")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="lstm-versus-"))
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    students = class_mix(args.n, args.seed)
    counts = {kind: sum(1 for k, _ in students if k == kind) for kind, _ in MIX}
    print(f"{args.n} submissions: " + ", ".join(f"{counts[kind]} {kind}" for kind, _ in MIX))
    print(f"{os.cpu_count()} cores, load average before: {os.getloadavg()[0]:.2f}, "
          f"machine speed: reference forward {machine_speed():.0f} us (bench/cpu.py)", flush=True)
    try:
        folder = base / "py"
        folder.mkdir()
        for k, (_, edits) in enumerate(students):
            source = EXERCISE if edits is UNTOUCHED else edited(REFERENCE, edits)
            (folder / f"student{k:03d}.py").write_text(source, encoding="utf-8")
        courses = {"plain": base / "plain-course", "course": base / "lstm-course"}
        for name, root in courses.items():
            build_course(root, plain=name == "plain")
            submit(root, students)

        rows = []  # (what, seconds, cores, CPU seconds)
        for name, label in (("plain", "nbgrader autograde, plain asserts"),
                            ("course", "nbgrader autograde, course notebook")):
            seconds = nbgrader(courses[name], "autograde", ASSIGNMENT, "--force")
            rows.append((label, seconds, 1, CPU["nbgrader"]))
            print(f"  {label:40s} {seconds:7.1f} s  {seconds / args.n:6.2f} s per notebook", flush=True)
        for workers in (1, 2):
            cpu = CLOCK()
            seconds = grade_folder(folder, base / f"out-{workers}", workers)
            rows.append((f"lstm-grader batch, {workers} worker(s)", seconds, workers, CLOCK() - cpu))
            print(f"  {rows[-1][0]:40s} {seconds:7.1f} s", flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)

    per_core = {label: args.n / seconds / cores for label, seconds, cores, _ in rows}
    per_cpu = {label: args.n / cpu for label, _, _, cpu in rows}
    print(f"\n{'':40s} {'subs/s':>7}  {'per core':>8}  {'per CPU-s':>9}")
    for label, seconds, cores, cpu in rows:
        print(f"{label:40s} {args.n / seconds:7.2f}  {per_core[label]:8.2f}  {per_cpu[label]:9.2f}")
    batch1 = per_core["lstm-grader batch, 1 worker(s)"]
    batch2 = per_core["lstm-grader batch, 2 worker(s)"]
    best = max(batch1, batch2)
    print(f"\nbatch per core / nbgrader plain asserts:   x{best / per_core[rows[0][0]]:.1f}  (goal >= 8)")
    print(f"batch per core / nbgrader course notebook: x{best / per_core[rows[1][0]]:.1f}  (goal >= 5)")
    print(f"2-worker parallel efficiency:              {batch2 / batch1:.0%}  (goal >= 90 %)")
    (_, t1, _, c1), (_, t2, _, c2) = rows[2], rows[3]
    print(efficiency_factors(t1, c1, t2, c2))
    cpu_batch = per_cpu["lstm-grader batch, 1 worker(s)"]
    print(f"per CPU-second (independent of the load): batch / plain asserts x{cpu_batch / per_cpu[rows[0][0]]:.1f}, "
          f"batch / course notebook x{cpu_batch / per_cpu[rows[1][0]]:.1f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}, machine speed: {machine_speed():.0f} us")


if __name__ == "__main__":
    main()
