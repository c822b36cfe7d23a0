"""User-namespace mode: the worker is uid 0 inside, an ordinary user outside; it
still gets RLIMIT_NPROC (the kernel enforces it: no capabilities in the initial
namespace) and the pids cgroup where one is writable (issue 9, item 4)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SANDBOX = Path(__file__).resolve().parents[1] / "grader" / "sandbox"
LIMITS = {"memory_mb": 1024, "call_timeout": 5, "total_timeout": 30, "max_file_mb": 16, "max_processes": 23}


def nproc_after_set_rlimits(cfg) -> int:
    """Run confine.set_rlimits in a fresh interpreter (it limits the calling process)."""
    code = ("import json, resource, sys; sys.path.insert(0, sys.argv[1]); import confine; "
            "confine.set_rlimits(json.loads(sys.argv[2])); print(resource.getrlimit(resource.RLIMIT_NPROC)[0])")
    done = subprocess.run([sys.executable, "-c", code, str(SANDBOX), json.dumps(cfg)],
                          capture_output=True, text=True, check=True)
    return int(done.stdout)


@pytest.mark.skipif(sys.platform != "linux", reason="Linux rlimits")
def test_user_namespace_worker_gets_a_process_limit_although_uid_0_inside():
    assert nproc_after_set_rlimits({"limits": LIMITS, "userns": True}) == 23


@pytest.mark.skipif(sys.platform != "linux", reason="Linux rlimits")
def test_uid_0_outside_a_user_namespace_keeps_the_honest_default():
    import os

    got = nproc_after_set_rlimits({"limits": LIMITS, "userns": False})
    assert (got == 23) == (os.geteuid() != 0)  # real root: not enforced by the kernel, the pids cgroup bounds it
