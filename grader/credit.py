"""Credit that follows the fixes.

One remaining bug in ``backward`` usually breaks every gradient of a long
sequence (through the carries), so output-based credit gives a student with
one bug left the same points as one with twelve. When the diagnosis names k
bugs in ``backward`` that change gradients, and the reference with exactly
those bugs reproduces every gradient of a gradient check, that check earns

    s + (1 - s) * r / (r + (1 - r) * k)

where s is its output-based share (its share of right gradients) and r the
credit one named bug leaves (``[credit] named_bug_credit`` in the points
file; 0 turns the rule off). Every fixed bug lowers k, so the score rises with
every fix. Wrong behaviour the named bugs do not reproduce keeps today's
output-based credit: points follow behaviour, never a name alone.

The public self-check keeps the output-based credit: the student edition has
no diagnosis, and both editions' self-checks must score alike. The checks record what the rule needs in the grading context: the probe and
the gradients the student returned (see the backward and gradcheck suites).
"""

from __future__ import annotations

import dataclasses

import numpy as np

GRADIENT_RECORDS = "backward_gradients"  # grading-context key: check name -> (probe, grads)


def record_gradients(context: dict, check: str, probe, grads) -> None:
    """Called by a gradient check: the probe and the student's gradients."""
    context.setdefault(GRADIENT_RECORDS, {})[check] = (probe, tuple(grads))


def gradient_bugs(diagnosis: dict) -> list[dict]:
    """The named backward bugs whose evidence shows them in some gradient."""
    return [bug for bug in diagnosis.get("bugs", [])
            if bug.get("function") == "backward"
            and any(str(output).startswith("d") for output in bug.get("evidence", {}).get("outputs", []))]


def backward_explained(diagnosis: dict) -> bool:
    """The diagnosis accounts for every wrong value backward gave on its probes
    (a probe on which it crashed is no wrong value: its checks get no record)."""
    if "backward" in diagnosis.get("undiagnosed", {}):
        return False
    return not any(f.get("function") == "backward" and f.get("wrong") for f in diagnosis.get("unexplained", []))


def named_switches(diagnosis: dict) -> dict:
    """The error model's switches of the named backward bugs (from their evidence)."""
    switches = {}
    for bug in diagnosis.get("bugs", []):
        if bug.get("function") != "backward":
            continue
        for variant in bug.get("evidence", {}).get("variants", []):
            name, _, value = str(variant).partition("=")
            switches[name] = value
    return switches


def reproduced(probe, grads, switches: dict) -> bool:
    """Whether the reference with ``switches`` gives exactly ``grads`` on ``probe``."""
    from grader.diagnosis.compare import matches  # not in the student edition (nor is the reference)
    from grader.diagnosis.error_model import global_norm
    from grader.diagnosis.domains import GRAD_NAMES, backward_evaluator
    from grader.diagnosis.probes import BackwardProbe, reference_caches

    student = {(probe.name, name): grad for name, grad in zip(GRAD_NAMES, grads)}
    evaluate = backward_evaluator({probe.name: BackwardProbe(probe.name, probe, reference_caches(probe))}, student)
    try:
        model = evaluate(switches)
    except (ValueError, IndexError, FloatingPointError):
        return False
    if not all(key in model for key in student):
        return False
    scale = global_norm([model[key] for key in student])
    return all(matches(value, model[key]) or negligible_difference(value, model[key], scale)
               for key, value in student.items())


def negligible_difference(student, model, scale: float) -> bool:
    """Both values are rounding noise next to the whole gradient (e.g. a
    ``tanh(x + 1e-12)`` helper gives 1e-12 where the model gives exactly 0)."""
    from grader.diagnosis.compare import TOLERANCE, as_array  # not in the student edition

    a, b = as_array(student), as_array(model)
    if a is None or b is None or a.size != b.size or not np.all(np.isfinite(a)):
        return False
    return float(np.linalg.norm(a - b)) <= TOLERANCE * scale


def bug_credit(k: int, r: float) -> float:
    """What k named bugs leave of a check's remaining credit: r for one, less for each more."""
    return r / (r + (1.0 - r) * k) if r > 0 else 0.0


def sentence_end(text: str) -> str:
    """``text`` closed with a full stop, so a sentence can follow it."""
    text = text.rstrip()
    return text if not text or text.endswith((".", "!", "?")) else text + "."


def follow_fixes(outcomes: list, diagnosis: dict, context: dict, points_file=None, suite: str = "hidden") -> list:
    """``outcomes`` with the gradient checks' credit following the named bugs
    (``named_bug_credit`` from the points file, or its default). Only for the
    hidden suite: the public self-check must score alike in the student
    edition, which names no bugs."""
    from grader.points import credit_setting

    bugs = gradient_bugs(diagnosis)
    records = context.get(GRADIENT_RECORDS, {})
    if suite != "hidden" or not bugs or not records or not backward_explained(diagnosis):
        return outcomes
    r = credit_setting("named_bug_credit", points_file)
    if r <= 0:
        return outcomes
    switches, k = named_switches(diagnosis), len(bugs)
    adjusted = []
    for outcome in outcomes:
        record = records.get(outcome.name)
        if record is None or outcome.internal_error or outcome.credit >= 1.0 or not reproduced(*record, switches):
            adjusted.append(outcome)
            continue
        s = outcome.credit
        credit = s + (1.0 - s) * bug_credit(k, r)
        note = (f" The {k} bug{'s' if k > 1 else ''} named below explain{'' if k > 1 else 's'} every wrong "
                f"gradient here, so this check keeps {credit:.0%} of its points; each bug you fix raises it.")
        adjusted.append(dataclasses.replace(outcome, credit=credit, feedback=sentence_end(outcome.feedback) + note))
    return adjusted
