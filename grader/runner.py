"""Run the packaged suite through pytest's API with the grading plugin."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

import pytest

from grader.plugin import GradingPlugin

SUITE_DIR = Path(__file__).parent / "suites"

# pytest's built-in plugins the suites do not use. Each costs set-up on every
# grading (unraisableexception alone runs gc.collect() several times at the
# end of a session): 70 ms of CPU per pytest.main without these, 19 ms with.
# Kept: python, fixtures, runner, skipping, capture, warnings, junitxml
# (record_property, for partial credit).
UNUSED_PLUGINS = ("unraisableexception", "threadexception", "doctest", "pastebin", "stepwise", "faulthandler",
                  "logging", "legacypath", "debugging", "setuponly", "setupplan", "tmpdir", "recwarn",
                  "monkeypatch", "python_path", "unittest")


def run_suite(plugin: GradingPlugin) -> GradingPlugin:
    """Run every check on ``plugin.probeset``; the outcomes land in ``plugin``.

    pytest's own output is switched off (``-p no:terminal``): outcomes are read
    from its reports by the plugin, never parsed from text. Plugins installed
    in the environment are not loaded, so the grade cannot depend on them, and
    built-in ones the suites do not use are switched off (start-up time).
    """
    args = [
        str(SUITE_DIR),
        "-p", "no:terminal",
        "-p", "no:cacheprovider",
        "--import-mode=importlib",
        "--rootdir", str(SUITE_DIR),
        "-c", str(SUITE_DIR / "pytest.ini"),
        "-W", "ignore",
    ]
    for name in UNUSED_PLUGINS:
        args += ["-p", f"no:{name}"]
    with plugin_autoload_disabled():
        pytest.main(args, plugins=[plugin])
    return plugin


@contextmanager
def plugin_autoload_disabled():
    """Keep pytest plugins installed in the environment out of grading."""
    saved = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        yield
    finally:
        if saved is None:
            del os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = saved
