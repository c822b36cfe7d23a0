"""Writes a well-formed but hostile reply frame into every fd it can (the reply
pipe included): 200 array descriptors that all point at the same 1 MB of payload,
so a decoder that trusts them allocates 200 MB from a 1 MB frame."""
import json
import os
import struct


def overlapping(count=200, nbytes=1 << 20):
    arrays = [["<f8", [nbytes // 8], 0, nbytes]] * count
    tree = {"D": [["op", "result"], ["ok", True], ["value", {"L": [{"A": i} for i in range(count)]}]]}
    header = json.dumps({"msg": tree, "arrays": arrays}).encode()
    frame = struct.pack(">4sIQ", b"LSTM", len(header), nbytes) + header + bytes(nbytes)
    for fd in range(3, 1024):  # the reply pipe's number depends on the parent's open files
        try:
            os.set_blocking(fd, True)
            os.write(fd, frame)
        except OSError:
            pass
    return 1
