"""Run untrusted student code in a child process and call its functions.

    from grader.sandbox import Limits, StudentProcess
    with StudentProcess("submission.py", Limits(call_timeout=10)) as student:
        out = student.call("forward", inputs, h_prev, C_prev, params)

Modules: ``limits`` (what the child may use), ``protocol`` (pickle-free wire
format), ``isolation`` (namespaces and what each platform gets), ``confine``
and ``child`` (run inside the child, standalone), ``process`` (the parent
side), ``outcome`` (result types).  See docs/sandbox.md.
"""

from .isolation import SandboxUnavailable
from .limits import Limits
from .outcome import CallOutcome, StudentError
from .process import StudentProcess

__all__ = ["Limits", "StudentProcess", "CallOutcome", "StudentError", "SandboxUnavailable"]
