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
