"""One cgroup per sandbox: memory and process count for the child and everything it starts.

Per-process limits (RLIMIT_AS, RLIMIT_NPROC) do not add up: several forks of
600 MB each, or memfd/tmpfs files written but never mapped, hold gigabytes
past a per-process limit.  A cgroup bounds the sum.  Detected once, used where
writable, reported in ``isolation`` as ``cgroup-memory`` / ``cgroup-pids``:

* cgroup v2 (one hierarchy): a child of our own cgroup, if its
  ``cgroup.subtree_control`` already enables ``memory``/``pids`` (delegation,
  e.g. a systemd user slice);
* cgroup v1: ``/sys/fs/cgroup/<controller>/<our path>/lstm-...`` per
  controller (here: root may create children of its own memory cgroup and in
  ``pids``).

The parent creates the group and writes the limits; the child's init joins it
(writes ``0`` to ``cgroup.procs``) before it forks the worker, so everything
the student starts is inside.  ``kill`` SIGKILLs every member (also those that
left the process group with ``setsid``) and removes the group.
"""

from __future__ import annotations

import os
import signal
import threading
import time

ROOT = "/sys/fs/cgroup"
_lock = threading.Lock()
_found: dict = {}


def _own_paths() -> dict:
    """{controller or '' (v2): our cgroup path} from /proc/self/cgroup."""
    out = {}
    try:
        with open("/proc/self/cgroup") as fh:
            for line in fh:
                _id, ctrls, path = line.rstrip("\n").split(":", 2)
                for ctrl in ctrls.split(",") if ctrls else [""]:
                    out[ctrl] = path
    except (OSError, ValueError):
        pass
    return out


def _try_dir(base) -> bool:
    """May we create groups under ``base``?  (A mkdir/rmdir probe would cost a memory cgroup's
    set-up and tear-down; ``Group`` falls back quietly if creating one fails after all.)"""
    return os.access(base, os.W_OK | os.X_OK)


PREFIX = "lstm-sandbox-"
STALE_SECONDS = 120.0


def available() -> dict:
    """{'memory': parent dir, 'pids': parent dir, 'v2': bool} of what we may create here (probed once;
    also removes stale groups left by graders that were killed before they could clean up)."""
    with _lock:
        if "result" not in _found:
            _found["result"] = _probe()
            for ctrl in ("memory", "pids"):
                if ctrl in _found["result"]:
                    sweep(_found["result"][ctrl])
        return _found["result"]


def sweep(base, prefix=PREFIX, min_age=STALE_SECONDS) -> int:
    """Remove empty groups named ``prefix...`` older than ``min_age`` seconds under ``base``.

    A group in use is never empty (its child, or a waiting spare, is inside from
    the start), and a younger one may be another grader's that is being set up;
    rmdir refuses a group that still holds a process anyway.  Returns how many went.
    """
    removed = 0
    now = time.time()
    try:
        names = [n for n in os.listdir(base) if n.startswith(prefix)]
    except OSError:
        return 0
    for name in names:
        path = os.path.join(base, name)
        try:
            if now - os.stat(path).st_mtime >= min_age:
                os.rmdir(path)
                removed += 1
        except OSError:
            pass
    return removed


def _probe() -> dict:
    own = _own_paths()
    found = {}
    if os.path.exists(os.path.join(ROOT, "cgroup.controllers")) and "" in own:  # pure v2
        base = ROOT + own[""].rstrip("/")
        try:
            with open(os.path.join(base, "cgroup.subtree_control")) as fh:
                enabled = fh.read().split()
        except OSError:
            enabled = []
        if enabled and _try_dir(base):
            for ctrl in ("memory", "pids"):
                if ctrl in enabled:
                    found[ctrl] = base
            if found:
                found["v2"] = True
        return found
    for ctrl in ("memory", "pids"):
        if ctrl not in own:
            continue
        base = os.path.join(ROOT, ctrl) + own[ctrl].rstrip("/")
        if os.path.isfile(os.path.join(base, "cgroup.procs")) and _try_dir(base):
            found[ctrl] = base
    return found


class Group:
    """The cgroup(s) of one child: created with limits, joined by the child, killed and removed."""

    def __init__(self, name: str, memory_mb: int, max_processes: int):
        self.dirs: dict = {}  # controller -> directory
        found = available()
        v2 = found.get("v2", False)
        for ctrl in ("memory", "pids"):
            base = found.get(ctrl)
            if base is None:
                continue
            path = os.path.join(base, name)
            try:
                if not os.path.isdir(path):
                    os.mkdir(path)
                if ctrl == "memory":
                    limit = str(memory_mb * 1024 * 1024)
                    if v2:
                        _write(path, "memory.max", limit)
                        _write(path, "memory.swap.max", "0", optional=True)
                    else:
                        _write(path, "memory.limit_in_bytes", limit)
                        _write(path, "memory.memsw.limit_in_bytes", limit, optional=True)
                else:
                    _write(path, "pids.max", str(max_processes))
                self.dirs[ctrl] = path
            except OSError:
                _rmdir(path)
        if v2 and len(self.dirs) == 2:  # one directory holds both controllers
            self.dirs["pids"] = self.dirs["memory"]

    def procs_files(self) -> dict:
        """{controller: ``cgroup.procs`` file} the child's init writes ``0`` into (confine.join_cgroups)."""
        return {ctrl: os.path.join(d, "cgroup.procs") for ctrl, d in self.dirs.items()}

    def adopt(self, pid) -> None:
        """Move ``pid`` (the just-started child) in from the parent, while it is still starting
        Python: a cgroup v1 move waits for an RCU grace period (~10-20 ms per controller), and
        here that wait overlaps the child's start-up.  The child checks and joins itself if
        this came too late (``unshare --fork`` already forked)."""
        for path in self.procs_files().values():
            try:
                with open(path, "w") as fh:
                    fh.write(str(pid))
            except OSError:
                pass

    def members(self) -> list:
        pids = set()
        for path in set(self.procs_files().values()):
            try:
                with open(path) as fh:
                    pids.update(int(x) for x in fh.read().split())
            except (OSError, ValueError):
                pass
        return sorted(pids)

    def kill(self) -> None:
        """SIGKILL every member until none is left, then remove the directories.
        Members killed a moment ago are usually gone within a millisecond: the
        waits grow from 0.5 ms to 5 ms (a grading closes two sandboxes)."""
        for attempt in range(210):
            members = self.members()
            if not members:
                break
            for pid in members:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(min(0.0005 * 2 ** attempt, 0.005))
        for path in set(self.dirs.values()):
            for _ in range(100):
                if _rmdir(path):
                    break
                time.sleep(0.01)


def _write(path, name, value, optional=False):
    try:
        with open(os.path.join(path, name), "w") as fh:
            fh.write(value)
    except OSError:
        if not optional:
            raise


def _rmdir(path) -> bool:
    try:
        os.rmdir(path)
        return True
    except FileNotFoundError:
        return True
    except OSError:
        return False
