"""Every catalogue fix, pasted literally where the student's mistake is, repairs it.

For each id, ``FIXES`` says which lines of its single-bug mutant a student
replaces and with what; the new text must be code quoted in the catalogue's
fix (so the fix text, not the test, does the repair). The patched file must
then be diagnosed without any bug and grade 100 end to end. A fix that names
a variable the student's loop does not have (``h_prev`` inside a loop that
assigns ``h``) fails here.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from grader.diagnosis import diagnose, load_catalog
from grader.grading import grade

MUTANTS = Path(__file__).parent / "mutants"
_spec = importlib.util.spec_from_file_location("mutant_adapter", MUTANTS / "adapter.py")
adapter = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(adapter)

CLIP_BY_NORM = ("    clip_coef = max_norm / (total_norm + 1e-6)\n    if clip_coef < 1:\n"
                "        grads = [grad * clip_coef for grad in grads]\n")
STEP_ALL = "    return tuple(param - lr * grad for param, grad in zip(params, grads))\n"

# id -> [(text in the mutant, the student's paste)]; "" pastes nothing (the fix says to remove)
FIXES = {
    "forward/concat-order": [("z = np.vstack((x, h_prev))", "z = np.vstack((h_s[-1], x))")],
    "forward/initial-state-not-stored": [("    for t, x", "    h_s = [h_prev]\n    C_s = [C_prev]\n    for t, x")],
    "forward/state-not-carried": [("        output_s.append(output)\n",
                                   "        output_s.append(output)\n        h_prev = h\n        C_prev = C\n")],
    "forward/cell-update": [("C_prev = C_prev + i * g", "C_prev = f * C_prev + i * g")],
    "forward/hidden-missing-tanh": [("h_prev = o * C_prev", "h_prev = o * np.tanh(C_s[-1])")],
    "forward/gate-activation": [("g = sigmoid(np.dot(W_g, z) + b_g)", "g = np.tanh(W_g @ z + b_g)")],
    "forward/pre-activation-stored": [("f = np.dot(W_f, z) + b_f\n        f_s.append(f)\n        f = sigmoid(f)",
                                       "f = sigmoid(W_f @ z + b_f)\n        f_s.append(f)")],
    "forward/unstable-softmax": [("e = np.exp(x)", "e = np.exp(x - np.max(x))")],
    "forward/gate-bias-missing": [("o = sigmoid(np.dot(W_o, z))", "o = sigmoid(W_o @ z + b_o)")],
    "backward/hidden-state-off-by-one": [("np.dot(dv, h[t].T)", "np.dot(dv, h[t + 1].T)")],
    "backward/cell-state-off-by-one": [("tanh(C[t])", "tanh(C[t + 1])")],
    "backward/previous-cell-index": [("C_prev = C[t - 1]", "C_prev = C[t]")],
    "backward/tanh-applied-twice": [("dC = np.copy(dC_next)\n        dC += dh * o[t] * (1 - tanh(tanh(C[t + 1])) ** 2)",
                                     "dC = dC_next + dh * o[t] * (1 - np.tanh(C[t + 1]) ** 2)")],
    "backward/forget-gate-no-derivative": [("df = dC * C_prev\n        df = sigmoid(f[t]) * df",
                                            "df = dC * C_prev * f[t] * (1 - f[t])")],
    "backward/input-gate-derivative-of-output": [("di = dC * g[t]\n        di = sigmoid(i[t]) * (1 - sigmoid(i[t])) * di",
                                                  "di = dC * g[t] * i[t] * (1 - i[t])")],
    "backward/output-gate-derivative-of-output": [
        ("do = dh * tanh(C[t + 1])\n        do = sigmoid(o[t]) * (1 - sigmoid(o[t])) * do",
         "do = dh * np.tanh(C[t + 1]) * o[t] * (1 - o[t])")],
    "backward/forget-gate-derivative-of-output": [("df = dC * C_prev\n        df = sigmoid(f[t]) * (1 - sigmoid(f[t])) * df",
                                                   "df = dC * C_prev * f[t] * (1 - f[t])")],
    "backward/candidate-derivative-of-output": [("dg = dC * i[t]\n        dg = (1 - tanh(g[t]) ** 2) * dg",
                                                 "dg = dC * i[t] * (1 - g[t] ** 2)")],
    "backward/no-hidden-carry": [("dh_prev = dz[:hidden_size, :]", "dh_next = dz[:hidden_size]")],
    "backward/no-cell-carry": [("dC_prev = f[t] * dC", "dC_next = dC * f[t]")],
    "backward/cell-carry-missing-forget": [("dC_next = dC\n", "dC_next = dC * f[t]\n")],
    "backward/hidden-carry-wrong-slice": [("dh_next = dz[hidden_size:, :]", "dh_next = dz[:hidden_size]")],
    "backward/softmax-gradient": [("dv = np.copy(outputs[t])\n",
                                   "dv = outputs[t].copy(); dv[np.argmax(targets[t])] -= 1\n")],
    "backward/loss-averaged": [("loss += -np.mean(np.log(outputs[t] + 1e-12) * targets[t])",
                                "loss += -np.log(outputs[t][np.argmax(targets[t])] + 1e-12)")],
    "backward/loss-no-epsilon": [("loss += -np.log(outputs[t][np.argmax(targets[t])])",
                                  "loss += -np.log(outputs[t][np.argmax(targets[t])] + 1e-12)")],
    "backward/gradients-clipped": [("    grads = clip_gradient_norm(grads)\n", "")],
    "backward/input-gate-no-derivative": [("di = dC * g[t]\n", "di = dC * g[t] * i[t] * (1 - i[t])\n")],
    "backward/output-gate-no-derivative": [("do = dh * tanh(C[t + 1])\n",
                                            "do = dh * np.tanh(C[t + 1]) * o[t] * (1 - o[t])\n")],
    "backward/candidate-no-derivative": [("dg = dC * i[t]\n", "dg = dC * i[t] * (1 - g[t] ** 2)\n")],
    "backward/sigmoid-derivative-sign": [("return s * (s - 1)", "return s * (1 - s)")],
    "backward/cell-tanh-derivative-without-tanh": [("dC = np.copy(dC_next)\n        dC += dh * o[t] * (1 - C[t + 1] ** 2)",
                                                    "dC = dC_next + dh * o[t] * (1 - np.tanh(C[t + 1]) ** 2)")],
    "backward/previous-cell-initial-state": [("C_prev = C[0]", "C_prev = C[t]")],
    "backward/loss-squared-error": [("loss += np.sum((outputs[t] - targets[t]) ** 2)",
                                     "loss += -np.log(outputs[t][np.argmax(targets[t])] + 1e-12)")],
    "clip/elementwise": [("    grads = [np.clip(grad, -max_norm, max_norm) for grad in grads]\n", CLIP_BY_NORM)],
    "clip/per-parameter-norm": [
        ("    grads = [grad * min(1.0, max_norm / (np.linalg.norm(grad) + 1e-6)) for grad in grads]\n", CLIP_BY_NORM)],
    "clip/always-rescales": [("    grads = [grad * clip_coef for grad in grads]\n",
                              "    if clip_coef < 1:\n        grads = [grad * clip_coef for grad in grads]\n")],
    "clip/wrong-coefficient": [("clip_coef = max_norm\n    if total_norm > max_norm:",
                                "clip_coef = max_norm / (total_norm + 1e-6)\n    if clip_coef < 1:")],
    "clip/not-applied": [("clipped = [grad * clip_coef for grad in grads]", "grads = [grad * clip_coef for grad in grads]")],
    "clip/biases-skipped": [("grads = [grad * clip_coef for grad in grads[:5]] + list(grads[5:])",
                             "grads = [grad * clip_coef for grad in grads]")],
    "update/wrong-sign": [("param + lr * grad", "param - lr * grad")],
    "update/learning-rate-ignored": [("param - grad", "param - lr * grad")],
    "update/biases-not-updated": [("    new_params = []\n    for param, grad in zip(params[:5], grads[:5]):\n"
                                   "        new_params.append(param - lr * grad)\n"
                                   "    return tuple(new_params) + tuple(params[5:])\n", STEP_ALL)],
    "update/parameters-unchanged": [("    for param, grad in zip(params, grads):\n        param = param - lr * grad\n"
                                     "    return tuple(params)\n", STEP_ALL)],
}


def single_mutant(bug_id: str) -> Path:
    return MUTANTS / ("single_" + bug_id.replace("/", "__").replace("-", "_") + ".py")


def code_in(fix: str) -> list[str]:
    return re.findall(r"`([^`]+)`", fix)


def patched(bug_id: str) -> str:
    source = single_mutant(bug_id).read_text()
    for old, new in FIXES[bug_id]:
        assert source.count(old) >= 1, f"{bug_id}: {old!r} is not in the mutant"
        source = source.replace(old, new)
    return re.sub(r"^expected: .*$", "expected: (none)", source, count=1, flags=re.MULTILINE)


def test_every_catalogue_id_has_a_fix_patch():
    assert set(FIXES) == set(load_catalog())


@pytest.mark.parametrize("bug_id", sorted(FIXES))
def test_the_paste_is_the_catalogue_fix(bug_id):
    fix = load_catalog()[bug_id].fix
    for old, new in FIXES[bug_id]:
        if not new:
            assert fix.startswith("Remove")
            continue
        quoted = [code for code in code_in(fix) if code in new]
        assert quoted, f"{bug_id}: the paste {new!r} quotes nothing of the fix {fix!r}"
        for glue in unquoted_parts(new, quoted):
            # what is not quoted is the student's own code around it, or the ``if ...:`` the fix asks for
            for line in glue.split("\n"):
                piece = re.sub(r"^\s*(if\b)?[\s:]*|[\s:]*$", "", line)
                assert piece == "" or piece in old, (bug_id, line)


def unquoted_parts(text: str, quoted: list[str]) -> list[str]:
    for code in sorted(quoted, key=len, reverse=True):
        text = text.replace(code, "\0")
    return text.split("\0")


# the same fixes pasted into other students' styles: (id, mutant, [(text, paste)]); a second paste
# fixes the file's other bug with its own catalogue fix
OTHER_STYLES = [
    ("forward/concat-order", "variant_concat_order_own_state_names.py", [("z = np.vstack((x, h))", "z = np.vstack((h_s[-1], x))")]),
    ("forward/concat-order", "combo_forward_concat_tanh.py", [("z = np.vstack((x, h_prev))", "z = np.vstack((h_s[-1], x))"),
                                                             ("h_prev = o * C_prev", "h_prev = o * np.tanh(C_s[-1])")]),
    ("backward/sigmoid-derivative-sign", "notebook_plus_sigmoid_derivative_sign.py", [("f[t] * (f[t] - 1)", "f[t] * (1 - f[t])")]),
]


def paste(path: Path, edits) -> Path:
    source = path.read_text()
    for old, new in edits:
        assert old in source, (path.name, old)
        source = source.replace(old, new)
    return source


@pytest.mark.parametrize("bug_id, name, edits", OTHER_STYLES, ids=[f"{i}-{n}" for i, n, _ in OTHER_STYLES])
def test_the_fix_works_in_other_styles(bug_id, name, edits, tmp_path):
    fix = load_catalog()[bug_id].fix
    assert any(code in edits[0][1] for code in code_in(fix))  # the first paste is this id's fix, literally
    path = tmp_path / name
    path.write_text(paste(MUTANTS / name, edits))
    before = set(adapter.expected_ids(MUTANTS / name))
    after = set(diagnose(adapter.in_process_call(adapter.load_mutant(path))).bug_ids)
    assert bug_id not in after and after <= before


def test_the_old_concat_fix_would_have_broken_the_carry(tmp_path):
    """Why the fix quotes ``h_s[-1]``: ``h_prev`` in a loop that carries ``h`` undoes the carry."""
    path = tmp_path / "old_fix.py"
    name = "variant_concat_order_own_state_names.py"
    path.write_text(paste(MUTANTS / name, [("z = np.vstack((x, h))", "z = np.vstack((h_prev, x))")]))
    assert diagnose(adapter.in_process_call(adapter.load_mutant(path))).bug_ids == ["forward/state-not-carried"]


@pytest.fixture(scope="module")
def fixed_files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("fixed")
    files = {}
    for bug_id in sorted(FIXES):
        path = folder / (single_mutant(bug_id).stem + "_fixed.py")
        path.write_text(patched(bug_id))
        files[bug_id] = path
    return files


@pytest.mark.parametrize("bug_id", sorted(FIXES))
def test_the_fixed_mutant_is_diagnosed_correct(bug_id, fixed_files):
    diagnosis = diagnose(adapter.in_process_call(adapter.load_mutant(fixed_files[bug_id])))
    assert diagnosis.bug_ids == [] and diagnosis.unexplained == []
    assert all(diagnosis.functions_ok.values())


def grade_to_json(path: Path) -> dict:
    return grade(path).to_json()


# what of a fixed file belongs to each student function (the forward uses the file's softmax)
PARTS = {"forward": ("softmax", "forward"), "clip_and_update": ("clip_and_update",)}


def splice(text: str, donor: str, names) -> str:
    """``text`` with the top-level functions ``names`` taken from ``donor``."""
    for name in names:
        start, end = span(text, name)
        d_start, d_end = span(donor, name)
        lines, donor_lines = text.split("\n"), donor.split("\n")
        text = "\n".join(lines[:start] + donor_lines[d_start:d_end] + lines[end:])
    return text


def span(text: str, name: str) -> tuple[int, int]:
    (node,) = [n for n in ast.parse(text).body if isinstance(n, ast.FunctionDef) and n.name == name]
    return node.lineno - 1, node.end_lineno


@pytest.fixture(scope="module")
def fixed_reports(fixed_files, tmp_path_factory) -> dict[str, dict]:
    """Grading is slow, and each fixed file differs from a correct one in one
    function only; so one graded file carries a fixed backward, a fixed
    forward and a fixed clip_and_update at once (the grade scores each
    function on its own; a wrong one would cost points or be named). Every
    fix is in at least one graded file; two are graded at a time."""
    catalog = load_catalog()
    by_function = {function: [bug_id for bug_id in sorted(FIXES) if catalog[bug_id].function == function]
                   for function in ("forward", "backward", "clip_and_update")}
    folder = tmp_path_factory.mktemp("combined")
    carried, paths = {}, []
    for k, backward_id in enumerate(by_function["backward"]):
        ids = [backward_id] + [by_function[f][k % len(by_function[f])] for f in PARTS]
        text = fixed_files[backward_id].read_text()
        for function, bug_id in zip(PARTS, ids[1:]):
            text = splice(text, fixed_files[bug_id].read_text(), PARTS[function])
        path = folder / f"fixed_{k:02d}.py"
        path.write_text(text)
        paths.append(path)
        for bug_id in ids:
            carried.setdefault(bug_id, path)
    assert set(carried) == set(FIXES)
    with ProcessPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        reports = dict(zip(paths, pool.map(grade_to_json, paths)))
    return {bug_id: reports[path] for bug_id, path in carried.items()}


@pytest.mark.parametrize("bug_id", sorted(FIXES))
def test_the_fixed_mutant_grades_full_marks(bug_id, fixed_reports):
    report = fixed_reports[bug_id]
    assert report["bugs"] == [] and report["unexplained"] == [] and report["errors"] == []
    assert report["score"] == report["max_score"] == 100


def test_splice_takes_the_donor_function():
    text = "import x\n\n\ndef forward():\n    return 1\n\n\ndef backward():\n    return 2\n"
    donor = "def forward():\n    a = 3\n    return a\n"
    spliced = splice(text, donor, ("forward",))
    assert "a = 3" in spliced and "return 1" not in spliced and "return 2" in spliced
