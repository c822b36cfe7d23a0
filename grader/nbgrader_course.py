"""``lstm-grader nbgrader-course DIR``: a ready nbgrader course.

Why generated and not shipped: the notebook is built from the reference
solution (``solutions/lstm.py``), the one source of truth, so the notebook,
the ``.py`` exercise and the grader can never drift apart. The output is

* ``DIR/nbgrader_config.py`` -- course root, gradebook, a generous cell
  timeout (the first test cell grades the whole notebook), minimal
  tracebacks, and feedback that leaves the hidden tests out;
* ``DIR/source/<assignment>/lstm.ipynb`` -- explanation cells, the given
  helpers in read-only cells, one autograded answer cell per student
  function (the reference body between ``### BEGIN SOLUTION`` /
  ``### END SOLUTION``, which ``nbgrader generate_assignment`` turns into
  stubs), and, at the end, one autograder test cell per part whose hidden
  region is only a call into :mod:`grader.nbgrader_hooks`. The test cells
  sit together at the end so that all four see the same code and the
  notebook is graded once, not once per cell.

Points per test cell are the sums of the default hidden-suite points of the
checks that make up each part (``grader/default_points.toml``), so a cell's
score equals that part's score under ``lstm-grader grade``: forward 24,
backward 48, clip_and_update 18, training 10 -- 100 in all.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import click

STUDENT_FUNCTIONS = ("forward", "backward", "clip_and_update")
# Helpers of the .py exercise that only make sense for a script (they use
# __file__ or sys.exit); the notebook has its own training cell instead.
SCRIPT_ONLY = ("_YOUR_FUNCTIONS", "_unimplemented", "main")
SCHEMA_VERSION = 3


def part_points() -> dict[str, float]:
    """Points per part: the default hidden points of the part's checks."""
    from grader.nbgrader_hooks import PARTS, part_of
    from grader.points import points_for

    table = points_for("hidden", None)
    return {part: round(sum(p for name, p in table.items() if part_of(name, part)), 2)
            for part in PARTS}


def _segments(source: str) -> dict[str, str]:
    """Split the reference into: docstring, given code before the student's
    functions, each student function, given code after them."""
    tree = ast.parse(source)
    lines = source.split("\n")

    def text(first: ast.stmt, last: ast.stmt) -> str:
        start = min([first.lineno] + [d.lineno for d in getattr(first, "decorator_list", [])])
        end = last.end_lineno
        # an indented comment right after a body belongs to it (### END SOLUTION)
        while end < len(lines) and lines[end][:1] in (" ", "\t") and lines[end].strip().startswith("#"):
            end += 1
        return "\n".join(lines[start - 1: end]).strip("\n")

    body = list(tree.body)
    docstring = ast.get_docstring(tree) or ""
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    names = [getattr(n, "name", None) for n in body]
    missing = [f for f in STUDENT_FUNCTIONS if f not in names]
    if missing:
        raise click.ClickException(f"the reference solution has no {', '.join(missing)}")
    first = names.index(STUDENT_FUNCTIONS[0])
    last = names.index(STUDENT_FUNCTIONS[-1])
    after = [n for n in body[last + 1:] if not _script_only(n)]
    segments = {"docstring": docstring, "given_before": text(body[0], body[first - 1])}
    for node in body[first: last + 1]:
        segments[node.name] = text(node, node)
    segments["given_after"] = "\n\n\n".join(text(n, n) for n in after)
    return segments


def _script_only(node: ast.stmt) -> bool:
    if isinstance(node, ast.If):  # if __name__ == "__main__":
        return True
    names = [t.id for t in getattr(node, "targets", []) if isinstance(t, ast.Name)]
    return getattr(node, "name", None) in SCRIPT_ONLY or any(n in SCRIPT_ONLY for n in names)


def _markdown(docstring: str) -> str:
    """The reference's module docstring as the notebook's introduction."""
    text = docstring.replace("``", "`").replace("this file", "this notebook")
    paragraphs = [p for p in text.split("\n\n") if not p.startswith("Run this notebook as a script")]
    return "# A NumPy LSTM language model, from scratch\n\n" + "\n\n".join(paragraphs[1:])


def _meta(kind: str, grade_id: str, points: float | None = None) -> dict:
    """nbgrader cell metadata for a ``given`` (read-only), ``answer`` or ``test`` cell."""
    grade = kind == "test"
    meta = {"grade": grade, "grade_id": grade_id, "locked": kind != "answer",
            "schema_version": SCHEMA_VERSION, "solution": kind == "answer"}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def test_cell_source(part: str, points: float) -> str:
    """A test cell: what the student sees, then the hidden call into the grader."""
    subject = "training with your three functions" if part == "training" else f"`{part}`"
    return (f"# Autograder test for {subject} ({points:g} points).\n"
            "# When your notebook is graded, lstm-grader runs your code in its sandbox and\n"
            "# prints here which checks failed and which known bug explains them.\n"
            "### BEGIN HIDDEN TESTS\n"
            "from grader.nbgrader_hooks import grade_part\n"
            f"grade_part({part!r}, {points!r})\n"
            "### END HIDDEN TESTS")


TRAINING_CELL = '''\
# lstm-grader: experiments cell
# Train the model with your three functions (about 3 s) and look at the loss.
# This cell is yours to change; it is skipped while nbgrader autogrades, and the
# grader never runs it (it checks training on its own).
import os
if os.environ.get("NBGRADER_EXECUTION") is None:
    sequences = generate_dataset()
    word_to_idx, idx_to_word = build_vocabulary(sequences)
    training_set, validation_set, test_set = split_dataset(sequences)
    params = init_lstm(16, len(word_to_idx))
    params, history = train(params, training_set, validation_set, word_to_idx,
                            num_epochs=10, lr=0.3, plot_path="loss.png")
    accuracy = predictable_accuracy(params, test_set, word_to_idx)
    print(f"test set: {accuracy:.1%} of the predictable tokens right")
    print("a a a b ->", " ".join(complete_sequence(params, ["a", "a", "a", "b"], word_to_idx, idx_to_word)))
    from IPython.display import Image, display
    display(Image("loss.png"))'''

SELF_CHECK_CELL = '''\
# Optional self-check on the PUBLIC checks (not your grade), if lstm-grader is
# installed where you work. Run it after changing your functions.
try:
    from grader.nbgrader_hooks import self_check
except ImportError:
    print("lstm-grader is not installed here: no self-check available")
else:
    self_check()'''

EXPLAIN = {
    "given_before": "## Given code\n\nRun this cell first. It holds the nonlinearities, the "
                    "initialisation, the toy corpus and the one-hot helpers. It is read-only.",
    "forward": "## 1. `forward`\n\nRun the LSTM over one sequence and keep every intermediate "
               "value that back-propagation needs. Replace `raise NotImplementedError()`.",
    "backward": "## 2. `backward`\n\nBack-propagation through time: the summed cross-entropy and "
                "the exact gradient of every parameter. Mind the indexing: `h[t + 1]` is "
                "$h_t$, `h[t]` is $h_{t-1}$ (the same for `C`).",
    "clip_and_update": "## 3. `clip_and_update`\n\nClip all gradients by ONE global norm, then "
                       "take a plain gradient-descent step.",
    "given_after": "## 4. Training\n\nGiven, read-only: the training loop, the loss plot and two "
                   "ways to see what the model learnt. The autograder trains a small model "
                   "with your functions and checks that the validation loss falls.",
    "tests": "## Autograder tests\n\nThese cells are filled in when your notebook is graded: "
             "lstm-grader then grades all your functions at once, in its own sandbox, and each "
             "cell shows the points of one part and the known bugs that explain its failures.",
    "grading": "## How this notebook is graded\n\nOnly the imports, function and class definitions "
               "and simple constants of your notebook are loaded by the grader; top-level "
               "experiments (training runs, plots, `!pip`, `%magic`) are not run there. "
               "Keep everything your functions need in definitions or simple constants.",
}


def build_notebook(reference: Path):
    """The source notebook (with solutions) as an nbformat object."""
    import nbformat.v4 as nbf

    from grader.exercise import student_version

    source = reference.read_text(encoding="utf-8")
    student_version(source)  # raises MarkerError if the markers are unbalanced
    seg = _segments(source)
    points = part_points()

    def md(text, grade_id):
        return nbf.new_markdown_cell(text, metadata=_meta("given", grade_id))

    cells = [md(_markdown(seg["docstring"]), "intro"), md(EXPLAIN["grading"], "grading_rule"),
             md(EXPLAIN["given_before"], "given_md"),
             nbf.new_code_cell(seg["given_before"], metadata=_meta("given", "given_helpers"))]
    for function in STUDENT_FUNCTIONS:
        cells += [md(EXPLAIN[function], f"{function}_md"),
                  nbf.new_code_cell(seg[function], metadata=_meta("answer", function))]
    cells += [md(EXPLAIN["given_after"], "training_md"),
              nbf.new_code_cell(seg["given_after"], metadata=_meta("given", "given_training")),
              nbf.new_code_cell(TRAINING_CELL, metadata={}),
              nbf.new_code_cell(SELF_CHECK_CELL, metadata={}),
              md(EXPLAIN["tests"], "tests_md")]
    # All test cells come last: each grades the code of the whole notebook,
    # which is then the same for the four cells, so it is graded only once.
    for part in (*STUDENT_FUNCTIONS, "training"):
        cells.append(nbf.new_code_cell(test_cell_source(part, points[part]),
                                       metadata=_meta("test", f"test_{part}", points[part])))
    notebook = nbf.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
    notebook.metadata["language_info"] = {"name": "python"}
    return notebook


CONFIG = '''\
# nbgrader configuration written by `lstm-grader nbgrader-course`.
# Run the nbgrader commands from this folder (see docs/instructor-guide.md).
import os

c = get_config()  # noqa: F821 (provided by nbgrader)
here = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.root = here
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(here, "gradebook.db")

# The first test cell grades the whole notebook (hidden suite + training
# check, a few seconds); leave room for slow machines.
c.Execute.timeout = 600
# A failing test cell shows one line, not the grader's source.
c.Execute.extra_arguments = ["--InteractiveShell.xmode=Minimal"]

# Feedback without the hidden-test regions (they are only a call into
# lstm-grader anyway; see nbgrader issue #917).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "grader.nbgrader_feedback.ClearHiddenTests",  # nbgrader's, without a spurious config warning
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
'''


def write_course(directory: Path, assignment: str = "lstm", course_id: str = "lstm-course",
                 force: bool = False) -> list[Path]:
    """Write the course files; return their paths."""
    import nbformat

    from grader.exercise import solution_path

    directory = Path(directory)
    config = directory / "nbgrader_config.py"
    notebook_path = directory / "source" / assignment / "lstm.ipynb"
    existing = [p for p in (config, notebook_path) if p.exists()]
    if existing and not force:
        raise click.ClickException(f"{existing[0]} exists already; pass --force to overwrite")
    notebook = build_notebook(solution_path())
    notebook_path.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(CONFIG.format(course_id=course_id), encoding="utf-8")
    nbformat.write(notebook, str(notebook_path))
    return [config, notebook_path]


def _valid_name(ctx, param, value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", value):
        raise click.BadParameter("use letters, digits, '_', '-' and '.' only")
    return value


@click.command("nbgrader-course")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--assignment", default="lstm", show_default=True, callback=_valid_name,
              help="Name of the nbgrader assignment (folder under source/).")
@click.option("--course-id", default="lstm-course", show_default=True, callback=_valid_name,
              help="nbgrader course id written into nbgrader_config.py.")
@click.option("--force", is_flag=True, help="Overwrite an existing config or notebook.")
def nbgrader_course(directory, assignment, course_id, force):
    """Write a ready nbgrader course into DIRECTORY.

    DIRECTORY/nbgrader_config.py and DIRECTORY/source/ASSIGNMENT/lstm.ipynb,
    built from the reference solution: explanation cells, the given helpers,
    one autograded answer cell per student function and autograder test
    cells (forward 24, backward 48, clip_and_update 18, training 10 points)
    that grade the notebook with lstm-grader's sandbox and name the bugs.
    Next: `cd DIRECTORY && nbgrader generate_assignment ASSIGNMENT`.
    """
    from grader.edition import refuse_in_student_edition

    refuse_in_student_edition("nbgrader-course")
    paths = write_course(directory, assignment, course_id, force)
    for path in paths:
        click.echo(f"wrote {path}")
    click.echo(f"next: cd {directory} && nbgrader generate_assignment {assignment}")
