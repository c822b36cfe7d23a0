"""Tries to hold more than the sandbox's limits with many processes and files,
each one within the per-process limits (issue 9: "one sandbox, bounded as a whole")."""
import ctypes
import os
import select
import time

libc = ctypes.CDLL(None, use_errno=True)


def forks(n, mb, wait=8.0):
    """n raw forks (libc, not audited) that each fill ``mb`` MB; how many hold it at the end."""
    r, w = os.pipe()
    pids = []
    for _ in range(n):
        pid = libc.fork()
        if pid == 0:
            os.close(r)
            try:
                block = b"\x01" * (mb << 20)  # written, so every page is charged
                os.write(w, b"1")
                while True:
                    libc.sleep(1000)
            finally:
                os._exit(0)
        if pid > 0:
            pids.append(pid)
    os.close(w)
    reported, end = 0, time.monotonic() + wait
    while reported < len(pids) and time.monotonic() < end:
        ready, _, _ = select.select([r], [], [], 0.2)
        if ready:
            got = os.read(r, 64)
            if not got:
                break
            reported += len(got)
    time.sleep(0.5)
    alive = sum(1 for pid in pids if os.waitpid(pid, os.WNOHANG) == (0, 0))
    return {"forked": len(pids), "reported": reported, "alive": alive, "holding": min(reported, alive)}


def memfds(total_mb, chunk_mb=8):
    """memfd files written (never mapped: no address space used); MB held at the end."""
    fds, written = [], 0
    chunk = b"\x02" * (chunk_mb << 20)
    try:
        while written < total_mb:
            fd = os.memfd_create("hold")
            os.write(fd, chunk)
            fds.append(fd)
            written += chunk_mb
    except OSError as exc:
        return {"written_mb": written, "stopped": exc.errno}
    return {"written_mb": written, "stopped": None}


def process_count(n):
    """Start n sleeping processes; how many forks succeeded."""
    started = 0
    for _ in range(n):
        pid = libc.fork()
        if pid == 0:
            while True:
                libc.sleep(1000)
        if pid < 0:
            break
        started += 1
    return started


def fill_scratch(files, mb=8):
    """Write ``files`` files of ``mb`` MB each into the scratch folder (each under the per-file cap)."""
    chunk = b"\x03" * (mb << 20)
    written = 0
    try:
        for i in range(files):
            with open(f"fill-{i}.bin", "wb") as fh:
                fh.write(chunk)
            written += mb
    except OSError as exc:
        return {"written_mb": written, "stopped": exc.errno}
    return {"written_mb": written, "stopped": None}


def sysv_segment(key, size=1 << 20):
    """A SysV shared memory segment with the given key (it would outlive the process without an IPC namespace)."""
    libc.shmget.restype = ctypes.c_int
    shmid = libc.shmget(ctypes.c_int(key), ctypes.c_size_t(size), 0o1000 | 0o666)  # IPC_CREAT
    if shmid < 0:
        return {"shmid": None, "errno": ctypes.get_errno()}
    return {"shmid": shmid, "errno": 0}
