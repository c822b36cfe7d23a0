"""Confinement steps that run INSIDE the child, before the student's file is imported.

Standalone on purpose (stdlib only): it is copied into the child's scratch dir
and must not import ``grader``.  Each step returns the names of the layers it
managed to put in place, so the parent can report what is really active.

Order (see child.py): ``build_filesystem`` (root in the new mount namespace,
before forking the worker), then in the worker ``drop_privileges``,
``set_rlimits``, ``scrub_imports``, ``install_audit_hook``.
"""

from __future__ import annotations

import os
import sys

# mount(2) flags
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC = 32, 1024, 2048, 4096, 16384
MS_RELATIME, MS_STRICTATIME = 1 << 21, 1 << 24
_KEEP_FLAGS = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC, "noatime": MS_NOATIME,
               "nodiratime": MS_NODIRATIME, "relatime": MS_RELATIME, "strictatime": MS_STRICTATIME}
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS, PR_CAPBSET_DROP, PR_SET_KEEPCAPS = 1, 38, 24, 8
CAP_DAC_READ_SEARCH = 2
NOBODY = 65534


def _libc():
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
    return libc


def _mount(libc, source, target, fstype, flags, data=None):
    import ctypes

    enc = lambda s: None if s is None else os.fsencode(s)  # noqa: E731
    if libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target}: {os.strerror(err)}")


# ----------------------------------------------------------------------------- filesystem view


def _ancestors(path):
    """'/a/b/c' -> ['/a', '/a/b'] (strict ancestors, '/' excluded)."""
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[:i]) for i in range(1, len(parts))]


def _hide(libc, path, keep):
    """Cover ``path`` with an empty tmpfs, re-binding only the children that lead to ``keep``."""
    kids = sorted({k[len(path):].lstrip("/").split("/")[0] for k in keep if k.startswith(path + "/")})
    fds = {name: os.open(os.path.join(path, name), os.O_PATH) for name in kids
           if os.path.lexists(os.path.join(path, name))}
    _mount(libc, "tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755")
    for name, fd in fds.items():
        target = os.path.join(path, name)
        source = f"/proc/self/fd/{fd}"
        if os.path.isdir(source):
            os.mkdir(target)
        else:
            open(target, "wb").close()
        _mount(libc, source, target, None, MS_BIND | MS_REC)
        os.close(fd)


def build_filesystem(cfg) -> list:
    """The child's view of the files (needs root in a private mount namespace).

    * every path in ``cfg['hide']`` (grader package, reference solution, project
      tree, homes, parent cwd...) and the temporary folders (``/tmp`` and the
      one holding the scratch dir: other submissions are graded there) are
      covered by an empty tmpfs, re-binding only the way down to what must stay
      visible: the Python install, the venv (``cfg['keep']``; they may well
      live under ``/tmp``, as in a CI checkout) and the scratch dir;
    * every ancestor of a kept path that 'nobody' could not traverse is
      replaced the same way;
    * everything except the scratch dir, the working directory, is remounted
      read-only.
    """
    libc = _libc()
    layers = []
    scratch = os.path.realpath(cfg["scratch"])
    keep = [os.path.realpath(k) for k in cfg["keep"]] + [scratch]
    if cfg.get("drop_uid"):
        os.chown(scratch, NOBODY, NOBODY)
        os.chmod(scratch, 0o700)

    hide = {os.path.realpath(h) for h in cfg["hide"]} | {"/tmp", os.path.dirname(scratch)}
    targets = set(hide)
    for k in keep:
        for a in _ancestors(k):
            try:
                if not os.stat(a).st_mode & 0o001:
                    targets.add(a)
            except OSError:
                pass
    for path in sorted(targets, key=lambda p: (p.count("/"), p)):
        if path == "/" or path in keep or not os.path.lexists(path) or os.path.islink(path):
            continue
        if os.path.isdir(path):
            _hide(libc, path, keep)
        else:
            _mount(libc, "/dev/null", path, None, MS_BIND)
    # the scratch dir: a small tmpfs of its own (a total size cap; gone with the namespace)
    options = f"size={int(cfg['limits'].get('max_scratch_mb', 64))}m,mode=0700"
    if cfg.get("drop_uid"):
        options += f",uid={NOBODY},gid={NOBODY}"
    try:
        _mount(libc, "tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV, options)
        layers += ["mountns", "scratch-tmpfs"]
    except OSError:
        _mount(libc, scratch, scratch, None, MS_BIND)  # its own mount, left writable below
        layers.append("mountns")

    # read-only everywhere but the scratch dir; keep each mount's locked flags (user namespaces)
    failed_root = False
    with open("/proc/self/mountinfo") as fh:
        mounts = [line.split() for line in fh]
    for fields in mounts:
        point = fields[4].encode().decode("unicode_escape")
        if point == scratch:
            continue
        flags = MS_REMOUNT | MS_BIND | MS_RDONLY
        for opt in fields[5].split(","):
            flags |= _KEEP_FLAGS.get(opt, 0)
        try:
            _mount(libc, None, point, None, flags)
        except OSError:
            failed_root |= point == "/"
    if not failed_root:
        layers.append("ro-fs")
    return layers


# ----------------------------------------------------------------------------- cgroups


def join_cgroups(cfg) -> list:
    """Move this process (init, before it forks the worker) into the sandbox's cgroups."""
    layers = []
    for ctrl, path in sorted((cfg.get("cgroups") or {}).items()):
        try:
            if not _member_of(path):  # usually the parent moved us in already (cgroups.Group.adopt)
                with open(path, "w") as fh:
                    fh.write("0")
            if _member_of(path):
                layers.append(f"cgroup-{ctrl}")
        except OSError:
            pass
    return layers


def _member_of(procs_file) -> bool:
    """Is this process in the cgroup whose ``cgroup.procs`` is ``procs_file``?  (/proc/self/cgroup)"""
    group = os.path.dirname(procs_file)
    try:
        with open("/proc/self/cgroup") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return False
    for line in lines:
        path = line.split(":", 2)[-1]
        if path != "/" and group.endswith(path):
            return True
    return False


# ----------------------------------------------------------------------------- privileges


def drop_privileges(cfg) -> list:
    """Become 'nobody' (real root) or at least lose every capability (user namespace).

    ``read_cap`` (no namespaces, Landlock active, and 'nobody' cannot read the
    Python install, e.g. pyenv under /root): 'nobody' keeps CAP_DAC_READ_SEARCH
    only, so it can read the install; Landlock decides what is readable at all.
    """
    if not sys.platform.startswith("linux"):  # setresuid, prctl and capset are Linux calls here
        return []
    libc = _libc()
    layers = []
    if cfg.get("drop_uid") and os.getuid() == 0:
        keep = 1 << CAP_DAC_READ_SEARCH if cfg.get("read_cap") else 0
        if keep:
            for cap in range(64):
                if cap != CAP_DAC_READ_SEARCH:
                    libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
            libc.prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0)
        os.setgroups([])
        os.setresgid(NOBODY, NOBODY, NOBODY)
        os.setresuid(NOBODY, NOBODY, NOBODY)  # clears every capability (but the kept one from 'permitted')
        layers.append("nobody")
        if keep:
            if not _capset(libc, keep):
                raise OSError("could not keep CAP_DAC_READ_SEARCH for 'nobody'")
            layers.append("keeps-dac-read-search")
    elif os.geteuid() == 0:  # mapped root in a user namespace, or root that 'nobody' cannot replace
        for cap in range(64):
            libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0)
        if _capset(libc, 0):
            layers.append("no-caps")
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0:
        layers.append("no-new-privs")
    return layers


def _capset(libc, caps) -> bool:
    """Set effective = permitted = ``caps`` (a mask of the first 32), nothing inheritable."""
    import ctypes

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    data = (ctypes.c_uint32 * 6)(caps, caps, 0, 0, 0, 0)
    return libc.capset(ctypes.byref(Header(0x20080522, 0)), data) == 0


def die_with_parent() -> None:
    """SIGKILL this process when its parent dies (Linux), so nothing is orphaned."""
    if sys.platform.startswith("linux"):
        import signal

        _libc().prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)


def set_rlimits(cfg) -> list:
    """Memory, CPU, file size, core dumps, processes. Missing limits are skipped (macOS, ...)."""
    try:
        import resource
    except ImportError:  # Windows
        return []
    lim = cfg["limits"]
    mb = 1024 * 1024
    wanted = [
        ("RLIMIT_AS", lim["memory_mb"] * mb, lim["memory_mb"] * mb),
        ("RLIMIT_CPU", cpu_soft(lim), int(lim["total_timeout"]) + 5),
        ("RLIMIT_FSIZE", lim["max_file_mb"] * mb, lim["max_file_mb"] * mb),
        ("RLIMIT_CORE", 0, 0),
    ]
    if os.geteuid() != 0 or cfg.get("userns"):
        # in a user namespace the worker is uid 0 inside but an ordinary user outside,
        # without capabilities there: the kernel enforces RLIMIT_NPROC for it
        wanted.append(("RLIMIT_NPROC", lim["max_processes"], lim["max_processes"]))
    done = True
    for name, soft, hard in wanted:
        try:
            resource.setrlimit(getattr(resource, name), (min(soft, hard), hard))
        except (AttributeError, ValueError, OSError):
            done = False
    return ["rlimits"] if done else ["rlimits-partial"]


def cpu_soft(lim, used: float = 0.0) -> int:
    """CPU seconds the process may have used by the end of the next call."""
    return int(used + lim["call_timeout"]) + 2


def allow_cpu_for_next_call(cfg) -> None:
    """Raise the soft CPU limit so the next call gets a full ``call_timeout`` of CPU."""
    try:
        import resource
    except ImportError:
        return
    used = sum(os.times()[:2])
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = cpu_soft(cfg["limits"], used)
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (min(soft, hard) if hard >= 0 else soft, hard))
    except (ValueError, OSError):
        pass


# ----------------------------------------------------------------------------- without namespaces


PR_SET_CHILD_SUBREAPER = 36
_DEVICES = ("/dev/null", "/dev/zero", "/dev/random", "/dev/urandom")


def become_subreaper() -> list:
    """Init adopts every orphan of the worker (a ``setsid`` double fork included), so it can kill them."""
    if not sys.platform.startswith("linux"):
        return []
    import ctypes

    return ["subreaper"] if _libc().prctl(PR_SET_CHILD_SUBREAPER, ctypes.c_ulong(1), ctypes.c_ulong(0),
                                          ctypes.c_ulong(0), ctypes.c_ulong(0)) == 0 else []


def kill_descendants(worker_pid) -> None:
    """In init: SIGKILL the worker's group and every child (orphans are ours: subreaper), until none is left."""
    import signal

    try:
        os.killpg(worker_pid, signal.SIGKILL)
    except OSError:
        pass
    for _ in range(1000):
        kids = _children()
        if not kids:
            return
        for pid in kids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        while True:  # reap what died; orphans of the dead become our children next round
            try:
                got, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if got == 0:
                break


def _children() -> list:
    me = os.getpid()
    try:
        with open(f"/proc/{me}/task/{me}/children") as fh:
            return [int(x) for x in fh.read().split()]
    except OSError:
        pass
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[1]) == me:
                        kids.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return kids


def confine_without_namespaces(cfg) -> list:
    """Landlock (read the Python install and system folders, read-write the scratch dir, no TCP,
    scoped signals and abstract sockets) and the seccomp filter, in the worker after the uid drop."""
    import landlock
    import seccomp

    offered = cfg.get("confinement", [])
    scratch = os.path.realpath(cfg["scratch"])
    layers = landlock.restrict(cfg.get("landlock_read", []), [scratch], _DEVICES,
                               cfg.get("landlock_list", [])) if "landlock" in offered else []
    return layers + (seccomp.install() if "seccomp" in offered else [])


# ----------------------------------------------------------------------------- imports and audit hook


def _is_hidden(path, hidden) -> bool:
    try:
        real = os.path.realpath(os.fsdecode(path))
    except (TypeError, ValueError):
        return False
    return any(real == h or real.startswith(h + "/") for h in hidden)


def scrub_imports(cfg) -> list:
    """Forget every import route to ``grader`` (editable finders, path entries, cached modules)."""
    import importlib
    import importlib.machinery

    runner_dir = os.path.dirname(os.path.abspath(sys.argv[0]))
    hidden = [os.path.realpath(h) for h in cfg["hide_import"]]
    sys.path[:] = [p for p in sys.path
                   if p and os.path.isabs(p) and os.path.exists(p)
                   and not p.startswith(runner_dir) and not _is_hidden(p, hidden)]
    standard = (importlib.machinery.BuiltinImporter, importlib.machinery.FrozenImporter,
                importlib.machinery.PathFinder)
    for finder in list(sys.meta_path):
        if finder in standard or isinstance(finder, standard):
            continue
        try:
            suspicious = "editable" in repr(finder).lower() or finder.find_spec("grader", None) is not None
        except Exception:
            suspicious = True
        if suspicious:
            sys.meta_path.remove(finder)
    for name in list(sys.modules):
        if name == "grader" or name.startswith(("grader.", "__editable__")):
            del sys.modules[name]
    sys.path_importer_cache.clear()
    importlib.invalidate_caches()
    try:
        import importlib.util

        ok = importlib.util.find_spec("grader") is None
    except Exception:
        ok = True
    return ["import-scrub"] if ok else []


_BLOCKED = frozenset({
    "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "os.startfile",
    "subprocess.Popen", "pty.spawn", "socket.__new__", "socket.connect", "socket.bind",
    "socket.getaddrinfo", "socket.sendto", "socket.socketpair",
})
_PATH_EVENTS = frozenset({"open", "os.listdir", "os.scandir", "os.chdir", "shutil.copyfile"})


def install_audit_hook(cfg) -> list:
    """Refuse sockets, new processes and access to grader paths (a layer, not a wall:
    C code and ctypes can bypass audit events)."""
    hidden = tuple(os.path.realpath(h) for h in cfg["hide_import"])

    def hook(event, args):
        if event in _BLOCKED:
            raise PermissionError(f"sandbox: {event} is not allowed in submitted code")
        if event in _PATH_EVENTS and args and isinstance(args[0], (str, bytes)) and _is_hidden(args[0], hidden):
            raise PermissionError(f"sandbox: access to {os.fsdecode(args[0])!r} is not allowed")
        if event == "import" and args and (args[0] == "grader" or str(args[0]).startswith("grader.")):
            raise ModuleNotFoundError(f"No module named {args[0]!r}")

    sys.addaudithook(hook)
    return ["audit-hook"]
