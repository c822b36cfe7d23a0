"""Echoes its arguments back, for protocol round-trip tests."""
import numpy as np


def echo(*args, **kwargs):
    return args, kwargs


def scalars():
    return np.float64(1.5), np.int32(7), np.bool_(True), np.complex128(1 + 2j), 3, 2.5, True, None, "é"


def identity(x):
    return x


def object_array():
    return np.array([1, "a", None], dtype=object)


def huge_list():
    return [[0.0] * 1000 for _ in range(1000)]


def a_class():
    return np.random.default_rng(0)


def shout():
    print("hello from the student")
    return 1


def boom(x):
    return helper(x)


def helper(x):
    return np.dot(np.ones((3, 1)), np.ones((4, 1)))


def todo():
    raise NotImplementedError


def flood():
    while True:
        print("x" * 1000)


def leave_early():
    import sys
    sys.exit(0)


def hard_exit():
    import os
    os._exit(3)


def hang():
    import time
    time.sleep(1e9)


def spin():
    while True:
        pass


def eat_memory():
    return np.ones(10 * 1024 ** 3 // 8)


def segfault():
    import ctypes
    ctypes.string_at(0)


not_a_function = 42


def forge_reply():
    """Writes a malformed frame into every fd it can, the reply pipe included."""
    import os
    for fd in range(3, 1024):  # the reply pipe's number depends on the parent's open files
        try:
            os.write(fd, b"LSTM" + b"\xff" * 12)
        except OSError:
            pass
    return 1
