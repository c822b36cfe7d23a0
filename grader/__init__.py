"""lstm-autograder: grade a NumPy LSTM exercise and name the bug behind each failure."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lstm-autograder")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+source"
