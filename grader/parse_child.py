"""Read a submission's text into the code to grade, in a child process.

Why a child: parsing is the grader's only contact with the student's text
before the sandbox, and it is not cheap to bound from inside: a 19 MB
notebook can make ``json`` and ``ast`` take gigabytes, and a deeply nested
expression makes ``ast`` (or our walk over it) raise RecursionError. So the
parent (:func:`grader.submission.parse_limited`) starts this module as
``python -I``, which first puts itself under resource limits (address space,
CPU seconds, open files, no core file); the parent adds a wall-clock timeout, sends the text as JSON on stdin and
reads one JSON object back: ``{"source": ..., "notes": [...]}`` or
``{"error": "one line"}``. Whatever the child does (runs out of memory,
overflows its stack, is killed), the parent turns it into a one-line error.

Nothing of the student's code is executed here: notebooks go through
:func:`grader.notebook.extract_notebook`, Python files only through
``ast.parse`` to say which of the three functions they do not define.
"""

from __future__ import annotations

import ast
import json
import sys

REQUIRED = ("forward", "backward", "clip_and_update")
RECURSION_LIMIT = 3000


def defined_names(statements: list[ast.stmt]) -> set[str]:
    """Names a module binds when it runs, looking into ``if``/``try``/``with``
    blocks at the top level (a def there still defines the name)."""
    names: set[str] = set()
    for node in statements:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        for block in ("body", "orelse", "finalbody"):
            if isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)) and hasattr(node, block):
                names |= defined_names(getattr(node, block))
        for handler in getattr(node, "handlers", []) or []:
            names |= defined_names(handler.body)
    return names


def python_notes(source: str) -> list[str]:
    """A note when a Python file does not define the functions to grade (an
    empty file, the wrong file); a file with a syntax error gets none here:
    the sandbox reports the error itself, with its line."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    missing = [name for name in REQUIRED if name not in defined_names(tree.body)]
    if not missing:
        return []
    listed = ", ".join(f"{name}()" for name in missing)
    if not source.strip():
        return [f"your file is empty: it defines none of {listed}"]
    if len(missing) == len(REQUIRED):
        return [f"your file defines none of {listed}: is it the right file?"]
    return [f"your file does not define {listed}"]


def handle(request: dict) -> dict:
    kind, text, name = request["kind"], request["text"], request["name"]
    try:
        if kind != "ipynb":
            return {"source": text, "notes": python_notes(text)}
        # jsonschema (under nbformat) builds a grammar for IRI formats on import,
        # seconds of CPU for a format no notebook schema uses: skip it here
        sys.modules.setdefault("rfc3987_syntax", None)
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
