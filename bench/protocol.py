"""Benchmark of the wire format: encode + decode of the values a grading sends most.

A benchmark, not a test: it asserts nothing. For a forward's reply (its caches),
backward's request (caches, targets, parameters) and backward's reply (loss,
gradients) of the reference on one probe, it prints the microseconds of
``protocol.encode`` and ``protocol.decode`` and the arrays on the wire, with
lists of same-shaped arrays stacked into one array (the protocol as it is) and
sent item by item (as before), side by side in one run.

    python bench/protocol.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from grader.sandbox import protocol  # noqa: E402
from grader.solutions import lstm as ref  # noqa: E402


def messages(hidden: int = 4, vocab: int = 3, steps: int = 6) -> dict:
    params = ref.init_lstm(hidden, vocab, seed=1)
    x = np.eye(vocab)[np.arange(steps) % vocab][:, :, None]
    caches = ref.forward(x, np.zeros((hidden, 1)), np.zeros((hidden, 1)), params)
    loss, grads = ref.backward(*caches, x, params)
    return {"forward reply": {"op": "result", "ok": True, "value": caches},
            "backward request": {"op": "call", "name": "backward", "args": (*caches, x, params), "kwargs": {}},
            "backward reply": {"op": "result", "ok": True, "value": (loss, grads)}}


def best_us(fn, n: int = 300, rounds: int = 7) -> float:
    """Fastest mean over ``rounds`` rounds of ``n`` calls, in microseconds."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(n):
            fn()
        times.append((time.perf_counter() - started) / n)
    return min(times) * 1e6


def arrays_in(frame: bytes) -> int:
    _, header_length, _ = protocol.PREFIX.unpack_from(frame)
    return len(json.loads(frame[protocol.PREFIX.size:protocol.PREFIX.size + header_length])["arrays"])


def measure(msg) -> tuple[float, float, int]:
    frame = protocol.encode(msg)
    return best_us(lambda: protocol.encode(msg)), best_us(lambda: protocol.decode(frame)), arrays_in(frame)


def main() -> None:
    stackable = protocol._stackable
    print(f"{'':18s} {'stacked (now)':>30s}   {'item by item':>30s}   {'ratio':>5s}")
    for name, msg in messages().items():
        now = measure(msg)
        protocol._stackable = lambda items: False
        try:
            before = measure(msg)
        finally:
            protocol._stackable = stackable
        print(f"{name:18s} " + "   ".join(f"{e:6.1f} + {d:6.1f} us, {n:3d} arrays" for e, d, n in (now, before))
              + f"   x{(before[0] + before[1]) / (now[0] + now[1]):.1f}")


if __name__ == "__main__":
    main()
