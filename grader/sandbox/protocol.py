"""Wire format between the grader and the student's process: plain data only.

Why not pickle: unpickling runs code chosen by whoever wrote the bytes, and the
child is untrusted.  This module turns a value tree into one *frame*::

    b"LSTM" | u32 header length | u64 payload length | header (JSON) | payload

The header is ``{"msg": <message tree>, "arrays": [[dtype, shape, offset, nbytes], ...]}``.
Scalars (None, bool, int, float, str) are stored as JSON values; every
container is a one-key JSON object, so tuples and lists stay distinct:
``{"L": [...]}`` list, ``{"T": [...]}`` tuple, ``{"D": [[key, value], ...]}``
dict with str keys, ``{"A": n}`` the n-th array.  An array's raw C-order bytes
live in the payload; its dtype must match ``[<>|=][biufc][0-9]+`` (numeric
only, never object) before ``np.dtype`` even sees it.  Raw bytes instead of
``.npy`` because ``np.load`` costs ~20 us per array and a forward pass returns
~100 of them.  For the same reason a list (``{"SL": n}``) or tuple
(``{"ST": n}``) of two or more arrays of one shape and dtype, such as each of
a forward's nine cache lists, travels as ONE array, the n-th, of one more
dimension, and comes out as the list of its rows (views of it, as other
arrays are views of the payload): a forward's caches are 9 arrays, not 56.

NumPy scalars become Python ``bool``/``int``/``float``; complex NumPy scalars
become 0-d arrays; ndarray subclasses (matrix, masked) become plain ndarrays.

Decoding anything malformed raises :class:`ProtocolError`; values that are
not plain data raise :class:`NotPlainData` when encoding.  This file must stay
importable on its own (stdlib + numpy): the sandbox copies it into the child,
where the ``grader`` package is deliberately not importable.
"""

from __future__ import annotations

import json
import math
import re
import struct

import numpy as np

MAGIC = b"LSTM"
PREFIX = struct.Struct(">4sIQ")  # magic, header length, payload length
MAX_HEADER = 64 * 1024 * 1024
MAX_DEPTH = 64
_SMALL_HEADER = 64 * 1024  # below this, counting objects while parsing costs more than it saves
_DTYPE_RE = re.compile(r"^[<>|=][biufc](1|2|4|8|16)$")
_DTYPES: dict = {}  # dtype strings already allowed, and their np.dtype (at most 4 x 5 x 5 of them)


class ProtocolError(Exception):
    """A frame that is not what this protocol allows (the peer is broken or hostile)."""


class NotPlainData(Exception):
    """A value that cannot cross the process boundary (object arrays, classes, ...)."""


# ----------------------------------------------------------------------------- encode


def encode(msg, *, max_items: int = 200_000, max_bytes: int = 256 * 1024 * 1024) -> bytes:
    """One frame for ``msg``; raises NotPlainData (with a readable reason) if it cannot."""
    arrays: list = []
    chunks: list = []
    state = {"items": 0, "bytes": 0}

    def count(n):
        state["items"] += n
        if state["items"] > max_items:
            raise NotPlainData(f"holds more than {max_items} values; return NumPy arrays instead of long lists")

    def put(tag, dtype, shape, data):
        """``data`` into the payload, described as an array of ``dtype`` and ``shape``."""
        state["bytes"] += len(data)
        if state["bytes"] > max_bytes:
            raise NotPlainData(f"is larger than {max_bytes // (1024 * 1024)} MB")
        arrays.append([dtype, shape, state["bytes"] - len(data), len(data)])
        chunks.append(data)
        return {tag: len(arrays) - 1}

    def array(x):
        return put("A", x.dtype.str, list(x.shape), x.tobytes(order="C"))

    def stacked(items, t):
        count(len(items))
        first = items[0]
        return put("SL" if t is list else "ST", first.dtype.str, [len(items), *first.shape],
                   b"".join([a.tobytes(order="C") for a in items]))

    def walk(x, depth):
        if depth > MAX_DEPTH:
            raise NotPlainData(f"is nested more than {MAX_DEPTH} levels deep")
        count(1)
        t = type(x)
        if t is np.ndarray and x.dtype.kind in "biuf":  # the common case first: a plain numeric array
            return array(x)
        if x is None or t is bool or t is int or t is str:
            return x
        if t is float:
            return x
        if isinstance(x, np.generic):
            kind = x.dtype.kind
            if kind == "b":
                return bool(x)
            if kind in "iu":
                return int(x)
            if kind == "f":
                return float(x)
            if kind == "c":
                x = np.asarray(x)
            else:
                raise NotPlainData(f"contains a NumPy scalar of dtype {x.dtype}, which is not a number")
        if isinstance(x, np.ndarray):
            x = np.asarray(x)  # drop subclasses (matrix, masked array)
            if x.dtype.kind not in "biufc" or x.dtype.hasobject:
                raise NotPlainData(f"contains a NumPy array of dtype {x.dtype}; only numeric arrays can be graded")
            return array(x)
        if t is list or t is tuple:
            if len(x) > 1 and _stackable(x):
                return stacked(x, t)
            return {"L" if t is list else "T": [walk(v, depth + 1) for v in x]}
        if t is dict:
            out = []
            for k, v in x.items():
                if type(k) is not str:
                    raise NotPlainData("contains a dict whose keys are not all strings")
                out.append([k, walk(v, depth + 1)])
            return {"D": out}
        # subclasses of the plain scalars (bool cannot be subclassed)
        if isinstance(x, str):
            return str.__str__(x)
        if isinstance(x, int):
            return int.__index__(x)
        if isinstance(x, float):
            return float.__float__(x)
        raise NotPlainData(f"contains a {t.__name__} object, which is not plain data "
                           "(only numbers, strings, NumPy arrays and lists/tuples/dicts of them)")

    tree = walk(msg, 0)
    header = json.dumps({"msg": tree, "arrays": arrays}, separators=(",", ":")).encode()
    if len(header) > header_cap(max_items):
        raise NotPlainData(f"has more than {header_cap(max_items)} bytes of numbers and text outside arrays; "
                           "return NumPy arrays instead of long lists or strings")
    payload = b"".join(chunks)
    return PREFIX.pack(MAGIC, len(header), len(payload)) + header + payload


def _stackable(items) -> bool:
    """Plain numeric arrays (at least 1-d) of one dtype and one shape: one block on the wire."""
    first = items[0]
    if type(first) is not np.ndarray or first.ndim == 0 or first.dtype.kind not in "biuf":
        return False
    dtype, shape = first.dtype, first.shape
    return all(type(a) is np.ndarray and a.shape == shape and a.dtype == dtype for a in items)


# ----------------------------------------------------------------------------- decode


def frame_size(prefix: bytes, max_bytes: int) -> int:
    """Total length of the frame that starts with these PREFIX.size bytes."""
    magic, hlen, plen = PREFIX.unpack(prefix)
    if magic != MAGIC:
        raise ProtocolError("bad magic")
    if hlen > MAX_HEADER or hlen + plen > max_bytes:
        raise ProtocolError(f"frame of {hlen + plen} bytes exceeds the limit of {max_bytes}")
    return PREFIX.size + hlen + plen


def _reject_constant(name):
    raise ProtocolError(f"unexpected JSON constant {name}")


def header_cap(max_items: int) -> int:
    """Largest header a message of ``max_items`` values may have (~32 bytes per value)."""
    return min(MAX_HEADER, 4096 + 32 * max_items)


def decode(frame: bytes, *, max_items: int = 200_000):
    """The message of one complete frame; only plain data comes out.

    The decoder enforces the limits itself (the peer's encoder may be forged):
    at most ``max_items`` values and JSON objects (counted while parsing when
    the header is larger than 64 KiB, so a forged header stops early), a header of at most ``header_cap`` bytes, and
    array descriptors that tile the payload exactly, in order, without overlap
    or gap -- so the arrays built never take more memory than the payload.
    """
    magic, hlen, plen = PREFIX.unpack_from(frame)
    if magic != MAGIC or len(frame) != PREFIX.size + hlen + plen:
        raise ProtocolError("frame length mismatch")
    if hlen > header_cap(max_items):
        raise ProtocolError(f"header of {hlen} bytes is too large for {max_items} values")
    objects = [0]

    def count_object(pairs):
        objects[0] += 1
        if objects[0] > max_items:
            raise ProtocolError(f"more than {max_items} values")
        return dict(pairs)

    hook = count_object if hlen > _SMALL_HEADER else None  # a small header cannot hold much: parse at C speed
    try:
        header = json.loads(frame[PREFIX.size:PREFIX.size + hlen].decode("utf-8"), object_pairs_hook=hook)
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(f"header is not valid JSON: {exc}") from None
    if type(header) is not dict or set(header) != {"msg", "arrays"} or type(header["arrays"]) is not list:
        raise ProtocolError("header has the wrong shape")
    if len(header["arrays"]) > max_items:
        raise ProtocolError(f"more than {max_items} arrays")
    payload = bytearray(memoryview(frame)[PREFIX.size + hlen:])  # one writable copy; each array a view of its part
    arrays, end = [], 0
    for meta in header["arrays"]:
        arrays.append(_array(meta, payload, end))
        end += meta[3]
    if end != len(payload):
        raise ProtocolError("payload bytes not described by any array")
    return _tree(header["msg"], arrays, 0, [0], max_items)


def _array(meta, payload, expected_offset) -> np.ndarray:
    """One array; it must start where the previous one ended (no overlap, no reordering)."""
    if type(meta) is not list or len(meta) != 4:
        raise ProtocolError("bad array description")
    dtype, shape, offset, nbytes = meta
    dt = _DTYPES.get(dtype) if type(dtype) is str else None
    if dt is None:
        if type(dtype) is not str or not _DTYPE_RE.match(dtype):
            raise ProtocolError(f"dtype {dtype!r} is not allowed")
        dt = _DTYPES[dtype] = np.dtype(dtype)
    if type(shape) is not list or len(shape) > 32 or any(type(n) is not int or n < 0 for n in shape):
        raise ProtocolError("bad array shape")
    if type(offset) is not int or type(nbytes) is not int or offset < 0 or offset + nbytes > len(payload):
        raise ProtocolError("array bytes out of range")
    if offset != expected_offset:
        raise ProtocolError("array descriptors overlap or are out of order")
    count = math.prod(shape)
    if dt.hasobject or count * dt.itemsize != nbytes:
        raise ProtocolError("array size does not match its shape and dtype")
    return np.frombuffer(payload, dtype=dt, count=count, offset=offset).reshape(shape)


def _tree(node, arrays, depth, count, max_items):
    if depth > MAX_DEPTH:
        raise ProtocolError("nested too deeply")
    count[0] += 1
    if count[0] > max_items:
        raise ProtocolError(f"more than {max_items} values")
    t = type(node)
    if node is None or t is bool or t is int or t is float or t is str:
        return node
    if t is not dict or len(node) != 1:
        raise ProtocolError("unexpected JSON value")
    (tag, body), = node.items()
    if tag in ("L", "T") and type(body) is list:
        items = [_tree(v, arrays, depth + 1, count, max_items) for v in body]
        return items if tag == "L" else tuple(items)
    if tag == "D" and type(body) is list:
        out = {}
        for pair in body:
            if type(pair) is not list or len(pair) != 2 or type(pair[0]) is not str:
                raise ProtocolError("bad dict entry")
            out[pair[0]] = _tree(pair[1], arrays, depth + 1, count, max_items)
        return out
    if tag == "A" and type(body) is int and 0 <= body < len(arrays):
        return arrays[body]
    if tag in ("SL", "ST") and type(body) is int and 0 <= body < len(arrays):
        block = arrays[body]
        if block.ndim < 2:
            raise ProtocolError("a stacked list needs an array of two or more dimensions")
        count[0] += block.shape[0]  # its items count as values, before any is made
        if count[0] > max_items:
            raise ProtocolError(f"more than {max_items} values")
        items = list(block)  # its rows: views, of ndim >= 1
        return items if tag == "SL" else tuple(items)
    raise ProtocolError(f"unknown node {tag!r}")


# ----------------------------------------------------------------------------- blocking I/O (child side)


def read_frame(fd: int, max_bytes: int, max_items: int = 1 << 24):
    """Read one frame from a blocking fd and decode it; None at end of file (child side:
    the grader's requests are trusted, hence the generous item cap)."""
    import os

    def read_exact(n):
        buf = bytearray()
        while len(buf) < n:
            chunk = os.read(fd, min(n - len(buf), 1 << 20))
            if not chunk:
                return None
            buf += chunk
        return bytes(buf)

    prefix = read_exact(PREFIX.size)
    if prefix is None:
        return None
    rest = read_exact(frame_size(prefix, max_bytes) - PREFIX.size)
    if rest is None:
        return None
    return decode(prefix + rest, max_items=max_items)


def write_frame(fd: int, frame: bytes) -> None:
    """Write a whole frame to a blocking fd."""
    import os

    view = memoryview(frame)
    while view:
        view = view[os.write(fd, view):]
