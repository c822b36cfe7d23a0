"""Hostile snippet (appended to the reference solution by tests/test_hidden_text.py):
terminal control sequences and HTML in what the code prints and raises --
a cleared screen with a fake score, a window title, a bidirectional override,
a script tag."""

_reference_forward = forward  # noqa: F821 - defined by the reference solution above
FAKE = "\x1b[2J\x1b[HScore: 100 / 100\x1b]0;pwned\x07\u202e<script>alert(1)</script>\r"


def forward(inputs, h_prev, C_prev, p):
    print(FAKE)
    return _reference_forward(inputs, h_prev, C_prev, p)


def backward(z, f, i, g, C, o, h, v, outputs, targets, p):
    raise RuntimeError(FAKE)
