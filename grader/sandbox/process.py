"""StudentProcess: the student's file in a child process, called like local functions.

The parent never runs student code.  It starts ``child.py`` (via ``unshare``
when namespaces work, see isolation.py) with four pipes: requests, replies
(framed plain data, protocol.py), a status pipe on which the child's init
reports how the worker ended, and one pipe for the student's stdout+stderr.
One ``select`` loop per call writes the request, reads replies and output,
and enforces the wall-clock timeout, the output cap and the reply size.

After a timeout, crash, exit or flood, the child is killed (its whole process
group; with a PID namespace everything it spawned) and the next call starts a
fresh one, until ``total_timeout`` of child time is used up.  A failed load is
remembered: it costs its time once, later calls fail fast with the same error.
"""

from __future__ import annotations

import errno
import atexit
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import weakref
from pathlib import Path

import numpy as np

from . import cgroups, forkserver, isolation, protocol
from .cleanup import remove_tree
from .limits import Limits
from .outcome import CallOutcome, StudentError

_RUNNER_FILES = ("child.py", "confine.py", "protocol.py", "landlock.py", "seccomp.py", "train_loop.py", "zygote.py")
_KINDS = {"exception", "not-implemented", "timeout", "memory", "exit", "crash", "output", "garbage", "load", "missing"}
TRAIN_CALLS = 3  # the training run (about 270 calls of the student's functions) may take three calls' time
_LAYER_RE = re.compile(r"^[a-z][a-z0-9-]{0,31}$")


def _secs(x: float) -> str:
    return f"{x:g}"


class _Child:
    """One running child: its process and the parent's ends of the pipes."""

    def __init__(self, popen, scratch, req, rep, status, out, marker, plan, group):
        self.popen, self.scratch, self.marker, self.plan, self.group = popen, scratch, marker, plan, group
        self.req, self.rep, self.status, self.out = req, rep, status, out

    def kill(self):
        """SIGKILL the whole process group and wait until every holder of the output pipe
        is gone (with a PID namespace: everything the student started); then close the
        pipes and delete the scratch dir.  Stragglers outside the group (degraded mode,
        ``setsid``) are found by the marker in their environment."""
        if not self.plan.namespaces and self.popen.poll() is None:  # init kills its adopted orphans first
            try:
                os.kill(self.popen.pid, signal.SIGTERM)
                self.popen.wait(timeout=2)
            except (ProcessLookupError, PermissionError, subprocess.TimeoutExpired):
                pass
        leader = self.popen.pid  # None: a forked child that has ended (its pid may be reused)
        if leader is not None:
            try:
                os.killpg(leader, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        self.group.kill()  # every member, also those that left the process group
        if not _wait_eof(self.out, 2.0 if self.plan.namespaces else 0.2):
            _kill_marked(self.marker)
            _wait_eof(self.out, 2.0)
        for fd in (self.req, self.rep, self.status, self.out):
            try:
                os.close(fd)
            except OSError:
                pass
        _rmtree(self.scratch)


def _whole_sandbox_notes(layers) -> list:
    """Say honestly what bounds memory and processes when no cgroup could be used."""
    notes = []
    if "cgroup-memory" not in layers:
        notes.append("degraded: no memory cgroup here: memory is limited per process (RLIMIT_AS), "
                     "not for the sandbox as a whole (forks and memfd files add up)")
    if "cgroup-pids" not in layers:
        notes.append("degraded: no pids cgroup here: processes are limited by RLIMIT_NPROC per user "
                     "(not enforced for uid 0)" + ("" if "pidns" in layers else " and by nothing else"))
    return notes


def _wait_eof(fd, seconds) -> bool:
    """Read and discard until end of file; False if it did not come in time."""
    end = time.monotonic() + seconds
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return False
        try:
            r, _, _ = select.select([fd], [], [], left)
        except (OSError, ValueError):
            return True
        if r and _read(fd) == b"":
            return True


def _kill_marked(marker):
    """SIGKILL every process whose environment carries LSTM_SANDBOX=<marker> (a /proc scan)."""
    tag = f"LSTM_SANDBOX={marker}".encode()
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/environ", "rb") as fh:
                    if tag in fh.read().split(b"\0"):
                        os.kill(int(entry), signal.SIGKILL)
            except OSError:
                pass


def _rmtree(path):
    remove_tree(path)  # iterative, follows no symlink (cleanup.py)


class _Died(Exception):
    """The exchange ended without a usable reply; ``error`` says why for the student."""

    def __init__(self, error: StudentError, output: str = ""):
        self.error, self.output = error, output


class StudentProcess:
    """A submission loaded in a sandboxed child process.

    ``with StudentProcess(path, limits) as student: student.call("forward", ...)``.
    ``hide`` adds paths the child must not see (e.g. the hidden suites, the output
    dir); ``namespaces=False`` forces the degraded mode (for tests);
    ``prestart`` keeps one warm child per configuration ready for the next
    start (numpy already imported), see ``shutdown_spares``. ``spent``: seconds
    of ``total_timeout`` already used by an earlier process of the same grading;
    ``charge_first_start=False``: the first start (a start the grader chose, not
    one the student's code caused) is not charged to the budget.
    """

    def __init__(self, path, limits: Limits | None = None, *, hide=(), namespaces: bool | None = None,
                 prestart: bool = True, spent: float = 0.0, charge_first_start: bool = True):
        self.path = Path(path)
        self.limits = limits or Limits()
        self._source = self.path.read_bytes()  # later edits of the file do not matter
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", self.path.name)
        self._name = name if name.endswith(".py") and not name.startswith(".") else "submission.py"
        self._hide, self._namespaces = tuple(hide), namespaces
        self._prestart = prestart
        self.markers: list = []  # LSTM_SANDBOX=<marker> in each child's environment, to find its processes
        self.scratch_dirs: list = []  # each child's working dir (deleted when it ends)
        self._child: _Child | None = None
        self._load_error: StudentError | None = None
        self._started = False
        self._closed = False
        self._used = spent
        self._charge_start = charge_first_start
        self._out_kept = bytearray()
        self._out_dropped = 0
        self.isolation: list = []
        self.startup_seconds: float | None = None
        self._finalizer = weakref.finalize(self, StudentProcess._finalize, [None])

    # ------------------------------------------------------------------ public API

    def __enter__(self):
        self._ensure_started()
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def load_error(self) -> StudentError | None:
        self._ensure_started()
        return self._load_error

    @property
    def output(self) -> str:
        """Everything the student printed so far, trimmed to ``max_output_bytes``."""
        text = self._out_kept.decode("utf-8", "replace")
        if self._out_dropped:
            text += f"\n[... {self._out_dropped} more bytes of output not kept]"
        return text

    def call(self, name: str, *args, **kwargs) -> CallOutcome:
        """Call ``name(*args, **kwargs)`` in the child; never raises for student misbehaviour."""
        frame = protocol.encode({"op": "call", "name": name, "args": args, "kwargs": kwargs})
        reply, error, out = self._request(name, frame)
        if error is not None:
            return CallOutcome(error=error, output=out)
        if reply.get("op") != "result" or type(reply.get("ok")) is not bool:
            return CallOutcome(error=self._garbage(name, "a reply of the wrong shape"), output=out)
        if reply["ok"]:
            return CallOutcome(value=reply.get("value"), output=out)
        return CallOutcome(error=self._error_from(reply.get("error"), name), output=out)

    def train(self, request: dict) -> CallOutcome:
        """Run the training check's loop (train_loop.py) in the child: one round trip.
        The value is the child's record, as untrusted as any return value."""
        name = "the training run"
        frame = protocol.encode({**request, "op": "train", "name": name})
        reply, error, out = self._request(name, frame, TRAIN_CALLS * self.limits.call_timeout)
        if error is not None:
            return CallOutcome(error=error, output=out)
        if reply.get("op") != "result" or reply.get("ok") is not True:
            return CallOutcome(error=self._garbage(name, "a reply of the wrong shape"), output=out)
        return CallOutcome(value=reply.get("value"), output=out)

    def signature(self, name: str):
        """Parameter names of the student's function ``name``, or None."""
        reply, error, _ = self._request(name, protocol.encode({"op": "signature", "name": name}))
        if error is not None or reply.get("op") != "signature":
            return None
        value = reply.get("value")
        if type(value) is list and all(type(v) is str and len(v) < 200 for v in value):
            return value
        return None

    def close(self):
        """Kill the child and everything it started; delete its scratch dir."""
        self._closed = True
        if self._child is not None:
            self._child.kill()
            self._child = None
        self._finalizer.detach()

    @property
    def used_seconds(self) -> float:
        """Seconds of ``total_timeout`` used so far (``spent`` included)."""
        return self._used

    @property
    def pid(self):
        """Host pid of the child's outermost process (None when not running)."""
        return self._child.popen.pid if self._child else None

    # ------------------------------------------------------------------ lifecycle

    @staticmethod
    def _finalize(holder):
        if holder[0] is not None:
            holder[0].kill()

    def _remaining(self) -> float:
        return self.limits.total_timeout - self._used

    def _budget_error(self, name=None) -> StudentError:
        what = f"{name} was not run: " if name else ""
        return StudentError("timeout", f"{what}the total time budget of {_secs(self.limits.total_timeout)} s "
                                       "for your code is used up")

    def _ensure_started(self):
        if self._closed:
            raise RuntimeError("StudentProcess is closed")
        if not self._started:
            self._started = True
            self._start()

    def _start(self):
        """Give the file to a warm child and wait until it is loaded; sets ``_load_error`` on failure."""
        if self._remaining() <= 0:
            self._load_error = self._budget_error()
            return
        t0 = time.monotonic()
        key = (self.limits, self._hide, self._namespaces, os.getcwd())
        for attempt in (0, 1):
            child = _take_spare(key) if attempt == 0 else None
            self._child = child or _spawn(key)
            self.markers.append(self._child.marker)
            self.scratch_dirs.append(self._child.scratch)
            self._finalizer.detach()
            self._finalizer = weakref.finalize(self, StudentProcess._finalize, [self._child])
            deadline = t0 + min(self.limits.call_timeout, max(self._remaining(), 0.0))
            loading = "your file did not finish loading"
            try:
                ready, _, _ = self._exchange(None, deadline, loading)
            except _Died as died:
                self._kill_child()
                if child is not None:
                    continue  # a stale spare: try once with a fresh child
                self._load_error = died.error
                break
            if ready.get("op") != "ready" or type(ready.get("layers")) is not list:
                self._load_error = self._garbage(None, "no start-up message")
                self._kill_child()
                break
            layers = [s for s in ready["layers"] if type(s) is str and _LAYER_RE.match(s)]
            self.isolation = layers + self._child.plan.warnings + _whole_sandbox_notes(layers)
            load = {"op": "load", "name": self._name, "source": np.frombuffer(self._source, dtype=np.uint8)}
            try:
                loaded, _, _ = self._exchange(protocol.encode(load), deadline, loading)
                if loaded.get("op") != "loaded":
                    raise _Died(self._garbage(None, "no load message"))
                if loaded.get("error") is not None:
                    self._load_error = self._error_from(loaded["error"], None)
                    self._kill_child()
            except _Died as died:
                self._load_error = died.error
                self._kill_child()
            break
        if self._charge_start:
            self._used += time.monotonic() - t0
        self._charge_start = True  # a restart after a crash is the student's
        self.startup_seconds = time.monotonic() - t0
        if self._prestart and _keep_warm[0]:
            _put_spare(key)
        _keep_warm[0] = True  # warm up the next child (numpy already imported) for the next start

    def _kill_child(self):
        if self._child is not None:
            self._child.kill()
            self._child = None

    # ------------------------------------------------------------------ one exchange

    def _request(self, name, frame, timeout=None):
        """Send one request (``timeout``: its wall-clock allowance, one call's by
        default); (reply, None, output) or (None, StudentError, output)."""
        self._ensure_started()
        if self._load_error is not None:
            return None, self._load_error, ""
        if self._child is None:  # the previous child died: start a fresh one
            self._start()
            if self._load_error is not None:
                return None, self._load_error, ""
        if self._remaining() <= 0:
            self._kill_child()
            return None, self._budget_error(name), ""
        t0 = time.monotonic()
        timeout = self.limits.call_timeout if timeout is None else timeout
        budget_bound = self._remaining() < timeout
        deadline = t0 + min(timeout, self._remaining())
        what = (f"{name} was stopped: the total time budget of {_secs(self.limits.total_timeout)} s for your "
                "code is used up") if budget_bound else f"{name} did not return within {_secs(timeout)} s"
        try:
            reply, _, out = self._exchange(frame, deadline, what, name=name)
            return reply, None, out
        except _Died as died:
            self._kill_child()
            return None, died.error, died.output
        finally:
            self._used += time.monotonic() - t0

    def _exchange(self, frame, deadline, timeout_message, name=None):
        """Write ``frame`` (if any), then read one reply frame; raise _Died on any failure."""
        child = self._child
        pending = memoryview(frame) if frame else memoryview(b"")
        buf = bytearray()
        need = protocol.PREFIX.size
        out = bytearray()
        max_bytes = self.limits.max_result_mb * 1024 * 1024 + protocol.MAX_HEADER
        cap = self.limits.max_output_bytes
        label = name or "your file"

        def fail(error):
            raise _Died(error, self._trim(out))

        while True:
            now = time.monotonic()
            if now >= deadline:
                self._kill_child()
                fail(StudentError("timeout", timeout_message))
            rlist = [child.rep, child.out]
            wlist = [child.req] if pending else []
            try:
                readable, writable, _ = select.select(rlist, wlist, [], deadline - now)
            except InterruptedError:
                continue
            if child.out in readable:
                chunk = _read(child.out)
                if chunk:
                    out += chunk
                    self._keep_output(chunk)
                    if len(out) > cap:
                        self._kill_child()
                        fail(StudentError("output", f"{label} printed more than {cap} bytes of output; "
                                                    "remove the prints from loops"))
            if writable:
                try:
                    n = os.write(child.req, pending[:1 << 16])
                    pending = pending[n:]
                except BlockingIOError:
                    pass
                except BrokenPipeError:
                    pending = memoryview(b"")  # the child died; its end comes through rep
            if child.rep in readable:
                chunk = _read(child.rep, 1 << 20)
                if chunk is None:
                    continue
                if not chunk:  # the worker is gone
                    out += self._drain_output()
                    fail(self._death_error(label))
                buf += chunk
                try:
                    if len(buf) >= protocol.PREFIX.size and need == protocol.PREFIX.size:
                        need = protocol.frame_size(bytes(buf[:protocol.PREFIX.size]), max_bytes)
                    if len(buf) >= need > protocol.PREFIX.size:
                        if len(buf) > need:
                            raise protocol.ProtocolError("bytes after the frame")
                        msg = protocol.decode(bytes(buf), max_items=self.limits.max_items)
                        if type(msg) is not dict:
                            raise protocol.ProtocolError("message is not a dict")
                        out += self._drain_output()
                        return msg, None, self._trim(out)
                except (protocol.ProtocolError, ValueError, TypeError, OverflowError, MemoryError) as exc:
                    self._kill_child()
                    fail(self._garbage(name, str(exc)[:200]))

    def _drain_output(self) -> bytes:
        got = bytearray()
        while self._child is not None:
            chunk = _read(self._child.out)
            if not chunk:
                break
            got += chunk
            self._keep_output(chunk)
            if len(got) > self.limits.max_output_bytes:
                break
        return bytes(got)

    def _death_error(self, label) -> StudentError:
        """Why the worker ended without answering (status pipe from the child's init)."""
        child = self._child
        note = b""
        end = time.monotonic() + 2.0
        while time.monotonic() < end:
            r, _, _ = select.select([child.status], [], [], max(end - time.monotonic(), 0))
            if not r:
                break
            chunk = _read(child.status, 64)
            if not chunk:
                break
            note += chunk
        self._kill_child()
        m = re.fullmatch(rb"(exit|signal) (-?\d{1,4})", note)
        if not m:
            return StudentError("crash", f"the process running {label} died unexpectedly")
        code = int(m.group(2))
        if m.group(1) == b"exit":
            return StudentError("exit", f"your code ended the process (os._exit({code}) or similar) "
                                        f"while running {label}")
        if code == signal.SIGXCPU:
            return StudentError("timeout", f"{label} used more than its {_secs(self.limits.call_timeout)} s "
                                           "of CPU time")
        if code == signal.SIGKILL:
            return StudentError("crash", f"the process running {label} was killed (SIGKILL), "
                                         "probably for using too much memory or CPU time")
        try:
            signame = signal.Signals(code).name
        except ValueError:
            signame = f"signal {code}"
        return StudentError("crash", f"your code crashed the process ({signame}) while running {label}")

    # ------------------------------------------------------------------ helpers

    def _garbage(self, name, reason) -> StudentError:
        who = name or "your file"
        return StudentError("garbage", f"{who} sent back data the grader cannot read ({reason})")

    def _error_from(self, raw, name) -> StudentError:
        if (type(raw) is not dict or raw.get("kind") not in _KINDS
                or type(raw.get("message")) is not str or type(raw.get("traceback", "")) is not str):
            return self._garbage(name, "a malformed error report")
        return StudentError(raw["kind"], raw["message"][:4000], raw.get("traceback", "")[-8000:])

    def _keep_output(self, chunk: bytes):
        room = self.limits.max_output_bytes - len(self._out_kept)
        if room > 0:
            self._out_kept += chunk[:room]
        self._out_dropped += max(len(chunk) - max(room, 0), 0)

    def _trim(self, out: bytes) -> str:
        cap = self.limits.max_output_bytes
        text = bytes(out[:cap]).decode("utf-8", "replace")
        if len(out) > cap:
            text += f"\n[... output trimmed at {cap} bytes]"
        return text



# ---------------------------------------------------------------------- starting children


_plans: dict = {}
_spares: dict = {}
started_markers: list = []  # LSTM_SANDBOX marker of every child this interpreter started
_spares_lock = threading.Lock()


def _spawn(key) -> _Child:
    """Start a child up to 'ready' (namespaces, privileges, limits, numpy); it then waits for a file."""
    limits, hide, namespaces, _cwd = key
    with _spares_lock:
        if key not in _plans:
            _plans[key] = isolation.plan(hide, namespaces, limits.allow_unconfined)
        plan = _plans[key]
    scratch = tempfile.mkdtemp(prefix="lstm-sandbox-")
    os.chmod(scratch, 0o755)
    forked = forkserver.available(plan)
    req_r, req_w = os.pipe()
    rep_r, rep_w = os.pipe()
    st_r, st_w = os.pipe()
    out_r, out_w = os.pipe()
    marker = uuid.uuid4().hex
    started_markers.append(marker)
    group = cgroups.Group(f"{cgroups.PREFIX}{marker}", limits.memory_mb, limits.max_processes)
    cfg = {
        "fds": {"req": req_r, "rep": rep_w, "status": st_w}, "cgroups": group.procs_files(),
        "namespaces": plan.namespaces, "userns": "--user" in plan.prefix, "drop_uid": plan.drop_uid,
        "scratch": scratch,
        "hide": plan.hide, "hide_import": plan.hide_import, "keep": plan.keep, "landlock_read": plan.landlock_read,
        "landlock_list": plan.landlock_list,
        "confinement": plan.confinement, "read_cap": plan.read_cap,
        "limits": {"call_timeout": limits.call_timeout, "total_timeout": limits.total_timeout,
                   "memory_mb": limits.memory_mb, "max_file_mb": limits.max_file_mb,
                   "max_processes": limits.max_processes, "max_result_mb": limits.max_result_mb,
                   "max_items": limits.max_items, "max_scratch_mb": limits.max_scratch_mb},
    }
    home = scratch
    env = {"PATH": "/usr/bin:/bin", "HOME": home, "TMPDIR": home, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
           "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONIOENCODING": "utf-8",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "NUMEXPR_NUM_THREADS": "1", "MPLBACKEND": "Agg", "MPLCONFIGDIR": home, "LSTM_SANDBOX": marker}
    try:
        if forked:
            popen = _fork(cfg, env, (req_r, rep_w, st_w, out_w))
        else:
            runner = os.path.join(scratch, ".runner")  # the grader's tree is hidden from the child
            os.mkdir(runner)
            argv = plan.prefix + [sys.executable] + _FLAGS + [os.path.join(_with_runner_files(runner), "child.py"),
                                                                json.dumps(cfg)]
            popen = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out_w, stderr=out_w, env=env,
                                     cwd=scratch, pass_fds=(req_r, rep_w, st_w), start_new_session=True)
            group.adopt(popen.pid)  # overlaps the slow cgroup move with the child's start-up
    except OSError:
        for fd in (req_r, req_w, rep_r, rep_w, st_r, st_w, out_r, out_w):
            os.close(fd)
        group.kill()
        _rmtree(scratch)
        raise
    for fd in (req_r, rep_w, st_w, out_w):
        os.close(fd)
    for fd in (req_w, rep_r, st_r, out_r):
        os.set_blocking(fd, False)
    return _Child(popen, scratch, req_w, rep_r, st_r, out_r, marker, plan, group)


_HERE = os.path.dirname(os.path.abspath(__file__))
_FLAGS = ["-s", "-B"] + (["-P"] if sys.version_info >= (3, 11) else [])


def _with_runner_files(folder: str) -> str:
    """``folder`` (it exists) with a copy of the runner files, which an exec'd child or
    the zygote runs: the grader's own tree is hidden from them."""
    for fname in _RUNNER_FILES:
        shutil.copyfile(os.path.join(_HERE, fname), os.path.join(folder, fname))
    os.chmod(folder, 0o755)
    return folder


def _fork(cfg, env, fds):
    """The child, forked from this process's zygote (NumPy already imported: a few ms
    instead of an interpreter's start); a zygote that broke is replaced once."""
    def runner_folder():
        return _with_runner_files(tempfile.mkdtemp(prefix="lstm-zygote-"))

    for attempt in (0, 1):
        try:
            return forkserver.zygote(env, _FLAGS, runner_folder).fork({"cfg": cfg, "env": env}, fds)
        except OSError:
            if attempt:
                raise


def _take_spare(key):
    with _spares_lock:
        child = _spares.pop(key, None)
    if child is not None and child.popen.poll() is not None:
        child.kill()
        return None
    return child


def _put_spare(key):
    with _spares_lock:
        if key in _spares:
            return
    child = _spawn(key)
    with _spares_lock:
        old, _spares[key] = _spares.get(key), child
    if old is not None:
        old.kill()


_keep_warm = [True]  # start a spare after the next start (prestart(one_shot=True) skips one)
_one_shot = [False]  # prestart(one_shot=True) was called: the CLI grading one file


def prestart(limits: Limits | None = None, hide=(), namespaces: bool | None = None, *,
             one_shot: bool = False) -> None:
    """Start now the warm child the next StudentProcess of this configuration will take:
    a fresh grader process calls this before its slow imports (pytest), which then
    overlap the child's start-up (interpreter, NumPy) on another core. ``one_shot``:
    this process grades once, so the start that takes this child starts no further
    spare (a child's start-up saved); later starts (after a crash) do again."""
    if one_shot:
        _one_shot[0] = True
        _keep_warm[0] = False
    _put_spare((limits or Limits(), tuple(hide), namespaces, os.getcwd()))


def grades_once() -> bool:
    """Whether this process said it grades once (``prestart(one_shot=True)``):
    then a caller that needs one more child asks for it with one_shot too."""
    return _one_shot[0]


def shutdown_spares():
    """Kill the pre-started children (also run at interpreter exit)."""
    with _spares_lock:
        spares = list(_spares.values())
        _spares.clear()
    for child in spares:
        child.kill()


atexit.register(forkserver.shutdown)  # runs after shutdown_spares (atexit: last in, first out)
atexit.register(shutdown_spares)


def _read(fd, n=1 << 16):
    """Non-blocking read: bytes, b'' at end of file, None if nothing is there."""
    try:
        return os.read(fd, n)
    except BlockingIOError:
        return None
    except OSError as exc:
        if exc.errno in (errno.EBADF, errno.EIO):
            return b""
        raise
