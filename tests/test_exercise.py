"""The generated student exercise and its generator ``grader.exercise``."""

from __future__ import annotations

import inspect
import io
import os
import re
import subprocess
import sys
import tokenize
from pathlib import Path

import numpy as np
import pytest

from conftest import make_problem

from grader import exercise as generator

STUDENT_FUNCTIONS = ("forward", "backward", "clip_and_update")
GIVEN_HELPERS = ("sigmoid", "tanh", "softmax", "init_orthogonal", "init_lstm", "generate_dataset",
                 "build_vocabulary", "split_dataset", "one_hot_encode", "one_hot_encode_sequence",
                 "inputs_and_targets", "sequence_loss", "train", "plot_losses",
                 "predictable_accuracy", "main")


def _text(path) -> str:
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


@pytest.fixture(scope="module")
def reference_source(ref):
    return _text(ref.__file__)


@pytest.fixture(scope="module")
def exercise_source(exercise):
    return _text(exercise.__file__)


def _solution_blocks(source: str) -> list[str]:
    return re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", source, flags=re.S)


def _names(source: str) -> set[str]:
    """Identifiers used as code (not in strings or comments)."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return {tok.string for tok in tokens if tok.type == tokenize.NAME}


# --------------------------------------------------------------------------
# the exercise file is the generator's output
# --------------------------------------------------------------------------


def test_the_exercise_is_up_to_date(reference_source, exercise_source):
    assert exercise_source == generator.student_version(reference_source), (
        "exercises/lstm.py has drifted from solutions/lstm.py: run `python -m grader.exercise`")


def test_the_generator_finds_the_same_files_as_the_package(ref, exercise):
    assert generator.solution_path().resolve() == Path(ref.__file__).resolve()
    assert generator.exercise_path().resolve() == Path(exercise.__file__).resolve()
    assert generator.is_up_to_date()


def test_the_exercise_says_it_is_generated(exercise_source):
    head = exercise_source.splitlines()[:3]
    assert any("do not edit" in line.lower() for line in head)
    assert any("python -m grader.exercise" in line for line in head)


def test_the_packages_init_files_are_kept(ref, exercise):
    for module in (ref, exercise):
        init = Path(module.__file__).with_name("__init__.py")
        assert init.is_file() and init.read_text().strip() == ""


# --------------------------------------------------------------------------
# no trace of the solution
# --------------------------------------------------------------------------


def test_there_are_exactly_three_solution_blocks(reference_source):
    assert len(_solution_blocks(reference_source)) == 3


def test_the_exercise_has_no_trace_of_the_solution(reference_source, exercise_source):
    assert "### BEGIN SOLUTION" not in exercise_source and "### END SOLUTION" not in exercise_source
    for marker in ("dh_next", "dC_next", "np.vstack((h_s", "tanh_C_t", "dz[:hidden_size]"):
        assert marker not in exercise_source, marker
    # no line of a solution body survives (blank lines and lone brackets aside)
    exercise_lines = {line.strip() for line in exercise_source.splitlines()}
    for block in _solution_blocks(reference_source):
        for line in block.splitlines():
            stripped = line.strip()
            if len(stripped) > 3:
                assert stripped not in exercise_lines, f"solution line leaked: {stripped!r}"
    # no identifier that only the solution bodies use appears as code
    outside = reference_source
    for block in _solution_blocks(reference_source):
        outside = outside.replace(block, "")
    solution_only = _names("\n".join(_solution_blocks(reference_source))) - _names(outside)
    assert {"dh_next", "clip_coef", "total_norm"} <= solution_only
    assert not solution_only & _names(exercise_source)


@pytest.mark.parametrize("name", STUDENT_FUNCTIONS)
def test_each_stub_raises_not_implemented(exercise, name):
    problem = make_problem(3, 4, 2, seed=1)
    calls = {
        "forward": lambda: exercise.forward(problem.inputs, problem.h_prev, problem.C_prev, problem.params),
        "backward": lambda: exercise.backward(*([[np.zeros((3, 1))]] * 9), problem.targets, problem.params),
        "clip_and_update": lambda: exercise.clip_and_update(problem.params, problem.params),
    }
    with pytest.raises(NotImplementedError):
        calls[name]()


@pytest.mark.parametrize("name", STUDENT_FUNCTIONS)
def test_each_stub_is_the_nbgrader_stub(exercise, name):
    source = inspect.getsource(getattr(exercise, name))
    body = [line for line in source.split('"""')[-1].splitlines() if line.strip()]
    assert body == ["    # YOUR CODE HERE", "    raise NotImplementedError()"]


# --------------------------------------------------------------------------
# the same interface as the reference
# --------------------------------------------------------------------------


def _public_functions(module):
    return {name: obj for name, obj in vars(module).items()
            if inspect.isfunction(obj) and obj.__module__ == module.__name__}


def test_same_functions_signatures_and_docstrings(ref, exercise):
    reference, student = _public_functions(ref), _public_functions(exercise)
    assert set(reference) == set(student)
    assert set(STUDENT_FUNCTIONS + GIVEN_HELPERS) <= set(reference)
    for name, function in reference.items():
        assert inspect.signature(student[name]) == inspect.signature(function), name
        assert inspect.getdoc(student[name]) == inspect.getdoc(function), name
        assert inspect.getdoc(function), f"{name} has no docstring"
    assert exercise.__doc__ == ref.__doc__


def test_the_contract_signatures(ref):
    sig = {name: str(inspect.signature(getattr(ref, name))) for name in STUDENT_FUNCTIONS}
    assert sig["forward"] == "(inputs, h_prev, C_prev, p)"
    assert sig["backward"] == "(z, f, i, g, C, o, h, v, outputs, targets, p)"
    assert sig["clip_and_update"] == "(params, grads, lr=0.01, max_norm=0.25)"
    assert str(inspect.signature(ref.init_lstm)) == "(hidden_size, vocab_size, seed=0)"


def test_the_given_helpers_work_in_the_exercise(ref, exercise):
    x = np.linspace(-50, 50, 11).reshape(-1, 1)
    for name in ("sigmoid", "tanh", "softmax"):
        np.testing.assert_array_equal(getattr(exercise, name)(x), getattr(ref, name)(x))
    for a, b in zip(exercise.init_lstm(5, 4, seed=3), ref.init_lstm(5, 4, seed=3)):
        np.testing.assert_array_equal(a, b)
    W = exercise.init_lstm(5, 4)[0]
    np.testing.assert_allclose(W @ W.T, np.eye(5), atol=1e-12)  # orthonormal rows
    sequences = exercise.generate_dataset(num_sequences=30)
    assert sequences == ref.generate_dataset(num_sequences=30)
    word_to_idx, idx_to_word = exercise.build_vocabulary(sequences)
    assert (word_to_idx, idx_to_word) == ref.build_vocabulary(sequences)
    assert [len(part) for part in exercise.split_dataset(sequences)] == [24, 3, 3]
    inputs, targets = exercise.inputs_and_targets(sequences[0], word_to_idx)
    ref_inputs, ref_targets = ref.inputs_and_targets(sequences[0], word_to_idx)
    np.testing.assert_array_equal(inputs, ref_inputs)
    np.testing.assert_array_equal(targets, ref_targets)


def test_the_training_loop_reaches_the_students_functions(exercise):
    sequences = exercise.generate_dataset(num_sequences=10)
    word_to_idx, _ = exercise.build_vocabulary(sequences)
    params = exercise.init_lstm(4, len(word_to_idx))
    with pytest.raises(NotImplementedError):
        exercise.train(params, sequences, sequences, word_to_idx, num_epochs=1,
                       plot_path=None, verbose=False)


def test_running_the_exercise_untouched_fails_clearly(exercise, tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg", MPLCONFIGDIR=str(tmp_path))
    result = subprocess.run([sys.executable, exercise.__file__], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "forward is not implemented yet" in result.stderr
    assert "YOUR CODE HERE" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "loss.png").exists()


def test_the_message_names_the_first_missing_function(ref, exercise, monkeypatch, capsys):
    """With forward written, the message names backward."""
    monkeypatch.setattr(exercise, "forward", ref.forward)
    with pytest.raises(SystemExit) as raised:
        exercise.main(hidden_size=4, num_epochs=1, plot_path=None)
    assert raised.value.code == 1
    assert capsys.readouterr().err.startswith("backward is not implemented yet")


# --------------------------------------------------------------------------
# student_version on small inputs
# --------------------------------------------------------------------------


def test_student_version_keeps_indentation_and_everything_else():
    source = (
        "def f(x):\n"
        '    """Doc."""\n'
        "    ### BEGIN SOLUTION\n"
        "    y = x + 1\n"
        "    return y\n"
        "    ### END SOLUTION\n"
        "\n"
        "class A:\n"
        "    def g(self):\n"
        "        ### BEGIN SOLUTION\n"
        "        return 2\n"
        "        ### END SOLUTION\n"
        "Z = 3\n"
    )
    out = generator.student_version(source)
    assert out.startswith(generator.HEADER)
    assert out[len(generator.HEADER):] == (
        "def f(x):\n"
        '    """Doc."""\n'
        "    # YOUR CODE HERE\n"
        "    raise NotImplementedError()\n"
        "\n"
        "class A:\n"
        "    def g(self):\n"
        "        # YOUR CODE HERE\n"
        "        raise NotImplementedError()\n"
        "Z = 3\n"
    )


@pytest.mark.parametrize("source", [
    "def f():\n    ### BEGIN SOLUTION\n    return 1\n",  # never closed
    "def f():\n    return 1\n    ### END SOLUTION\n",  # never opened
    "    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    ### END SOLUTION\n",  # nested
    "x = 1  ### BEGIN SOLUTION\n",  # not alone on its line
])
def test_student_version_rejects_broken_markers(source):
    with pytest.raises(ValueError):
        generator.student_version(source)


def test_write_and_check_round_trip(tmp_path, reference_source):
    source = tmp_path / "solution.py"
    target = tmp_path / "out" / "exercise.py"
    source.write_text(reference_source, encoding="utf-8")
    assert generator.main(["--check", "--source", str(source), "--target", str(target)]) == 1
    assert generator.main(["--source", str(source), "--target", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == generator.student_version(reference_source)
    assert generator.main(["--check", "--source", str(source), "--target", str(target)]) == 0
    target.write_text(target.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    assert generator.main(["--check", "--source", str(source), "--target", str(target)]) == 1
