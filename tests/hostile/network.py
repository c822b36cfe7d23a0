"""Tries to reach a server on 127.0.0.1, through Python and through libc directly."""
import ctypes
import socket
import struct


def python_socket(port):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=1)
        s.sendall(b"leak")
        return "connected"
    except BaseException as exc:
        return type(exc).__name__


def raw_socket(port):
    """Bypasses the audit hook: only the network namespace stops this."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.socket(2, 1, 0)  # AF_INET, SOCK_STREAM
    if fd < 0:
        return f"socket errno {ctypes.get_errno()}"
    addr = struct.pack("<HH4s8x", 2, socket.htons(port), bytes([127, 0, 0, 1]))
    rc = libc.connect(fd, addr, len(addr))
    return "connected" if rc == 0 else f"connect errno {ctypes.get_errno()}"
