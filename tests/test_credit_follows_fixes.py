"""Credit that follows the fixes (issue 11 item 5, docs/grading.md).

The course notebook's backward, fixed one catalogued bug at a time
(tests/fixpath/notebook_path.py), is graded end to end at every step: the
diagnosis names exactly the bugs still in it and the score rises with every
fix. The rule itself is tested in-process: what it changes, and what it
leaves to the output-based credit.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from grader.checks.expected import LiveReference
from grader.checks.student import StudentCalls
from grader.credit import GRADIENT_RECORDS, bug_credit, follow_fixes
from grader.diagnosis import diagnose
from grader.grading import grade
from grader.plugin import GradingPlugin
from grader.points import PointsError, points_for
from grader.runner import run_suite
from grader.suites.hidden_probes import PROBESET

TESTS = Path(__file__).parent
sys.path.insert(0, str(TESTS))
from fixpath.notebook_path import FIXES, states  # noqa: E402

_spec = importlib.util.spec_from_file_location("mutant_adapter", TESTS / "mutants" / "adapter.py")
adapter = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(adapter)

GRADIENT_CHECKS = [f"backward/gradients[{case}]" for case in PROBESET.sequences] + [
    "gradcheck/backward_matches_own_forward"]


def grade_summary(path: Path) -> tuple[float, set]:
    report = grade(path)
    return report.score, {bug["id"] for bug in report.bugs}


@pytest.fixture(scope="module")
def path_reports(tmp_path_factory) -> list[tuple[float, set, set]]:
    folder = tmp_path_factory.mktemp("fixpath")
    files, remaining = [], []
    for n, (source, ids) in enumerate(states()):
        path = folder / f"notebook_step_{n:02d}.py"
        path.write_text(source)
        files.append(path)
        remaining.append(ids)
    with ProcessPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        graded = list(pool.map(grade_summary, files))
    return [(score, named, ids) for (score, named), ids in zip(graded, remaining)]


def test_the_path_fixes_all_thirteen_notebook_bugs():
    assert len(FIXES) == 13 and len(states()) == 14
    assert states()[0][1] == adapter.expected_ids(TESTS / "mutants" / "notebook_original.py")
    assert states()[-1][1] == set()


def test_each_step_of_the_path_is_named_exactly(path_reports):
    for step, (_, named, remaining) in enumerate(path_reports):
        assert named == remaining, f"step {step}"


def test_the_score_rises_with_every_fix(path_reports):
    scores = [score for score, _, _ in path_reports]
    assert all(later > earlier for earlier, later in zip(scores, scores[1:])), scores
    assert scores[-1] == 100


# ---------------------------------------------------------------- the rule, in-process

def in_process(module):
    call = adapter.in_process_call(module)
    plugin = run_suite(GradingPlugin(StudentCalls(call), LiveReference(), PROBESET))
    return plugin, diagnose(call).to_json()


def module_of(name: str):
    return adapter.load_mutant(TESTS / "mutants" / name)


def credits(outcomes) -> dict:
    return {o.name: o.credit for o in outcomes}


def test_bug_credit_is_r_for_one_bug_and_falls_with_each_more():
    assert bug_credit(1, 0.5) == 0.5
    values = [bug_credit(k, 0.5) for k in range(1, 14)]
    assert all(a > b > 0 for a, b in zip(values, values[1:]))
    assert bug_credit(3, 0.0) == 0.0


def test_a_check_the_named_bugs_explain_earns_per_the_rule():
    plugin, diagnosis = in_process(module_of("single_backward__no_hidden_carry.py"))
    before = credits(plugin.outcomes)
    after = credits(follow_fixes(plugin.outcomes, diagnosis, plugin.context))
    wrong = [name for name in GRADIENT_CHECKS if before[name] < 1]
    assert wrong, before
    for name in wrong:
        assert after[name] == pytest.approx(before[name] + (1 - before[name]) * 0.5)
    assert {n: c for n, c in after.items() if n not in wrong} == {n: c for n, c in before.items() if n not in wrong}


def test_wrong_gradients_the_named_bugs_do_not_reproduce_keep_output_based_credit():
    plugin, diagnosis = in_process(module_of("single_backward__no_hidden_carry.py"))
    name = "backward/gradients[T=6, non-zero state]"
    probe, grads = plugin.context[GRADIENT_RECORDS][name]
    plugin.context[GRADIENT_RECORDS][name] = (probe, (grads[0] * 1.01, *grads[1:]))
    after = credits(follow_fixes(plugin.outcomes, diagnosis, plugin.context))
    assert after[name] == credits(plugin.outcomes)[name]


def test_an_unknown_bug_keeps_output_based_credit():
    plugin, diagnosis = in_process(module_of("unknown_backward_dz_without_output_gate.py"))
    assert diagnosis["bugs"] == []
    assert credits(follow_fixes(plugin.outcomes, diagnosis, plugin.context)) == credits(plugin.outcomes)


def test_a_correct_backward_is_untouched():
    plugin, diagnosis = in_process(module_of("correct_reordered.py"))
    assert all(o.credit == 1.0 for o in plugin.outcomes)
    assert follow_fixes(plugin.outcomes, diagnosis, plugin.context) == plugin.outcomes


def test_a_loss_bug_alone_changes_no_gradient_check():
    plugin, diagnosis = in_process(module_of("single_backward__loss_averaged.py"))
    assert credits(follow_fixes(plugin.outcomes, diagnosis, plugin.context)) == credits(plugin.outcomes)


def test_the_points_file_sets_or_turns_off_the_rule(tmp_path):
    plugin, diagnosis = in_process(module_of("single_backward__no_hidden_carry.py"))
    off, quarter = tmp_path / "off.toml", tmp_path / "quarter.toml"
    off.write_text("[credit]\nnamed_bug_credit = 0\n")
    quarter.write_text("[credit]\nnamed_bug_credit = 0.25\n")
    before = credits(plugin.outcomes)
    assert credits(follow_fixes(plugin.outcomes, diagnosis, plugin.context, off)) == before
    after = credits(follow_fixes(plugin.outcomes, diagnosis, plugin.context, quarter))
    name = "backward/gradients[T=6, non-zero state]"
    assert after[name] == pytest.approx(before[name] + (1 - before[name]) * 0.25)


@pytest.mark.parametrize("text, message", [
    ("[credit]\nnamed_bug_credit = 1.5\n", "must be >= 0 and < 1"),
    ("[credit]\nnamed_bugs_credit = 0.5\n", "no setting named named_bugs_credit"),
])
def test_a_bad_credit_setting_is_refused_before_grading(tmp_path, text, message):
    path = tmp_path / "points.toml"
    path.write_text(text)
    with pytest.raises(PointsError, match=message):
        points_for("hidden", path)


def test_the_feedback_says_why_the_check_keeps_points():
    plugin, diagnosis = in_process(module_of("single_backward__no_hidden_carry.py"))
    after = {o.name: o for o in follow_fixes(plugin.outcomes, diagnosis, plugin.context)}
    assert "The 1 bug named below explains every wrong gradient here" in after[
        "backward/gradients[T=6, non-zero state]"].feedback


def test_the_public_self_check_keeps_output_based_credit():
    """`check` must score alike in the student edition, which names no bugs."""
    plugin, diagnosis = in_process(module_of("single_backward__no_hidden_carry.py"))
    assert follow_fixes(plugin.outcomes, diagnosis, plugin.context, None, "public") == plugin.outcomes


def test_the_credit_note_starts_a_sentence_of_its_own():
    """The note follows the check's feedback as a new sentence (no run-on 'db_v The 2 bugs')."""
    from grader.credit import sentence_end

    assert sentence_end("right: dW_v, db_v") == "right: dW_v, db_v."
    assert sentence_end("differences).") == "differences)."
    assert sentence_end("") == ""
