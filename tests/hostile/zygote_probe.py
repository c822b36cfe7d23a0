"""Looks for what a child forked from the grader's zygote might have inherited:
descriptors beyond its own pipes (the zygote's control socket) and the
zygote's environment."""
import os
import stat


def open_descriptors():
    """[(fd, kind)] of every open descriptor below 1024."""
    found = []
    for fd in range(1024):
        try:
            mode = os.fstat(fd).st_mode
        except OSError:
            continue
        kind = "socket" if stat.S_ISSOCK(mode) else "pipe" if stat.S_ISFIFO(mode) else "other"
        found.append([fd, kind])
    return found


def environment():
    return dict(os.environ)

