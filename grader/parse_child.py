"""Read a notebook into the code to grade, in a child process.

Why a child: parsing is the grader's only contact with the student's text
before the sandbox, and it is not cheap to bound from inside: a 19 MB
notebook can make ``json`` and ``ast`` take gigabytes, and a deeply nested
expression makes ``ast`` (or our walk over it) raise RecursionError. So the
parent (:func:`grader.submission.parse_limited`) starts this module as
``python -I``, which first puts itself under resource limits (address space,
CPU seconds, open files, no core file); the parent adds a wall-clock timeout,
sends the text as JSON on stdin and reads one JSON object back:
``{"source": ..., "notes": [...]}`` or ``{"error": "one line"}``. Whatever the child does (runs out of memory,
overflows its stack, is killed), the parent turns it into a one-line error.

Nothing of the student's code is executed here: the notebook goes through
:func:`grader.notebook.extract_notebook` (``json``, ``nbformat``, ``ast``).
A ``.py`` file needs no parsing before the sandbox, so it never comes here.
"""

from __future__ import annotations

import json
import sys

RECURSION_LIMIT = 3000
OPTIONAL_FORMAT_CHECKERS = ("rfc3987_syntax", "rfc3987", "rfc3986_validator", "rfc3339_validator", "webcolors",
                            "jsonpointer", "uri_template", "isoduration", "idna", "fqdn", "arrow")


def handle(request: dict) -> dict:
    text, name = request["text"], request["name"]
    try:
        # jsonschema (under nbformat) imports optional checkers of string
        # formats that no notebook schema uses; one of them builds a grammar on
        # import, seconds of CPU per notebook. Marked absent, they are skipped.
        for module in OPTIONAL_FORMAT_CHECKERS:
            sys.modules.setdefault(module, None)
        from grader.notebook import NotebookError, extract_notebook

        try:
            extraction = extract_notebook(text, name)
        except NotebookError as error:
            return {"error": str(error)}
        return {"source": extraction.source, "notes": extraction.notes}
    except RecursionError:
        return {"error": f"{name} is nested too deeply to be read (a very deeply nested expression?)"}
    except MemoryError:
        return {"error": f"{name} is too large or too complex to be read within the grader's memory limit"}


def apply_limits(memory_bytes: int, cpu_seconds: int) -> None:
    """Bound this process before it reads anything (the parent only adds a
    wall-clock timeout). Set here, not by the parent's ``preexec_fn``, which is
    unsafe in a grader that runs threads."""
    import resource

    for name, value in (("RLIMIT_AS", memory_bytes), ("RLIMIT_CPU", cpu_seconds),
                        ("RLIMIT_CORE", 0), ("RLIMIT_NOFILE", 64)):
        number = getattr(resource, name, None)
        if number is None:
            continue
        soft, hard = resource.getrlimit(number)
        wanted = value if hard == resource.RLIM_INFINITY else min(value, hard)
        try:
            resource.setrlimit(number, (wanted, hard))
        except (ValueError, OSError):
            pass  # macOS refuses RLIMIT_AS; the parent's timeout still bounds the child


def main(memory_bytes: int, cpu_seconds: int) -> None:
    apply_limits(memory_bytes, cpu_seconds)
    sys.setrecursionlimit(RECURSION_LIMIT)
    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    reply = handle(request)
    sys.stdout.write(json.dumps(reply))
    sys.stdout.flush()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
