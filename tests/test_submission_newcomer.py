"""Reading a submission as a newcomer (and a hostile student) meets it:
clear words for a syntax error, broken JSON, an empty file and a notebook too
large or too deeply nested to read; no symbolic link followed; the student
edition's notice is a notice; Windows is told to use WSL."""

from __future__ import annotations

import json
import sys

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.feedback import evidence_summary, render_text
from grader.report import Report
from grader.submission import ParseLimits, SubmissionError, parse_limited, prepare, read_source


def notebook(*sources: str) -> str:
    cells = [{"cell_type": "code", "metadata": {}, "source": s, "outputs": [], "execution_count": None}
             for s in sources]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def check(path) -> str:
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_syntax_error_is_shown_as_python_shows_it_with_the_students_file_name(tmp_path):
    path = tmp_path / "my_lstm.py"
    path.write_text("import numpy as np\n\n\ndef forward(:\n    pass\n")
    lines = check(path).splitlines()
    start = lines.index('  File "my_lstm.py", line 4')
    assert lines[start + 1] == "    def forward(:"
    assert lines[start + 2] == "                ^"
    assert lines[start + 3].startswith("SyntaxError: ")
    assert "submission.py" not in "\n".join(lines)


def test_a_notebook_with_a_control_character_says_so_unclipped(tmp_path):
    path = tmp_path / "broken.ipynb"
    path.write_text('{"cells": [{"source": "a\tb"}]}')
    with pytest.raises(SubmissionError) as error:
        prepare(path, tmp_path)
    message = str(error.value)
    assert message.endswith("(invalid control character)"), message
    assert "line 1, column" in message and " at)" not in message


def test_an_empty_file_is_told_it_defines_none_of_the_functions(tmp_path):
    path = tmp_path / "empty.py"
    path.write_text("")
    output = check(path)
    flat = " ".join(output.split())
    assert "About your file:" in output and "About your notebook" not in output
    assert "your file is empty: it defines none of forward(), backward(), clip_and_update()" in flat


def test_a_file_missing_one_function_is_told_which(tmp_path):
    path = tmp_path / "partial.py"
    path.write_text("def forward(inputs, h_prev, C_prev, p):\n    pass\n\n"
                    "if True:\n    def backward(*a):\n        pass\n\ndef clip_and_update_all():\n    pass\n")
    (tmp_path / "work").mkdir()
    _, notes = prepare(path, tmp_path / "work")
    assert notes == ["your file does not define clip_and_update()"]
    path.write_text("print('my notes')\n")
    assert prepare(path, tmp_path / "work")[1] == [
        "your file defines none of forward(), backward(), clip_and_update(): is it the right file?"]


def test_evidence_of_one_output_is_grammatical():
    assert "loss matches your code on 2 probes" in evidence_summary({"outputs": ["loss"], "probes": [1, 2]})
    assert "dh, dC match your code" in evidence_summary({"outputs": ["dh", "dC"], "probes": [1]})


# --------------------------------------------------------------------------
# symbolic links
# --------------------------------------------------------------------------


def test_a_symlinked_submission_is_refused_not_followed(tmp_path):
    target = tmp_path / "real.py"
    target.write_text("SECRET = 42\n")
    link = tmp_path / "lstm.py"
    link.symlink_to(target)
    with pytest.raises(SubmissionError, match="is a symbolic link"):
        read_source(link)
    result = CliRunner().invoke(main, ["check", str(link)])
    assert result.exit_code == 1 and "is a symbolic link" in result.output and "SECRET" not in result.output
    assert "Traceback" not in result.output


def test_a_dangling_symlink_is_refused_too(tmp_path):
    link = tmp_path / "lstm.py"
    link.symlink_to(tmp_path / "missing.py")
    with pytest.raises(SubmissionError, match="is a symbolic link"):
        read_source(link)


# --------------------------------------------------------------------------
# notebooks parsed under limits, in a child process
# --------------------------------------------------------------------------


def test_a_deeply_nested_expression_is_a_clear_error_not_a_recursion_error(tmp_path):
    path = tmp_path / "nested.ipynb"
    path.write_text(notebook("import numpy as np", "x = 1" + "+1" * 100_000))
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 1, result.output
    assert "nested.ipynb" in result.output and "Traceback" not in result.output
    assert "RecursionError" not in result.output


def test_a_notebook_too_big_for_the_memory_limit_is_a_clear_error(tmp_path):
    big = notebook("import numpy as np", "x = [" + "1, " * 1_500_000 + "]")
    with pytest.raises(SubmissionError, match="could not be read within the grader's limits|too large"):
        parse_limited(big, "big.ipynb", ParseLimits(memory_bytes=150 * 2**20))


def test_parsing_happens_in_a_child_process(tmp_path):
    """The child's answer is what the grader uses: a notebook that would make
    this process raise is answered with the child's message."""
    source, notes = parse_limited(notebook("import numpy as np", "print(1)"), "n.ipynb")
    assert "import numpy as np" in source and any("print(1)" in note for note in notes)
    with pytest.raises(SubmissionError, match="n.ipynb is not a Jupyter notebook"):
        parse_limited("[1]", "n.ipynb")


def test_a_submission_over_the_size_cap_is_refused(tmp_path):
    path = tmp_path / "huge.py"
    path.write_bytes(b"#" * (20 * 2**20 + 1))
    with pytest.raises(SubmissionError, match="larger than 20 MB"):
        read_source(path)


# --------------------------------------------------------------------------
# Windows, and the student edition's notice
# --------------------------------------------------------------------------


def test_windows_is_told_to_use_wsl(tmp_path, monkeypatch):
    path = tmp_path / "lstm.py"
    path.write_text("x = 1\n")
    monkeypatch.setattr(sys, "platform", "win32")
    with pytest.raises(SubmissionError, match="use WSL"):
        prepare(path, tmp_path)


def test_the_student_readme_explains_wsl_for_windows():
    from importlib.resources import files

    readme = files("grader.release").joinpath("student_readme.md").read_text(encoding="utf-8")
    assert "WSL" in readme and "wsl --install" in readme
    assert "Scripts\\activate" not in readme  # a native Windows venv cannot run the self-check


def test_notes_are_about_the_file_or_the_notebook():
    def header(submission):
        return render_text(Report(submission, "public", 0.0, 100.0, [], notes=["a note"])).split("were NOT run.\n\n", 1)[1].splitlines()[0]

    assert header("lstm.py") == "About your file:"
    assert header("lstm.ipynb").startswith("About your notebook")
    assert header("your notebook").startswith("About your notebook")  # the nbgrader kernel's code


def test_the_student_edition_notice_is_not_a_problem(monkeypatch):
    import grader.edition

    monkeypatch.setattr(grader.edition, "is_student_edition", lambda: True)
    report = Report("lstm.py", "public", 100.0, 100.0, [])
    text = render_text(report)
    assert "Problem" not in text and "does not name bugs" in " ".join(text.split())
