"""The zygote: a NumPy-loaded process that forks sandbox children on request.

Starting a child by exec costs an interpreter and a NumPy import, about 0.2 s
of CPU, twice per grading (two phases, see grader/session.py); a fork of a
process that has already imported them costs a few milliseconds.

Runs as a standalone script, copied with the other runner files: it must not
import ``grader``.  It never loads or calls student code and never receives a
grading value: a request holds one child's configuration (the same JSON the
exec'd ``child.py`` gets), its environment and its four pipe ends
(SCM_RIGHTS); the reply is the child's host pid and a pidfd for it.  It exits
when the grader's end of the socket closes; every child it forked then dies
too (parent-death signal).

The forked process plays the part ``unshare`` plays for an exec'd child: it
starts a session, closes every other descriptor, takes its environment (and
shows its marker in the environment block /proc reads), and with namespaces
unshares network, mount, PID and IPC namespaces, makes every mount private
and forks init (pid 1 there, with a fresh /proc); without, it is init itself.
Init then runs exactly what ``child.py`` runs.
"""

import ctypes
import gc
import json
import os
import signal
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import child  # noqa: E402  (imports confine, protocol with NumPy, train_loop: the point of the zygote)
import confine  # noqa: E402

del sys.path[0]

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWPID = 0x00020000, 0x08000000, 0x40000000, 0x20000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 16384, 1 << 18
MARKER_PLACEHOLDER = "0" * 32  # LSTM_SANDBOX in the zygote's environment; each child writes its own over it


def main():
    control = socket.socket(fileno=int(sys.argv[1]))
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel; the grader holds pidfds
    child.flush()
    gc.freeze()  # what NumPy's import left is never scanned by a child's collector: fewer copy-on-write faults
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(control, 1 << 20, 4)
        except (ConnectionError, OSError):
            os._exit(0)
        if not message:  # the grader is gone (or closed us): the children die with us
            os._exit(0)
        try:
            request = json.loads(message)
            request["cfg"]["scrubbed"] = _scrubbed(request["cfg"])
            pid = os.fork() if len(fds) == 4 else -1
        except Exception:  # a request it cannot serve: that child fails to start, the zygote stays
            pid = -1
        if pid == 0:
            control.close()
            outer(request, fds)  # never returns
        for fd in fds:
            os.close(fd)
        pidfd = _pidfd(pid)
        socket.send_fds(control, [json.dumps({"pid": pid}).encode()], [pidfd] if pidfd is not None else [])
        if pidfd is not None:
            os.close(pidfd)


_scrubs: dict = {}  # the import scrub done here, per list of hidden paths: its layers


def _scrubbed(cfg):
    """The import scrub (confine.scrub_imports), done once here instead of in every
    child: what it removes (import routes to ``grader``) is gone from what they
    inherit; checked in a view that sees more than theirs (no mount namespace)."""
    key = json.dumps(cfg["hide_import"])
    if key not in _scrubs:
        _scrubs[key] = confine.scrub_imports(cfg)
    return _scrubs[key]


def _pidfd(pid):
    try:
        return os.pidfd_open(pid) if pid > 0 else None
    except OSError:  # it is gone already
        return None


def outer(request, fds):
    """The forked process: never returns."""
    try:
        zygote = os.getppid()
        os.setsid()
        confine.die_with_parent()
        if os.getppid() != zygote:
            os._exit(1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        req, rep, status, out = fds
        _stdio(out)
        _close_all_but({0, 1, 2, req, rep, status})
        _environment(request["env"])
        cfg = request["cfg"]
        cfg["fds"] = {"req": req, "rep": rep, "status": status}
        os.chdir(cfg["scratch"])
        if not cfg["namespaces"]:
            child.run(cfg)
        confine.join_cgroups(cfg)  # what the grader's adopt() does for an exec'd child
        init = _into_namespaces()
        if init == 0:
            child.run(cfg)
        for fd in (req, rep, status):
            os.close(fd)
        _stdio(os.open(os.devnull, os.O_WRONLY))
        _, code = os.waitpid(init, 0)
        os._exit(os.waitstatus_to_exitcode(code) & 0xFF if os.WIFEXITED(code) else 1)
    except BaseException:
        os._exit(70)


def _stdio(out):
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(out, 1)
    os.dup2(out, 2)
    for fd in {null, out} - {0, 1, 2}:
        os.close(fd)


def _close_all_but(keep):
    start = 3
    for fd in sorted(k for k in keep if k >= 3):
        os.closerange(start, fd)
        start = fd + 1
    os.closerange(start, 1 << 16)


def _environment(env):
    """Exactly ``env``; the marker also into the block /proc/<pid>/environ shows (a fork keeps
    the zygote's), so the grader finds the child's processes by it as it finds exec'd ones."""
    os.environ.clear()
    os.environ.update(env)
    marker = env.get("LSTM_SANDBOX", "")
    if len(marker) != len(MARKER_PLACEHOLDER):
        return
    try:
        with open("/proc/self/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
        start, end = int(fields[47]), int(fields[48])  # env_start, env_end (fields 50 and 51 of stat)
    except (OSError, IndexError, ValueError):  # no /proc: only the clean-up's last resort goes without
        return
    key = f"LSTM_SANDBOX={MARKER_PLACEHOLDER}".encode()
    block = ctypes.string_at(start, end - start)
    at = block.find(b"\0" + key) + 1 if not block.startswith(key) else 0
    if at > 0 or block.startswith(key):
        ctypes.memmove(start + at + len("LSTM_SANDBOX="), marker.encode(), len(marker))


def _into_namespaces():
    """What ``unshare --net --mount --pid --ipc --fork --kill-child --mount-proc
    --propagation private`` does; returns fork()'s value (0 in init)."""
    libc = confine._libc()
    if libc.unshare(CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC) != 0:
        raise OSError(ctypes.get_errno(), "unshare")
    confine._mount(libc, "none", "/", None, MS_REC | MS_PRIVATE)
    pid = os.fork()
    if pid == 0:
        confine.die_with_parent()
        confine._mount(libc, "none", "/proc", None, MS_REC | MS_PRIVATE)
        confine._mount(libc, "proc", "/proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV)
    return pid


if __name__ == "__main__":
    main()
