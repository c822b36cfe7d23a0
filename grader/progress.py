"""A status line on stderr while a grading runs longer than a couple of seconds.

``check`` and ``grade`` print their report on stdout when they are done; a
submission that hangs or is slow would leave the terminal silent meanwhile.
After ``after`` seconds a line on stderr says what is running, rewritten in
place every second. Like git's progress output it is shown only when stderr is
a terminal: stdout may be piped into a file or a JSON reader, and a log of
stderr gets no cursor movements. What is running comes from :func:`note`,
called by the grading as it goes.

The line is written to a duplicate of stderr's file descriptor taken at the
start: pytest, which runs the checks, captures file descriptor 2 meanwhile.
"""

from __future__ import annotations

import os
import threading
import time

from grader.cleantext import visible

_doing = ""


def note(text: str) -> None:
    """What the grading is doing now (shown by an active StatusLine)."""
    global _doing
    _doing = text


def is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


class StatusLine:
    """``with StatusLine(sys.stderr, "grading alice.py"): ...``"""

    def __init__(self, stream, label: str, after: float = 2.0, every: float = 1.0):
        self.label, self.after, self.every = label, after, every
        self.active = is_terminal(stream)
        self._out = os.fdopen(os.dup(stream.fileno()), "w", encoding="utf-8", errors="replace") if self.active else None
        self._stop = threading.Event()
        self._shown = False

    def __enter__(self):
        note("")
        self._started = time.monotonic()
        if self.active:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc):
        if not self.active:
            return
        self._stop.set()
        self._thread.join()
        if self._shown:
            self._write("\r\x1b[K")
        self._out.close()

    def line(self, elapsed: float) -> str:
        doing = f": {_doing}" if _doing else ""
        return visible(f"lstm-grader: still {self.label} ({elapsed:.0f} s){doing}")[:150]

    def _run(self):
        while not self._stop.wait(self.every):
            elapsed = time.monotonic() - self._started
            if elapsed >= self.after:
                self._write("\r\x1b[K" + self.line(elapsed))
                self._shown = True

    def _write(self, text: str):
        try:
            self._out.write(text)
            self._out.flush()
        except (OSError, ValueError):
            pass
