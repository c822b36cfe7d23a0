"""Run the packaged suite through pytest's API with the grading plugin."""

from __future__ import annotations

import os
import queue
import threading
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


def run_suite(plugin: GradingPlugin, keep_session: bool = False) -> GradingPlugin:
    """Run every check on ``plugin.probeset``; the outcomes land in ``plugin``.

    pytest's own output is switched off (``-p no:terminal``): outcomes are read
    from its reports by the plugin, never parsed from text. Plugins installed
    in the environment are not loaded, so the grade cannot depend on them, and
    built-in ones the suites do not use are switched off (start-up time).
    ``keep_session``: a process that grades again and again (a batch worker)
    runs the checks in a pytest session kept for its probe set (KeptSession).
    """
    if keep_session:
        return KeptSession.for_probeset(plugin.probeset).run(plugin)
    with plugin_autoload_disabled():
        pytest.main(suite_arguments(), plugins=[plugin])
    return plugin


def suite_arguments() -> list[str]:
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
    return args


class KeptSession(GradingPlugin):
    """One pytest session, kept alive in a thread of its own for a probe set.

    pytest configures, collects and parametrises the suites once (about a
    third of the grader's CPU per grading when done every time); each grading
    then runs the collected checks again through pytest's runtest protocol, as
    pytest-xdist's workers run the items they are sent: this plugin's
    ``pytest_runtestloop`` waits for gradings instead of running the items
    once. Fixtures and outcomes go to the grading being run (``grading``).
    Output is not captured (``-s``): a kept capture would hold this process's
    stdout between gradings, and the student's output never reaches this
    process's streams anyway (it comes through the sandbox's pipe).
    """

    _sessions: dict = {}
    _sessions_lock = threading.Lock()

    def __init__(self, probeset):  # noqa: D107 - not the dataclass's fields: a relay to the current grading
        self.probeset = probeset
        self.current: GradingPlugin | None = None
        self.collection_errors: list[str] = []
        self._jobs: queue.Queue = queue.Queue()
        self._ready = threading.Event()
        self._failure: BaseException | None = None

    @property
    def grading(self) -> GradingPlugin:
        return self.current

    @classmethod
    def for_probeset(cls, probeset) -> "KeptSession":
        with cls._sessions_lock:
            kept = cls._sessions.get(id(probeset))
            if kept is None or kept.probeset is not probeset or kept._failure is not None:
                kept = cls._sessions[id(probeset)] = cls(probeset)
                kept._start()
            return kept

    def _start(self) -> None:
        with plugin_autoload_disabled():  # read while pytest configures: until ready
            threading.Thread(target=self._main, name="pytest-session", daemon=True).start()
            self._ready.wait()
        if self._failure is not None:
            raise RuntimeError("the checks' pytest session did not start") from self._failure

    def _main(self) -> None:
        try:
            pytest.main(suite_arguments() + ["-s"], plugins=[self])
        except BaseException as error:  # noqa: BLE001 - reported to the grading that waits
            self._failure = error
        finally:
            self._failure = self._failure or RuntimeError("the checks' pytest session ended")
            self._ready.set()

    def run(self, plugin: GradingPlugin) -> GradingPlugin:
        """Run every collected check for ``plugin``'s grading (one at a time)."""
        if self._failure is not None:  # the kept session broke: this grading gets a session of its own
            return run_suite(plugin)
        done = threading.Event()
        self._jobs.put((plugin, done))
        done.wait()
        return plugin

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session):
        self._ready.set()
        while True:
            plugin, done = self._jobs.get()
            self.current = plugin
            plugin.collection_errors.extend(self.collection_errors)
            try:
                items = session.items
                for index, item in enumerate(items):
                    following = items[index + 1] if index + 1 < len(items) else None
                    item.user_properties.clear()  # the credit an earlier grading recorded is not this one's
                    item.config.hook.pytest_runtest_protocol(item=item, nextitem=following)
            except Exception as error:  # noqa: BLE001 - the grader's fault: this grading's, not the session's
                plugin.collection_errors.append(f"the checks' session failed: {type(error).__name__}: {error}")
            finally:
                self.current = None
                session.testsfailed = 0
                done.set()


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
