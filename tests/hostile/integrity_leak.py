"""Hostile snippet (appended to the reference solution by tests/test_hidden_text.py):
forward prints every input it is called with; backward raises them -- the
first line of its message lists the hidden h_prev value by value, the rest is
repr() of every argument. A student reading their feedback must not get a
hidden value back."""

_reference_forward = forward  # noqa: F821 - defined by the reference solution above


def forward(inputs, h_prev, C_prev, p):
    print("forward called with h_prev =", repr(h_prev.ravel().tolist()), "inputs =", repr(inputs))
    return _reference_forward(inputs, h_prev, C_prev, p)


def backward(z, f, i, g, C, o, h, v, outputs, targets, p):
    first_line = " ".join(repr(float(x)) for x in h[0].ravel())
    raise RuntimeError(first_line + "\n" + repr((z, f, i, g, C, o, h, v, outputs, targets)))
