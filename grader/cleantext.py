"""Student-controlled text, made safe to show: control characters are shown,
never executed.

A submission controls some of the text a report shows (its exception
messages, its file name, what it printed in the public check). An ANSI escape
sequence in it could clear a terminal and draw a fake score; a carriage
return could overwrite a line; a bidirectional override could reorder what a
reader sees. Every such character becomes a visible escape (``\\x1b``,
``\\u202e``); newlines and tabs stay. HTML is escaped where HTML is written.
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional / zero-width format characters
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def escape_control(character: str) -> str:
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every control character shown as an escape."""
    return UNSAFE.sub(lambda match: escape_control(match.group()), text)
