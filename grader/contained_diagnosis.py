"""The diagnosis, one function at a time, each contained.

``diagnose(call)`` analyses forward, backward and clip_and_update together.
Here each function is diagnosed on its own (``diagnose(call, (function,))``:
the other two are not called), so
that (1) forward can be diagnosed in the grading phase that never saw a
reference cache, the others later, and (2) if the diagnosis fails on one
function's values, the report says that function could not be analysed and
the other two are still diagnosed. The results merge into the shape of
``Diagnosis.to_json()``.
"""

from __future__ import annotations

FUNCTIONS = ("forward", "backward", "clip_and_update")


def diagnose_function(call, function: str) -> dict:
    """The diagnosis of one function (the others are not called): its bugs,
    findings, ok flag and, when it could not be analysed, why (plus
    ``internal``: the grader's own error)."""
    from grader.diagnosis import diagnose

    try:
        result = diagnose(call, (function,)).to_json()
    except Exception as error:  # noqa: BLE001 - contained: the other functions are still diagnosed
        reason = f"{function} could not be analysed (an internal fault of the grader, not your code)"
        finding = {"function": function, "wrong": [], "right": [], "where": "", "first_step": None, "probes": [],
                   "message": reason + "; the checks still score it."}
        return {"bugs": [], "unexplained": [finding], "functions_ok": {function: False},
                "undiagnosed": {function: reason}, "internal": f"{type(error).__name__}: {error}"}
    return {key: result[key] for key in ("bugs", "unexplained", "functions_ok", "undiagnosed")}


def merged(parts: list[dict]) -> dict:
    """Per-function diagnoses, in the order of FUNCTIONS, as one."""
    order = {function: k for k, function in enumerate(FUNCTIONS)}
    parts = sorted(parts, key=lambda part: min((order.get(f, 9) for f in part["functions_ok"]), default=9))
    result = {"bugs": [], "unexplained": [], "functions_ok": {}, "undiagnosed": {}, "internal": []}
    for part in parts:
        for key in ("bugs", "unexplained"):
            result[key] += part[key]
        result["functions_ok"].update(part["functions_ok"])
        result["undiagnosed"].update(part["undiagnosed"])
        if part.get("internal"):
            result["internal"].append({"function": next(iter(part["functions_ok"])), "kind": "internal",
                                       "message": part["internal"]})
    return result
