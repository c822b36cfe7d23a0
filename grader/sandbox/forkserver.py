"""The grader's side of the zygote (zygote.py): start it once, ask it for children.

One zygote per grader process, started with the first child (``prestart``
starts it while the grader imports pytest).  A request is written at once and
answered later: ``fork`` returns a handle whose pid is read only when someone
asks for it, so asking for a child never waits for the zygote's own start-up;
the child's first message (``ready``, on its reply pipe) is what the grader
waits for, as with an exec'd child.

Used where the zygote reproduces the exec'd child's set-up exactly: on Linux,
as root with namespaces, or without namespaces.  Through a user namespace
(``unshare --user --map-root-user``) children are still exec'd.
"""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
import threading
from collections import deque
from typing import Callable

from .cleanup import remove_tree

REPLY_TIMEOUT = 60.0  # seconds the zygote may take to answer (it imports NumPy first)


NO_ZYGOTE = "LSTM_SANDBOX_NO_ZYGOTE"  # set to 1: every child is exec'd (to compare, or to rule the zygote out)


def available(plan) -> bool:
    """Whether children of ``plan`` can be forked from the zygote here."""
    return (os.environ.get(NO_ZYGOTE, "") in ("", "0")
            and sys.platform.startswith("linux") and hasattr(os, "pidfd_open") and hasattr(socket, "send_fds")
            and "--user" not in plan.prefix and (not plan.namespaces or os.geteuid() == 0))


class ForkedProcess:
    """A child the zygote forked, with the part of ``Popen`` the sandbox uses (``pid``,
    ``poll``, ``wait``).  It is the zygote's child, not ours, so it is watched through
    a pidfd; ``returncode`` is -1 once it ended (its status is the zygote's to read)."""

    def __init__(self, zygote: "Zygote"):
        self._zygote = zygote
        self._pid: int | None = None
        self._pidfd: int | None = None
        self._known = False
        self.returncode: int | None = None

    def _learn(self, pid, pidfd) -> None:
        self._pid, self._pidfd, self._known = pid, pidfd, True
        if pidfd is None:
            self.returncode = -1

    @property
    def pid(self) -> int | None:
        """Host pid (a process-group leader), or None if the zygote could not fork it."""
        if not self._known:
            self._zygote.answer(self)
        return self._pid if self.returncode is None else None

    def poll(self):
        if self.pid is not None and _readable(self._pidfd, 0):
            self._ended()
        return self.returncode

    def wait(self, timeout=None):
        if self.pid is not None:
            if not _readable(self._pidfd, timeout):
                raise subprocess.TimeoutExpired("sandbox child", timeout)
            self._ended()
        return self.returncode

    def _ended(self) -> None:
        self.returncode = -1
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None


def _readable(fd, timeout) -> bool:
    ready, _, _ = select.select([fd], [], [], timeout)
    return bool(ready)


class Zygote:
    """The zygote process and our end of its socket."""

    def __init__(self, folder: str, env: dict, flags: list):
        """``folder``: the runner files, zygote.py among them; the zygote owns it from here on."""
        self.folder = folder
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        ours.settimeout(REPLY_TIMEOUT)
        zygote_env = dict(env, HOME=self.folder, TMPDIR=self.folder, MPLCONFIGDIR=self.folder,
                          LSTM_SANDBOX="0" * 32)  # zygote.MARKER_PLACEHOLDER: each child writes its own
        try:
            self.popen = subprocess.Popen(
                [sys.executable, *flags, os.path.join(self.folder, "zygote.py"), str(theirs.fileno())],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                env=zygote_env, cwd=self.folder, pass_fds=(theirs.fileno(),), start_new_session=True)
        except OSError:
            ours.close()
            remove_tree(self.folder)
            raise
        finally:
            theirs.close()
        self._socket = ours
        self._lock = threading.Lock()
        self._waiting: deque = deque()  # handles whose answer has not been read yet, in request order
        self.broken = False

    def fork(self, request: dict, fds) -> ForkedProcess:
        """Ask for a child; its pipe ends go with the request (the caller closes its copies)."""
        handle = ForkedProcess(self)
        with self._lock:
            try:
                socket.send_fds(self._socket, [json.dumps(request).encode()], list(fds))
            except OSError:
                self.broken = True
                raise
            self._waiting.append(handle)
        return handle

    def answer(self, handle: ForkedProcess) -> None:
        """Read answers, in order, up to ``handle``'s."""
        with self._lock:
            while not handle._known:
                first = self._waiting.popleft()
                try:
                    message, fds, _, _ = socket.recv_fds(self._socket, 4096, 1)
                    pid = json.loads(message)["pid"] if message else -1
                except (OSError, ValueError, KeyError, TypeError):
                    message, fds, pid = b"", [], -1
                if not message:
                    self.broken = True
                if type(pid) is not int or pid <= 1 or not fds:
                    for fd in fds:
                        os.close(fd)
                    first._learn(None, None)
                else:
                    first._learn(pid, fds[0])
                    self._forget_files()

    def _forget_files(self) -> None:
        """Once it has answered, the zygote has imported its files: nothing stays on disk."""
        if self.folder is not None:
            remove_tree(self.folder)
            self.folder = None

    def close(self) -> None:
        """End the zygote (and with it every child it forked that is still alive)."""
        self._socket.close()
        try:
            self.popen.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
        self._forget_files()

    def forget(self) -> None:
        """In a forked copy of the grader: drop our copy of the socket, leave the zygote alone."""
        self._socket.close()


_current: list = [None]
_current_lock = threading.Lock()


def zygote(env: dict, flags: list, runner_folder: Callable[[], str]) -> Zygote:
    """This process's zygote, started now if there is none (or the last one broke);
    ``runner_folder()`` makes the folder of runner files a new one runs from."""
    with _current_lock:
        current = _current[0]
        if current is None or current.broken or current.popen.poll() is not None:
            if current is not None:
                current.close()
            current = _current[0] = Zygote(runner_folder(), env, flags)
        return current


def shutdown() -> None:
    """End this process's zygote (also run at interpreter exit, after the children's kill)."""
    with _current_lock:
        current, _current[0] = _current[0], None
    if current is not None:
        current.close()


def _after_fork_in_child() -> None:
    current, _current[0] = _current[0], None
    if current is not None:
        current.forget()


os.register_at_fork(after_in_child=_after_fork_in_child)
