"""Turn a Jupyter notebook's code cells into a module that is safe to load.

Why: a student's notebook mixes the definitions we grade with experiments
(a training loop, a plot, ``!pip install``, ``%matplotlib``) that can take
minutes or fail outside Jupyter. Grading must load the definitions and
nothing else, yet the module-level names those definitions use (a
``hidden_size = 16`` constant, a helper, an import) must still exist.

The rule (documented in docs/instructor-guide.md), applied to each code cell
in order, top to bottom, statement by statement, with :mod:`ast` -- nothing
is ever executed here:

* KEPT: ``import`` / ``from ... import`` statements; ``def`` / ``async def``
  / ``class`` definitions (with their decorators; bodies are not inspected:
  they run only when called); assignments to plain names whose value is a
  *simple expression*: literals, names already kept (or builtins), attribute
  access, subscripts, arithmetic / comparison / boolean operators,
  containers and comprehensions of those, calls of a few cheap builtins
  (``len``, ``range``, ``zip``, ``dict``, ... on such values) and ``lambda``.
  No other calls: ``rng = np.random.default_rng(0)`` or ``params =
  init_lstm(16, 4)`` are dropped.
* DROPPED, and reported (cell number, line, first line of the statement):
  everything else -- calls, loops, ``if``/``with``/``try`` blocks (including
  ``if __name__ == "__main__":``), assignments that call something or use a
  name that was not kept, and IPython syntax (lines starting with ``%`` or
  ``!``, whole ``%%`` cell magics). A cell that is not valid Python is
  dropped as a whole, with its syntax error.
* DROPPED SILENTLY: bare constants and docstrings, ``pass``, imports of the
  ``grader`` package, and cells that belong to the autograder (nbgrader test
  cells, or cells that call ``grader.nbgrader_hooks``): they are not the
  student's code. In the course's own training cell (marked
  ``# lstm-grader: experiments cell``) the dropped statements get no note:
  every student has them.

If none of the kept code defines ``forward``, ``backward`` or
``clip_and_update``, the notes say so first, so a function hidden in an
``if`` block or in a cell with a syntax error is not a mystery.
"""

from __future__ import annotations

import ast
import builtins
import json
from dataclasses import dataclass, field

AUTOGRADER_MARK = "grader.nbgrader_hooks"
# In the course notebook's own training cell: what it leaves out is expected,
# so no note (its definitions, if a student adds any, are still kept).
COURSE_CELL_MARK = "# lstm-grader: experiments cell"
REQUIRED = ("forward", "backward", "clip_and_update")  # the contract's student functions
BUILTIN_NAMES = frozenset(dir(builtins)) | {"__name__", "__file__", "__doc__"}


class NotebookError(ValueError):
    """The file is not a usable notebook; the message (one line) says why."""


@dataclass
class Extraction:
    """What was kept (as Python source) and what was left out (notes)."""

    source: str
    notes: list[str] = field(default_factory=list)


@dataclass
class _Cell:
    number: int  # 1-based position among ALL cells, as a reader counts them
    source: str


def read_cells(text: str, name: str = "notebook") -> list[_Cell]:
    """The code cells of a notebook given as JSON text (nbformat v4).

    Raises :class:`NotebookError` with a one-line message for anything that
    is not a notebook. nbgrader test cells (``grade`` without ``solution``)
    and cells calling the autograder hooks are left out: they are ours.
    """
    import nbformat

    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        message = error.msg.removesuffix(" at").rstrip(":")  # "Invalid control character at"
        raise NotebookError(f"{name} is not a valid notebook: it is not valid JSON at line {error.lineno}, "
                            f"column {error.colno} ({message[:1].lower() + message[1:]})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("cells", raw.get("worksheets")), list):
        raise NotebookError(f"{name} is not a Jupyter notebook: no list of cells")
    try:
        notebook = nbformat.reads(text, as_version=4)
    except Exception as error:  # nbformat raises many kinds for malformed files
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise NotebookError(f"{name} is not a readable notebook: {first}") from None
    cells = []
    for number, cell in enumerate(notebook.cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            continue  # an nbgrader autograder test cell
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        cells.append(_Cell(number, source))
    return cells


def extract_notebook(text: str, name: str = "notebook") -> Extraction:
    """Apply the rule (module docstring) to a notebook given as JSON text."""
    return extract_cells([(cell.number, cell.source) for cell in read_cells(text, name)])


def extract_cells(cells: list[tuple[int, str]], label: str = "cell") -> Extraction:
    """Apply the rule to ``(cell number, source)`` pairs, in execution order.

    Also used for a live kernel's input history (``label="In"``), where the
    number is the execution count and notes read ``In [7]``.
    """
    defined = _Defined()

    def name(number: int) -> str:
        return f"In [{number}]" if label == "In" else f"{label} {number}"

    parts: list[str] = []
    notes: list[str] = []
    for number, source in cells:
        if AUTOGRADER_MARK in source or not source.strip():
            continue
        kept, dropped = _extract_cell(source, defined)
        if kept:
            parts.append(f"# --- {name(number)} ---\n" + "\n".join(kept) + "\n")
        if dropped and COURSE_CELL_MARK not in source:
            line, what = dropped[0]
            more = f" (+{len(dropped) - 1} more)" if len(dropped) > 1 else ""
            notes.append(f"{name(number)}, line {line}: not run: {what}{more}")
    missing = [f for f in REQUIRED if f not in defined.user]
    notes[:0] = [f"no code cell defines {f}() at the top level: write it as `def {f}(...):` "
                 "in a code cell of its own" for f in missing]
    header = "# Built by lstm-grader from a notebook: only definitions, imports and\n" \
             "# simple constants are kept (see docs/instructor-guide.md).\n"
    return Extraction(header + "\n".join(parts), notes)


def _first_line(text: str, limit: int = 60) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _strip_ipython(source: str) -> tuple[str, list[tuple[int, str]]]:
    """Replace IPython-only lines (``%magic``, ``!shell``) by ``pass``.

    Only tried when the cell does not parse as it is, so a ``%`` inside a
    valid multi-line string is never touched. Returns the new source and the
    top-level lines that were replaced (line number, text).
    """
    lines = source.split("\n")
    replaced = []
    for index, line in enumerate(lines):
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            indent = line[: len(line) - len(stripped)]
            if not indent:
                replaced.append((index + 1, _first_line(stripped) + " (IPython magic or shell command)"))
            lines[index] = indent + "pass"
    return "\n".join(lines), replaced


def _extract_cell(source: str, defined: set[str]) -> tuple[list[str], list[tuple[int, str]]]:
    """The kept statements' source text and the dropped ones (line, text)."""
    if source.lstrip().startswith("%%"):
        return [], [(1, _first_line(source) + " (a whole-cell magic)")]
    dropped: list[tuple[int, str]] = []
    try:
        tree = ast.parse(source)
    except SyntaxError:
        source, dropped = _strip_ipython(source)
        try:
            tree = ast.parse(source)
        except SyntaxError as error:
            return [], [(error.lineno or 1, f"the whole cell: it is not valid Python ({error.msg})")]
    lines = source.split("\n")
    kept = []
    for node in tree.body:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        text = "\n".join(lines[start - 1: node.end_lineno])
        verdict = _judge(node, defined)
        if verdict == "keep":
            kept.append(text)
            defined.define(_names_defined(node))
        elif verdict == "drop":
            dropped.append((start, _first_line(text)))
    dropped.sort()
    return kept, dropped


def _judge(node: ast.stmt, defined: set[str]) -> str:
    """``keep``, ``drop`` (and report) or ``ignore`` (drop silently)."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        if any(m == "grader" or m.startswith("grader.") for m in modules):
            return "ignore"
        return "keep"
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return "keep"
    if isinstance(node, ast.Pass) or (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
        return "ignore"
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if node.value is not None and all(_plain_target(t) for t in targets) \
                and _simple(node.value, defined):
            return "keep"
    return "drop"


def _plain_target(target: ast.expr) -> bool:
    if isinstance(target, ast.Name):
        return True
    if isinstance(target, (ast.Tuple, ast.List)):
        return all(_plain_target(e) for e in target.elts)
    return False


_SIMPLE_NODES = (ast.Constant, ast.Name, ast.Load, ast.Attribute, ast.Subscript, ast.Slice,
                 ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp, ast.Tuple, ast.List,
                 ast.Set, ast.Dict, ast.JoinedStr, ast.FormattedValue, ast.Starred, ast.keyword,
                 ast.operator, ast.unaryop, ast.boolop, ast.cmpop, ast.expr_context)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
# Builtins that are cheap on the small constant values this rule admits
# (``V = len(vocab)``, ``idx = dict(zip(words, range(len(words))))``).
SAFE_BUILTIN_CALLS = frozenset({
    "len", "min", "max", "abs", "round", "int", "float", "str", "bool", "tuple", "list", "dict",
    "set", "frozenset", "range", "sorted", "sum", "enumerate", "zip", "reversed"})


def _simple(value: ast.AST, defined: set[str]) -> bool:
    """A value that is cheap to compute and only uses names already kept.

    Allowed: literals, kept names, attributes, subscripts, operators,
    containers, comprehensions over those, calls of a few cheap builtins
    (:data:`SAFE_BUILTIN_CALLS`, unless the notebook redefined them) and
    ``lambda`` -- a definition, whose body runs only when called and so is
    not inspected.
    """
    if isinstance(value, ast.Lambda):
        return True
    if isinstance(value, ast.Call):
        function = value.func
        return (isinstance(function, ast.Name) and function.id in SAFE_BUILTIN_CALLS
                and function.id in defined and function.id not in _user_names(defined)
                and all(_simple(child, defined) for child in [*value.args, *value.keywords]))
    if isinstance(value, _COMPREHENSIONS):
        scope = set(defined)
        for generator in value.generators:
            if not _simple(generator.iter, scope) or generator.is_async:
                return False
            scope |= {n.id for n in ast.walk(generator.target) if isinstance(n, ast.Name)}
            if not all(_simple(condition, scope) for condition in generator.ifs):
                return False
        elements = [value.key, value.value] if isinstance(value, ast.DictComp) else [value.elt]
        return all(_simple(element, scope) for element in elements)
    if not isinstance(value, _SIMPLE_NODES):
        return False
    if isinstance(value, ast.Name) and isinstance(value.ctx, ast.Load) and value.id not in defined:
        return False
    return all(_simple(child, defined) for child in ast.iter_child_nodes(value))


class _Defined(set):
    """The names available so far; remembers which ones the notebook made."""

    def __init__(self):
        super().__init__(BUILTIN_NAMES)
        self.user: set[str] = set()

    def define(self, names: set[str]) -> None:
        self.update(names)
        self.user.update(names)


def _user_names(defined: set[str]) -> set[str]:
    return getattr(defined, "user", set())


def _names_defined(node: ast.stmt) -> set[str]:
    if isinstance(node, ast.Import):
        return {(a.asname or a.name.split(".")[0]) for a in node.names}
    if isinstance(node, ast.ImportFrom):
        return {(a.asname or a.name) for a in node.names}
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
