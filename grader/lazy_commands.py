"""A Click group whose bigger commands are imported only when they run.

Why: ``lstm-grader grade`` should not pay for importing the batch engine, the
nbgrader course writer, the bundle and release builders (zipfile, hashlib,
importlib.metadata ...) on every start. ``--help`` still lists every command
(it imports them to read their short help).
"""

from __future__ import annotations

import importlib

import click

# command name -> "module:attribute"
LAZY_COMMANDS = {
    "batch": "grader.batch.command:batch",
    "nbgrader-course": "grader.nbgrader_course:nbgrader_course",
    "gradescope-bundle": "grader.platforms.bundle:gradescope_bundle",
    "release": "grader.release.command:release",
}


class LazyGroup(click.Group):
    """``click.Group`` plus commands named in ``lazy``, imported on first use."""

    def __init__(self, *args, lazy: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or LAZY_COMMANDS)

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx, name):
        if name in self.lazy and name not in self.commands:
            module, attribute = self.lazy[name].split(":")
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)
