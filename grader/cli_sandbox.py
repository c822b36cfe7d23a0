"""The ``--allow-unconfined`` option shared by ``grade``, ``check`` and ``batch``.

Kept here (one decorator, one reader) so the command hubs change by a line:
the flag is stored in the Click context and read where the Limits are built.
Outside ``grader.sandbox`` on purpose: importing that package loads NumPy,
and the CLI starts without it.
"""

from __future__ import annotations

import click

_KEY = "lstm_allow_unconfined"


def _remember(ctx, _param, value):
    ctx.meta[_KEY] = bool(value)
    return value


allow_unconfined_option = click.option(
    "--allow-unconfined", is_flag=True, expose_value=False, callback=_remember, is_eager=True,
    help="Grade even where the student sandbox can confine nothing (no namespaces, no Landlock, "
         "no seccomp, not root; e.g. macOS). Without it grading is refused there. See docs/sandbox.md.")


def allow_unconfined() -> bool:
    """Whether the running command got --allow-unconfined (False outside a Click command)."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx and ctx.meta.get(_KEY, False))


def refuse_if_unconfined(limits) -> None:
    """Raise SandboxUnavailable before a batch starts, rather than failing every row."""
    from grader.sandbox import isolation

    if limits.allow_unconfined or isolation.namespace_prefix()[0] is not None:
        return
    if not isolation.degraded_confinement():
        isolation.plan(allow_unconfined=False)  # raises with the full explanation
