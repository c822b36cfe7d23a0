"""Delete a scratch folder the student's code has written: no recursion, no symlink followed.

``shutil.rmtree`` recurses (a folder chain ~1000 deep raises RecursionError and
leaves the rest behind) and its usual permission retry ``chmod``s by path, which
follows a symlink planted in the folder.  Here the walk is a loop over one open
directory fd at a time: every directory is opened with ``O_NOFOLLOW`` relative to
its parent, entries are removed with ``dir_fd``, a symlink is only ever unlinked,
and an unreadable directory is fixed through its own fd (``/proc/self/fd``), never
through a name.  Parents are re-entered through ``..``: the student's processes
are dead by then, so nothing renames folders under our feet.
"""

from __future__ import annotations

import os
import stat

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def _open_dir(name, dir_fd):
    """A read fd of directory ``name`` (never a symlink); fixes its permissions if needed."""
    try:
        return os.open(name, _DIR, dir_fd=dir_fd)
    except PermissionError:
        pass
    path_fd = os.open(name, getattr(os, "O_PATH", os.O_RDONLY) | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)
    try:
        if os.path.isdir("/proc/self/fd"):
            os.chmod(f"/proc/self/fd/{path_fd}", 0o700)  # the inode behind the fd: a real directory
        else:
            os.fchmod(path_fd, 0o700)
    finally:
        os.close(path_fd)
    return os.open(name, _DIR, dir_fd=dir_fd)


def remove_tree(path) -> bool:
    """Delete ``path`` and everything under it; True if it is gone.  Never raises for OSError."""
    path = os.fspath(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    try:
        if not stat.S_ISDIR(st.st_mode):
            os.unlink(path)
            return True
        fd = _open_dir(path, None)
    except OSError:
        return False
    names: list = []  # the chain of folder names from ``path`` down to ``fd``
    try:
        while True:
            child = _clear_files(fd)
            if child is not None:
                try:
                    sub = _open_dir(child, fd)
                except OSError:
                    return False
                os.close(fd)
                fd, names = sub, names + [child]
                continue
            if not names:
                break
            parent = os.open("..", _DIR, dir_fd=fd)
            os.close(fd)
            fd = parent
            os.rmdir(names.pop(), dir_fd=fd)
    except OSError:
        return False
    finally:
        os.close(fd)
    try:
        os.rmdir(path)
    except OSError:
        return False
    return True


def _clear_files(fd):
    """Unlink every non-directory in the folder ``fd``; the name of one subfolder left, or None."""
    subdir = None
    for name in os.listdir(fd):
        try:
            is_dir = stat.S_ISDIR(os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode)
        except FileNotFoundError:
            continue
        if is_dir:
            subdir = subdir or name
        else:
            os.unlink(name, dir_fd=fd)
    return subdir
