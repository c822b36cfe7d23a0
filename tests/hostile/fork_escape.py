"""Starts processes meant to outlive the call: os.fork (refused by the audit hook)
and a raw fork through libc (not an audited event), which sleeps forever."""
import ctypes
import os
import time


def python_fork():
    try:
        pid = os.fork()
    except BaseException as exc:
        return type(exc).__name__
    if pid == 0:
        time.sleep(1e9)
        os._exit(0)
    return "forked"


def raw_fork():
    libc = ctypes.CDLL(None, use_errno=True)
    pid = libc.fork()
    if pid == 0:
        libc.setsid()  # leave the process group, too
        while True:
            libc.sleep(1000)
    return pid
