"""Check logic shared by the hidden and the public suites.

The suites' test files stay thin: each picks its probes and calls these
functions, which return plain problems (strings) or numbers. Keeping the logic
here means the public self-check and the hidden grading judge alike.
"""
