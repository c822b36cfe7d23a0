"""What makes grading start and run fast, proved by behaviour (timings are in bench/).

* the CLI imports a command's module only when that command runs;
* ``prestart`` starts the sandbox child that the next StudentProcess takes;
* the suites run without the pytest plugins they do not use.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from grader.checks.expected import LiveReference
from grader.checks.student import StudentCalls
from grader.cli import main
from grader.lazy_commands import LAZY_COMMANDS
from grader.plugin import GradingPlugin
from grader.runner import UNUSED_PLUGINS, run_suite
from grader.sandbox import Limits, StudentProcess
from grader.sandbox import process
from grader.suites.public_probes import PROBESET

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "solutions" / "lstm.py"


def test_grading_imports_no_other_command():
    code = ("import sys, grader.cli\n"
            "from click.testing import CliRunner\n"
            f"CliRunner().invoke(grader.cli.main, ['grade', {str(REFERENCE)!r}])\n"
            "print(__import__('json').dumps(sorted(m for m in sys.modules if m.startswith(('grader.', 'importlib.metadata')))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    modules = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "grader.grading" in modules  # it did grade
    lazy = {target.split(":")[0] for target in LAZY_COMMANDS.values()}
    assert not modules & lazy


def test_starting_the_cli_imports_neither_pytest_nor_numpy_nor_package_metadata():
    code = "import sys, grader.cli; print(sorted({'pytest', 'numpy', 'importlib.metadata'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_every_lazy_command_is_listed_and_has_help():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in LAZY_COMMANDS:
        assert name in result.output
        sub = CliRunner().invoke(main, [name, "--help"])
        assert sub.exit_code == 0 and "Usage:" in sub.output


def test_prestart_gives_the_next_student_process_a_started_child():
    limits = Limits(call_timeout=5.0, total_timeout=30.0)
    process.shutdown_spares()
    process.prestart(limits)
    key = (limits, (), None, str(Path.cwd()))
    spare = process._spares[key]
    with StudentProcess(REFERENCE, limits, prestart=False) as student:
        assert student.markers[0] == spare.marker
        assert student.call("sigmoid", 0.0).value == 0.5
    process.shutdown_spares()


def test_a_one_shot_prestart_starts_no_further_spare():
    limits = Limits(call_timeout=5.0, total_timeout=30.0)
    process.shutdown_spares()
    try:
        process.prestart(limits, one_shot=True)
        with StudentProcess(REFERENCE, limits) as student:
            assert student.call("sigmoid", 0.0).value == 0.5
            assert process._spares == {}
        assert process._keep_warm == [True]  # only that one start went without a spare
    finally:
        process._keep_warm[0] = True
        process.shutdown_spares()


class PluginProbe:
    def __init__(self):
        self.active = {}

    def pytest_configure(self, config):
        self.active = {name: config.pluginmanager.has_plugin(name) for name in (*UNUSED_PLUGINS, "junitxml")}


def test_the_suites_run_without_the_plugins_they_do_not_use(tmp_path):
    probe = PluginProbe()

    def call(name, *args, **kwargs):
        return process.CallOutcome(error=process.StudentError("missing", f"{name} is not defined"))

    plugin = GradingPlugin(StudentCalls(call), LiveReference(), PROBESET)
    import grader.runner as runner

    original = runner.pytest.main
    runner.pytest.main = lambda args, plugins: original(args, plugins=[*plugins, probe])
    try:
        run_suite(plugin)
    finally:
        runner.pytest.main = original
    assert probe.active["junitxml"] is True  # record_property: partial credit
    assert not any(probe.active[name] for name in UNUSED_PLUGINS)
    assert plugin.outcomes and not any(o.internal_error for o in plugin.outcomes)


def test_a_one_shot_grading_starts_one_warm_child_per_phase():
    """The CLI grades once: its prestarted child serves phase 1, one more
    started while phase 1 runs serves phase 2, and no spare is left unused."""
    code = ("from pathlib import Path\n"
            "from grader.sandbox import Limits, process\n"
            "from grader.grading import GradingOptions, grade\n"
            "limits = Limits()\n"
            "process.prestart(limits, one_shot=True)\n"
            f"report = grade(Path({str(REFERENCE)!r}), GradingOptions(limits=limits))\n"
            "print(report.score, len(process.started_markers), len(process._spares))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    score, started, spares_left = done.stdout.split()
    assert float(score) == 100.0
    assert (int(started), int(spares_left)) == (2, 0)
