"""Which isolation the child gets here, and the command line that starts it.

What each platform gets (``StudentProcess.isolation`` lists the layers that
are really active; a ``"degraded: ..."`` entry plus a RuntimeWarning flags
anything missing):

* **Linux, grader runs as root** (this machine): ``unshare --net --mount --pid
  --ipc``: no network, a private mount namespace (every top-level folder but
  the system ones covered by an empty tmpfs; only the Python install, the venv
  and the scratch dir re-bound; everything read-only but the scratch dir, a
  size-capped tmpfs), PID and IPC namespaces, the worker as ``nobody``
  without capabilities and with ``no_new_privs``, a memory+pids cgroup per
  sandbox (cgroups.py), rlimits, import scrub and audit hook.
* **Linux, non-root, unprivileged user namespaces allowed**: the same through
  ``unshare --user --map-root-user``; the worker is uid 0 inside, drops every
  capability and still gets RLIMIT_NPROC (enforced: outside it is an
  ordinary user).  Not exercised end to end by the test-suite here.
* **Linux without namespaces** (a container; ``namespaces=False``): Landlock,
  our seccomp filter, ``nobody`` (keeping only CAP_DAC_READ_SEARCH, behind
  Landlock, when ``nobody`` cannot read the Python install; uid 0 without
  capabilities if there is no Landlock either), subreaper init and process
  group, the cgroup where writable, rlimits, import scrub, audit hook.  If
  none of Landlock, seccomp or a uid drop is available, ``plan`` raises
  SandboxUnavailable unless ``allow_unconfined``.
* **macOS**: nothing confines (no namespaces, Landlock, seccomp): refused
  unless ``allow_unconfined``; then rlimits (``RLIMIT_AS`` is not enforced,
  so memory is not limited), process group, import scrub and audit hook.
* **Windows**: refused (RuntimeError): the transport passes pipe fds by
  number and the limits need the ``resource`` module.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import threading
import warnings
from dataclasses import dataclass, field

from . import landlock, seccomp

_SYSTEM = ("/", "/usr", "/lib", "/lib32", "/lib64", "/bin", "/sbin", "/etc", "/dev", "/proc",
           "/sys", "/tmp", "/var", "/boot")
_ALWAYS_HIDE = ("/home", "/root", "/run", "/srv", "/mnt", "/media", "/opt")
# What a Python process needs at the top of the file system; in the mount
# namespace every other top-level folder (/work, /data, /var, /tmp, ...) is
# covered, so no other copy of the course (a checkout, a backup) is in sight.
_VISIBLE_ROOTS = ("/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin", "/etc", "/dev", "/proc", "/sys")
_NS_FLAGS = ["--net", "--mount", "--pid", "--ipc", "--fork", "--kill-child", "--mount-proc", "--propagation", "private"]

_mode_lock = threading.Lock()
_mode_cache: dict = {}


@dataclass
class Plan:
    """How to start one child: command prefix, what to hide, expected layers."""

    prefix: list
    namespaces: bool
    drop_uid: bool
    hide: list
    hide_import: list
    keep: list
    warnings: list = field(default_factory=list)
    landlock_read: list = field(default_factory=list)  # degraded mode: what the worker may read
    landlock_list: list = field(default_factory=list)  # ... and only list (folders holding something hidden)
    confinement: list = field(default_factory=list)  # degraded mode: the layers this platform offers
    read_cap: bool = False  # degraded mode: 'nobody' keeps CAP_DAC_READ_SEARCH (Landlock limits reading)


def namespace_prefix():
    """The ``unshare`` command prefix that works here (probed once), or (None, reason)."""
    with _mode_lock:
        if "result" not in _mode_cache:
            _mode_cache["result"] = _probe()
        return _mode_cache["result"]


def _probe():
    if not sys.platform.startswith("linux"):
        return None, f"no namespaces on {sys.platform}"
    unshare = shutil.which("unshare", path="/usr/bin:/bin:/usr/sbin:/sbin")
    if unshare is None:
        return None, "util-linux 'unshare' not found"
    candidates = [[unshare] + _NS_FLAGS] if os.geteuid() == 0 else []
    candidates.append([unshare, "--user", "--map-root-user"] + _NS_FLAGS)
    for prefix in candidates:
        try:
            done = subprocess.run(prefix + ["/bin/true"], stdin=subprocess.DEVNULL, capture_output=True, timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if done.returncode == 0:
            return prefix, ""
    return None, "unshare is not permitted here (user namespaces blocked?)"


def _is_under(path, root):
    return path == root or path.startswith(root.rstrip("/") + "/")


def keep_paths() -> list:
    """What the child must still see: the Python installation, the venv, site-packages."""
    keep = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
            os.path.dirname(os.path.realpath(sys.executable))}
    keep.update(site.getsitepackages() if hasattr(site, "getsitepackages") else [])
    keep.update(v for k, v in sysconfig.get_paths().items() if k in ("stdlib", "platstdlib", "purelib", "platlib"))
    out = set()
    for path in keep:
        if path and os.path.isdir(path):
            out.add(path)
            out.add(os.path.realpath(path))
    return sorted(out)


def secret_paths(extra=()) -> tuple:
    """(paths to cover in the mount namespace, paths the import scrub and audit hook refuse)."""
    strict = set()
    for name in ("grader", "grader.solutions"):
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is not None and spec.origin:
            strict.add(os.path.dirname(os.path.realpath(spec.origin)))
    hide = set(strict)
    for pkg in list(strict):
        project = os.path.dirname(pkg)
        if os.path.exists(os.path.join(project, "pyproject.toml")):
            hide.add(project)  # source tree: tests, .git (the solution's history), build/, ...
    hide.update(p for p in _ALWAYS_HIDE if os.path.exists(p))
    hide.add(os.getcwd())
    hide.update(os.path.realpath(str(p)) for p in extra)
    system = {os.path.realpath(s) for s in _SYSTEM}
    hide = sorted(p for p in hide if not any(_is_under(s, p) for s in system))
    # the hook sees every file open, including the stdlib: refuse only what leads to no kept path
    keep = keep_paths()
    audit = set(strict) | {os.path.realpath(str(p)) for p in extra}
    for path in hide:
        audit.update(_expand(path, keep))
    return hide, sorted(audit)


def unlisted_roots() -> list:
    """Top-level folders outside ``_VISIBLE_ROOTS``: covered in the mount namespace."""
    try:
        names = os.listdir("/")
    except OSError:
        return []
    return sorted(path for path in (os.path.join("/", name) for name in names)
                  if path not in _VISIBLE_ROOTS and os.path.isdir(path) and not os.path.islink(path))


def _expand(path, keep, depth=0):
    """``path`` itself if no kept path is below it, else its children that lead to none."""
    if not any(_is_under(k, path) and k != path for k in keep):
        return [] if any(_is_under(path, k) for k in keep) else [path]
    if depth > 8 or not os.path.isdir(path):
        return []
    out = []
    try:
        names = os.listdir(path)
    except OSError:
        return []
    for name in names:
        out += _expand(os.path.join(path, name), keep, depth + 1)
    return out


class SandboxUnavailable(RuntimeError):
    """No confinement layer at all is available here and the instructor did not allow grading unconfined."""


def degraded_confinement() -> list:
    """What still confines a child without namespaces on this platform (probed in the parent)."""
    offered = []
    if landlock.abi() > 0:
        offered.append("landlock")
    if seccomp.table() is not None:
        offered.append("seccomp")
    if sys.platform.startswith("linux") and os.geteuid() == 0:
        # 'nobody' needs to read the Python install: as is, or with CAP_DAC_READ_SEARCH behind Landlock
        # (reading) and seccomp (which refuses open_by_handle_at, the other use of that capability)
        behind_walls = "landlock" in offered and "seccomp" in offered
        offered.append("nobody" if others_can_run_python() or behind_walls else "no-caps")
    return offered


def others_can_run_python() -> bool:
    """Can an unprivileged uid ('nobody') read the Python install and the venv?  Not when they
    live under a private home (e.g. pyenv under /root): then the worker stays uid 0 without
    capabilities instead, and Landlock is the file wall."""
    import stat

    for path in keep_paths():
        real = os.path.realpath(path)
        for part in _ancestors_and_self(real):
            try:
                mode = os.stat(part).st_mode
            except OSError:
                return False
            if not mode & stat.S_IXOTH or (part == real and not mode & stat.S_IROTH):
                return False
    return True


def _ancestors_and_self(path):
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def landlock_readable(hidden) -> tuple:
    """(readable, listable) for the worker without namespaces: the system folders and the Python
    install are readable, split around anything hidden inside them (e.g. a grader package
    installed into site-packages); the folders so split stay listable (names only), so imports
    from them still work while the hidden files cannot be read."""
    roots = {os.path.realpath(p) for p in _VISIBLE_ROOTS if p not in ("/dev", "/proc", "/sys")} | set(keep_paths())
    hidden = {os.path.realpath(h) for h in hidden}
    read, listed = set(), set()
    for root in roots:
        if os.path.exists(root):
            _split_around(root, hidden, read, listed)
    return sorted(read), sorted(listed)


def _split_around(path, hidden, read, listed, depth=0):
    """Add ``path`` to ``read`` if nothing hidden is below it, else list it and split its entries."""
    if not any(_is_under(h, path) for h in hidden):
        read.add(path)
        return
    if depth > 8 or path in hidden or not os.path.isdir(path) or os.path.islink(path):
        return
    try:
        names = os.listdir(path)
    except OSError:
        return
    listed.add(path)
    for name in names:
        child = os.path.join(path, name)
        if child not in hidden:
            _split_around(child, hidden, read, listed, depth + 1)


def plan(extra_hide=(), namespaces=None, allow_unconfined=False) -> Plan:
    """Decide the isolation for a new child; ``namespaces=False`` forces the degraded mode.

    Without namespaces the child is confined by Landlock, seccomp and the drop to
    'nobody' where this platform offers them; when it offers none, raise
    SandboxUnavailable unless ``allow_unconfined``.
    """
    if sys.platform == "win32":
        raise RuntimeError("the student sandbox needs a POSIX system (Linux for full isolation)")
    hide, audit = secret_paths(extra_hide)
    notes = []
    prefix, reason = (None, "namespaces switched off") if namespaces is False else namespace_prefix()
    offered = [] if prefix is not None else degraded_confinement()
    if prefix is None:
        if not offered and not allow_unconfined:
            raise SandboxUnavailable(
                f"the student sandbox cannot confine student code here ({reason}; no Landlock, no seccomp, "
                "not root): refusing to grade. Pass --allow-unconfined to grade anyway, with only "
                "rlimits and the (bypassable) audit hook between student code and this machine")
        missing = "; the network is reachable and files are protected only by permissions and the audit hook" \
            if "landlock" not in offered else "; no total size cap on the scratch dir"
        notes.append(f"degraded: no network/mount/pid/ipc namespaces ({reason}); confined by "
                     f"{', '.join(offered) or 'nothing but rlimits and the audit hook'} instead{missing}")
    if sys.platform == "darwin":
        notes.append("degraded: macOS does not enforce RLIMIT_AS, memory is not limited")
    for note in notes:
        warnings.warn(f"student sandbox {note}", RuntimeWarning, stacklevel=3)
    if prefix is not None:
        hide = sorted(set(hide) | set(unlisted_roots()))
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    readable, listable = landlock_readable(set(hide) | set(audit)) if "landlock" in offered else ([], [])
    return Plan(prefix=list(prefix or []), namespaces=prefix is not None,
                drop_uid=root and ("--user" not in prefix if prefix is not None else "nobody" in offered),
                hide=hide, hide_import=audit, keep=keep_paths(), warnings=notes,
                landlock_read=readable, landlock_list=listable,
                read_cap=prefix is None and root and "nobody" in offered and not others_can_run_python(),
                confinement=offered)
