"""The reply decoder enforces its own limits: a forged frame never makes the
grader allocate more than the frame's size allows (issue 9, item 4)."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from grader.sandbox import Limits, StudentProcess, protocol

HOSTILE = Path(__file__).parent / "hostile"


def frame(tree, arrays, payload: bytes) -> bytes:
    header = json.dumps({"msg": tree, "arrays": arrays}).encode()
    return struct.pack(">4sIQ", b"LSTM", len(header), len(payload)) + header + payload


def test_overlapping_descriptors_are_refused():
    f = frame({"L": [{"A": 0}, {"A": 1}]}, [["<f8", [4], 0, 32], ["<f8", [4], 0, 32]], bytes(32))
    with pytest.raises(protocol.ProtocolError, match="overlap"):
        protocol.decode(f)


def test_out_of_order_descriptors_are_refused():
    f = frame({"L": [{"A": 0}, {"A": 1}]}, [["<f8", [2], 16, 16], ["<f8", [2], 0, 16]], bytes(32))
    with pytest.raises(protocol.ProtocolError, match="overlap or are out of order"):
        protocol.decode(f)


def test_undescribed_payload_is_refused():
    f = frame({"A": 0}, [["<f8", [2], 0, 16]], bytes(64))
    with pytest.raises(protocol.ProtocolError, match="not described"):
        protocol.decode(f)


def test_a_genuine_frame_still_decodes():
    value = {"a": [np.arange(3.0), (1, "x", None)], "b": np.ones((2, 2), dtype=np.int32)}
    got = protocol.decode(protocol.encode(value))
    assert np.array_equal(got["a"][0], np.arange(3.0)) and got["a"][1] == (1, "x", None)
    assert got["b"].dtype == np.int32 and np.array_equal(got["b"], np.ones((2, 2)))


def test_the_decoder_enforces_the_item_cap_itself():
    f = frame({"L": list(range(300))}, [], b"")
    assert len(protocol.decode(f, max_items=1000)) == 300
    with pytest.raises(protocol.ProtocolError, match="more than 100 values"):
        protocol.decode(f, max_items=100)


def test_json_objects_are_counted_while_parsing():
    """A (large) header of empty objects is refused during parsing, not after building them all."""
    body = "[" + ",".join(["{}"] * 100_000) + "]"
    header = ('{"msg":' + body + ',"arrays":[]}').encode()
    f = struct.pack(">4sIQ", b"LSTM", len(header), 0) + header
    with pytest.raises(protocol.ProtocolError, match="more than 10000 values"):
        protocol.decode(f, max_items=10_000)


def test_a_header_too_large_for_the_item_cap_is_refused_unparsed():
    f = frame({"L": ["x" * 100_000]}, [], b"")
    with pytest.raises(protocol.ProtocolError, match="too large"):
        protocol.decode(f, max_items=10)


def test_the_encoder_refuses_what_the_decoder_would():
    with pytest.raises(protocol.NotPlainData):
        protocol.encode(["x" * 100_000], max_items=10)


def test_a_forged_overlapping_reply_is_garbage_end_to_end():
    """The child writes 200 descriptors over one 1 MB payload into the reply pipe."""
    with StudentProcess(HOSTILE / "sandbox_forged_frame.py", Limits(call_timeout=5)) as student:
        out = student.call("overlapping")
        assert out.error is not None and out.error.kind == "garbage"
        assert "overlap" in out.error.message


# ----------------------------------------------------------------------------- stacked lists


def header_of(f: bytes) -> dict:
    _, hlen, _ = struct.unpack_from(">4sIQ", f)
    return json.loads(f[16:16 + hlen])


def test_a_list_of_same_shaped_arrays_travels_as_one_block_and_comes_back_the_same():
    rng = np.random.default_rng(0)
    h_s = [rng.normal(size=(4, 1)) for _ in range(6)]
    steps = tuple(np.arange(3, dtype=np.int32) + k for k in range(3))
    value = {"caches": [h_s, list(h_s)], "steps": steps, "one": [h_s[0]]}
    f = protocol.encode(value)
    assert len(header_of(f)["arrays"]) == 4  # two lists of six, one tuple of three, one list of one
    got = protocol.decode(f)
    for sent, back in zip(h_s, got["caches"][0]):
        assert type(back) is np.ndarray and back.shape == (4, 1) and back.dtype == np.float64
        assert np.array_equal(sent, back) and back.flags.c_contiguous and back.flags.writeable
    assert type(got["caches"][0]) is list and type(got["steps"]) is tuple
    assert [s.tolist() for s in got["steps"]] == [s.tolist() for s in steps] and got["steps"][0].dtype == np.int32
    got["caches"][0][0][0, 0] = 99.0  # the rows do not overlap
    assert got["caches"][0][1][0, 0] == h_s[1][0, 0]


@pytest.mark.parametrize("items", [
    [np.zeros((2, 1)), np.zeros((3, 1))],  # shapes differ
    [np.zeros(2), np.zeros(2, dtype=np.float32)],  # dtypes differ
    [np.zeros(2), [0.0, 0.0]],  # not all arrays
    [np.float64(1.0), np.float64(2.0)],  # NumPy scalars
    [np.array(1.0), np.array(2.0)],  # 0-d arrays
    [np.ma.zeros(2), np.ma.zeros(2)],  # a subclass
])
def test_anything_else_travels_item_by_item(items):
    f = protocol.encode(items)
    assert "SL" not in json.dumps(header_of(f)["msg"])
    got = protocol.decode(f)
    assert len(got) == 2 and all(np.array_equal(a, b) for a, b in zip(got, items))


def test_a_stacked_list_counts_its_items_against_the_cap():
    rows = [np.zeros(1)] * 50
    assert len(protocol.decode(protocol.encode(rows), max_items=100)) == 50
    with pytest.raises(protocol.NotPlainData):
        protocol.encode(rows, max_items=40)
    with pytest.raises(protocol.ProtocolError, match="more than 40 values"):
        protocol.decode(protocol.encode(rows), max_items=40)


def test_a_forged_stacked_list_cannot_make_many_items_from_no_bytes():
    """A block of shape (10**9, 0) has no bytes: the decoder counts its rows before making any."""
    f = frame({"SL": 0}, [["<f8", [10**9, 0], 0, 0]], b"")
    with pytest.raises(protocol.ProtocolError, match="more than"):
        protocol.decode(f)


@pytest.mark.parametrize("tree, arrays, payload, message", [
    ({"SL": 0}, [["<f8", [3], 0, 24]], bytes(24), "two or more dimensions"),
    ({"ST": 1}, [["<f8", [3, 1], 0, 24]], bytes(24), "unknown node"),
    ({"SL": "0"}, [["<f8", [3, 1], 0, 24]], bytes(24), "unknown node"),
])
def test_a_forged_stacked_list_is_refused(tree, arrays, payload, message):
    with pytest.raises(protocol.ProtocolError, match=message):
        protocol.decode(frame(tree, arrays, payload))
