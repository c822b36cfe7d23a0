"""A seccomp filter written as classic BPF (our own, through ctypes and prctl/seccomp).

Standalone (stdlib only): copied into the child's runner folder.  Refused with
EPERM in the worker: debugging other processes (ptrace, process_vm_*),
new namespaces and mounts (unshare, setns, mount..., clone with CLONE_NEW*
flags; clone3 answers ENOSYS so libc falls back to clone, whose flags the
filter can read), kernel-level calls (kexec, modules, reboot, swap, bpf,
perf, keyrings, userfaultfd, io_uring, clock and host name changes), SysV IPC
(its segments would outlive the process without an IPC namespace) and
``socket`` of any family: UDP and raw sockets, which Landlock does not cover,
and Unix sockets by path (``/run/docker.sock``...), which it does not
either; the worker talks to the grader over inherited pipes only.  A foreign calling convention (the i386 or
x32 ABI on x86_64) kills the process: its numbers would dodge the table.
Supported on x86_64 and aarch64; elsewhere ``install`` reports nothing.
"""

from __future__ import annotations

import errno
import os
import struct

LD_W_ABS, JEQ, JGE, JSET, RET = 0x20, 0x15, 0x35, 0x45, 0x06
RET_ALLOW, RET_KILL_PROCESS, RET_ERRNO = 0x7FFF0000, 0x80000000, 0x00050000
OFF_NR, OFF_ARCH, OFF_ARG0 = 0, 4, 16
CLONE_NS_FLAGS = 0x7E020080  # NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWTIME

_TABLES = {
    "x86_64": {
        "arch": 0xC000003E, "x32_bit": 0x40000000, "socket": 41, "clone": 56, "clone3": 435,
        "deny": {
            "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "unshare": 272, "setns": 308,
            "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161, "open_tree": 428, "move_mount": 429,
            "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442,
            "kexec_load": 246, "kexec_file_load": 320, "reboot": 169, "init_module": 175, "finit_module": 313,
            "delete_module": 176, "swapon": 167, "swapoff": 168, "bpf": 321, "perf_event_open": 298,
            "keyctl": 250, "add_key": 248, "request_key": 249, "userfaultfd": 323, "open_by_handle_at": 304,
            "name_to_handle_at": 303, "acct": 163, "settimeofday": 164, "clock_settime": 227, "adjtimex": 159,
            "clock_adjtime": 305, "sethostname": 170, "setdomainname": 171, "iopl": 172, "ioperm": 173,
            "quotactl": 179, "kcmp": 312, "syslog": 103, "vhangup": 153, "io_uring_setup": 425,
            "io_uring_enter": 426, "io_uring_register": 427, "shmget": 29, "shmat": 30, "shmctl": 31,
            "semget": 64, "semop": 65, "semctl": 66, "semtimedop": 220, "msgget": 68, "msgsnd": 69,
            "msgrcv": 70, "msgctl": 71,
        },
    },
    "aarch64": {
        "arch": 0xC00000B7, "x32_bit": None, "socket": 198, "clone": 220, "clone3": 435,
        "deny": {
            "ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271, "unshare": 97, "setns": 268,
            "mount": 40, "umount2": 39, "pivot_root": 41, "chroot": 51, "open_tree": 428, "move_mount": 429,
            "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442,
            "kexec_load": 104, "kexec_file_load": 294, "reboot": 142, "init_module": 105, "finit_module": 273,
            "delete_module": 106, "swapon": 224, "swapoff": 225, "bpf": 280, "perf_event_open": 241,
            "keyctl": 219, "add_key": 217, "request_key": 218, "userfaultfd": 282, "open_by_handle_at": 265,
            "name_to_handle_at": 264, "acct": 89, "settimeofday": 170, "clock_settime": 112, "adjtimex": 171,
            "clock_adjtime": 266, "sethostname": 161, "setdomainname": 162, "quotactl": 60, "kcmp": 272,
            "syslog": 116, "vhangup": 58, "io_uring_setup": 425, "io_uring_enter": 426,
            "io_uring_register": 427, "shmget": 194, "shmctl": 195, "shmat": 196, "semget": 190,
            "semctl": 191, "semtimedop": 192, "semop": 193, "msgget": 186, "msgctl": 187, "msgrcv": 188,
            "msgsnd": 189,
        },
    },
}


def table():
    """The syscall table of this machine, or None where the filter is not supported."""
    if not hasattr(os, "uname") or os.uname().sysname != "Linux":
        return None
    return _TABLES.get(os.uname().machine)


def _op(code, k=0, jt=0, jf=0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def program(tab) -> bytes:
    """The filter, as the bytes of a ``struct sock_filter`` array."""
    eperm = RET_ERRNO | errno.EPERM
    out = [_op(LD_W_ABS, OFF_ARCH), _op(JEQ, tab["arch"], 1, 0), _op(RET, RET_KILL_PROCESS),
           _op(LD_W_ABS, OFF_NR)]
    if tab["x32_bit"]:
        out += [_op(JGE, tab["x32_bit"], 0, 1), _op(RET, RET_KILL_PROCESS)]
    out += [_op(JEQ, tab["socket"], 0, 1), _op(RET, RET_ERRNO | errno.EACCES)]
    out += [_op(JEQ, tab["clone"], 0, 4), _op(LD_W_ABS, OFF_ARG0), _op(JSET, CLONE_NS_FLAGS, 0, 1),
            _op(RET, eperm), _op(RET, RET_ALLOW)]
    out += [_op(JEQ, tab["clone3"], 0, 1), _op(RET, RET_ERRNO | errno.ENOSYS)]
    for nr in sorted(set(tab["deny"].values())):
        out += [_op(JEQ, nr, 0, 1), _op(RET, eperm)]
    out.append(_op(RET, RET_ALLOW))
    return b"".join(out)


def install() -> list:
    """Load the filter for this process (``no_new_privs`` must be set); ['seccomp'] or []."""
    tab = table()
    if tab is None:
        return []
    import ctypes

    code = program(tab)
    buf = ctypes.create_string_buffer(code, len(code))

    class Prog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = Prog(len(code) // 8, ctypes.cast(buf, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        return []
    return ["seccomp"]
