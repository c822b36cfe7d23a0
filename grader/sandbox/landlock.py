"""Landlock (Linux >= 5.13) through three raw syscalls: the file, network and
scope confinement an unprivileged process can still put on itself.

Standalone (stdlib only): copied into the child's runner folder.  Used where
namespaces are refused (``namespaces=False``, a container that refuses
``unshare``): the worker may then read only the Python install and system
libraries, read and write only its scratch folder, not connect or bind TCP
sockets (ABI >= 4), not signal or reach abstract Unix sockets outside its own
domain (ABI >= 6).  ``abi()`` is also called by the parent to decide whether
the degraded mode still confines.
"""

from __future__ import annotations

import os

CREATE_RULESET, ADD_RULE, RESTRICT_SELF = 444, 445, 446  # same on x86_64 and aarch64
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH, RULE_NET_PORT = 1, 2

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR = 1 << 4, 1 << 5, 1 << 6, 1 << 7
MAKE_REG, MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = 1 << 8, 1 << 9, 1 << 10, 1 << 11, 1 << 12
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1

READ_ONLY = EXECUTE | READ_FILE | READ_DIR
FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV  # the rights a rule on a file may carry


def _syscall():
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc, ctypes


def abi() -> int:
    """The Landlock ABI version of this kernel, 0 if there is none (or not Linux x86_64/aarch64)."""
    if not hasattr(os, "uname") or os.uname().sysname != "Linux" or os.uname().machine not in ("x86_64", "aarch64"):
        return 0
    try:
        libc, ctypes = _syscall()
        version = libc.syscall(CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(CREATE_RULESET_VERSION))
    except (OSError, AttributeError):
        return 0
    return max(int(version), 0)


def _fs_rights(version):
    rights = (1 << 13) - 1
    if version >= 2:
        rights |= REFER
    if version >= 3:
        rights |= TRUNCATE
    if version >= 5:
        rights |= IOCTL_DEV
    return rights


def restrict(read_only, read_write, devices=(), list_only=()) -> list:
    """Confine this thread (and all it starts); the layer names put in place, [] if none.

    ``read_only``: folders or files readable (and executable); ``read_write``: folders
    with every right; ``devices``: character devices readable and writable
    (``/dev/null``...); ``list_only``: folders whose names may be listed (the files below
    them need a rule of their own to be read).  Paths that do not exist are skipped.
    """
    version = abi()
    if version <= 0:
        return []
    libc, ctypes = _syscall()
    handled_fs = _fs_rights(version)

    class RulesetAttr(ctypes.Structure):
        _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]

    class PathBeneath(ctypes.Structure):
        _pack_ = 1
        _fields_ = [("allowed", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]

    attr = RulesetAttr(handled_fs, 0, 0)
    size = 8
    layers = ["landlock-fs"]
    if version >= 4:
        attr.net, size = NET_BIND_TCP | NET_CONNECT_TCP, 16
        layers.append("landlock-net")
    if version >= 6:
        attr.scoped, size = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL, 24
        layers.append("landlock-scope")
    ruleset = libc.syscall(CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        return []
    try:
        for paths, rights in ((read_only, READ_ONLY), (read_write, handled_fs), (devices, READ_FILE | WRITE_FILE),
                              (list_only, READ_DIR)):
            for path in paths:
                try:
                    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
                except OSError:
                    continue
                try:
                    allowed = rights & handled_fs
                    if not os.path.isdir(path):
                        allowed &= FILE_RIGHTS
                    rule = PathBeneath(allowed, fd)
                    if libc.syscall(ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(RULE_PATH_BENEATH),
                                    ctypes.byref(rule), ctypes.c_uint32(0)) != 0:
                        return []
                finally:
                    os.close(fd)
        # no network rule at all: every TCP bind and connect is refused
        if libc.syscall(RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            return []
    finally:
        os.close(ruleset)
    return layers
