"""What a submission tries where namespaces are refused (a container): every
attempt goes around the audit hook through libc (ctypes)."""
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
libc.open.restype = ctypes.c_int
libc.read.restype = ctypes.c_ssize_t


def _libc_read(path):
    fd = libc.open(os.fsencode(path), 0)  # O_RDONLY
    if fd < 0:
        return None
    buf = ctypes.create_string_buffer(1 << 16)
    n = libc.read(fd, buf, len(buf))
    libc.close(fd)
    return buf.raw[:max(n, 0)].decode("utf-8", "replace")


def read_reference(path):
    found = {"libc open": _libc_read(path)}
    try:
        with open(path) as fh:
            found["open"] = fh.read()
    except BaseException:
        found["open"] = None
    return found


def write_pth(site_dir):
    """A .pth file in site-packages would run in every later Python process of the grader."""
    target = os.path.join(site_dir, "zz_sandbox_hostile.pth")
    fd = libc.open(os.fsencode(target), 0o1 | 0o100 | 0o1000, 0o644)  # O_WRONLY|O_CREAT|O_TRUNC
    if fd < 0:
        return {"written": False, "errno": ctypes.get_errno()}
    libc.write(fd, b"import os\n", 10)
    libc.close(fd)
    return {"written": True, "errno": 0}


def tcp_connect(port):
    """A raw TCP connect to 127.0.0.1:port through libc; the errno, 0 if it got through."""
    import struct

    fd = libc.socket(2, 1, 0)  # AF_INET, SOCK_STREAM
    if fd < 0:
        return {"stage": "socket", "errno": ctypes.get_errno()}
    addr = struct.pack("!HH4s8x", 2, port, bytes([127, 0, 0, 1]))
    addr = struct.pack("=H", 2) + addr[2:]  # sa_family is host order
    rc = libc.connect(fd, addr, len(addr))
    err = ctypes.get_errno() if rc != 0 else 0
    libc.close(fd)
    return {"stage": "connect", "errno": err}


def survivor():
    """A double fork that leaves the process group (setsid) and becomes ``sleep`` with an
    empty environment (no LSTM_SANDBOX marker to be found by); the grandchild's pid."""
    r, w = os.pipe()
    pid = libc.fork()
    if pid == 0:
        libc.setsid()
        grandchild = libc.fork()
        if grandchild == 0:
            argv = (ctypes.c_char_p * 3)(b"sleep", b"1000", None)
            envp = (ctypes.c_char_p * 1)(None)
            for path in (b"/bin/sleep", b"/usr/bin/sleep"):
                libc.execve(path, argv, envp)
            while True:
                libc.sleep(1000)
        os.write(w, str(grandchild).encode())
        os._exit(0)
    os.close(w)
    got = os.read(r, 32)
    os.waitpid(pid, 0)
    return int(got)


def kernel_calls(grader_pid):
    """Signal the grader (signal 0), ptrace, a new user namespace: errnos (0 = allowed)."""
    out = {}
    out["kill grader"] = 0 if libc.kill(grader_pid, 0) == 0 else ctypes.get_errno()
    out["ptrace traceme"] = 0 if libc.ptrace(0, 0, None, None) == 0 else ctypes.get_errno()
    out["unshare user"] = 0 if libc.unshare(0x10000000) == 0 else ctypes.get_errno()
    return out


def other_sockets(path):
    """UDP (not covered by Landlock) and a Unix socket by path: errnos of socket(), 0 if allowed."""
    out = {}
    for label, family, kind in (("udp", 2, 2), ("unix", 1, 1)):
        fd = libc.socket(family, kind, 0)
        out[label] = ctypes.get_errno() if fd < 0 else 0
        if fd >= 0:
            libc.close(fd)
    return out


def identity_and_imports():
    """Who the worker is, and whether it can still import from the Python install."""
    import importlib

    imported = []
    for name in ("wave", "fractions", "click"):
        try:
            importlib.import_module(name)
            imported.append(name)
        except ImportError:
            pass
    return {"uid": os.getuid(), "euid": os.geteuid(), "imported": imported}
