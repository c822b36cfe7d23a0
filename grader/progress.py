"""A status line on stderr while a grading runs longer than a couple of seconds.

``check`` and ``grade`` print their report on stdout when they are done; a
submission that hangs or is slow would leave the terminal silent meanwhile.
After ``after`` seconds a line on stderr (never stdout: the report there may
be piped into a file or a JSON reader) says what is running, updated in place
on a terminal and every few seconds otherwise. What is running comes from
:func:`note`, called by the grading as it goes.
"""

from __future__ import annotations

import threading
import time

from grader.cleantext import visible

_doing = ""


def note(text: str) -> None:
    """What the grading is doing now (shown by an active StatusLine)."""
    global _doing
    _doing = text


class StatusLine:
    """``with StatusLine(sys.stderr, "grading alice.py"): ...``"""

    def __init__(self, stream, label: str, after: float = 2.0, every: float = 1.0):
        self.stream, self.label, self.after, self.every = stream, label, after, every
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._shown = False

    def __enter__(self):
        note("")
        self._started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        if self._shown and self.tty:
            self._write("\r\x1b[K")

    def line(self, elapsed: float) -> str:
        doing = f": {_doing}" if _doing else ""
        return visible(f"lstm-grader: still {self.label} ({elapsed:.0f} s){doing}")

    def _run(self):
        last_doing, last_time = None, 0.0
        while not self._stop.wait(self.every):
            elapsed = time.monotonic() - self._started
            if elapsed < self.after:
                continue
            if self.tty:  # one line, rewritten in place
                self._write("\r\x1b[K" + self.line(elapsed)[:160])
            elif _doing != last_doing or elapsed - last_time >= 5:  # a new line when something changed
                self._write(self.line(elapsed) + "\n")
                last_doing, last_time = _doing, elapsed
            self._shown = True

    def _write(self, text: str):
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            pass
