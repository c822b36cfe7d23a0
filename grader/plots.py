"""The loss-curve picture of the loss-decrease check (matplotlib, headless).

A batch worker draws one picture per student. A new pyplot figure with a
tight layout costs about 85 ms of CPU a picture, mostly laying out text; so
one figure per process is kept and only its two lines change (about 50 ms),
on fixed margins, and a picture already drawn from the same values, as far
as the picture can show them, is not drawn again (correct submissions train
alike: their curves differ in the 12th digit).
"""

from __future__ import annotations

import io
import os
import tempfile
import threading
from functools import lru_cache
from pathlib import Path

TITLE = "Loss-decrease check on a^n b^n EOS"
SHOWN_DIGITS = 4  # values equal to this many decimals draw the same picture (600 x 400 pixels)

_lock = threading.Lock()
_figure: list = []  # [(figure, axes, validation line, training line)] once drawn


def _pyplot():
    """pyplot on the Agg backend, with a writable cache folder (no warnings)."""
    _cache_folder()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _cache_folder() -> None:
    os.environ.setdefault("MPLCONFIGDIR", str(Path(tempfile.gettempdir()) / "lstm-grader-mpl"))


def save_loss_curve(training: dict, path, title: str = "") -> None:
    """Plot the validation loss (reference-measured) and the training loss into ``path``
    (a file name or a binary file object)."""
    png = loss_curve_png(training, title)
    if hasattr(path, "write"):
        path.write(png)
    else:
        Path(path).write_bytes(png)


def loss_curve_png(training: dict, title: str = "") -> bytes:
    """The picture as PNG bytes."""
    validation = tuple(round(float(v), SHOWN_DIGITS) for v in training.get("validation", []))
    train = tuple(round(float(v), SHOWN_DIGITS) for v in training.get("training", []))
    return _drawn(validation, train, title or TITLE)


@lru_cache(maxsize=64)
def _drawn(validation: tuple, train: tuple, title: str) -> bytes:
    with _lock:
        figure, axes, validation_line, training_line = _the_figure()
        validation_line.set_data(range(len(validation)), validation)
        training_line.set_data(range(1, len(train) + 1), train)
        training_line.set_visible(bool(train))
        axes.legend(handles=[validation_line, training_line] if train else [validation_line], loc="best")
        axes.set_title(title)
        axes.relim(visible_only=True)
        axes.autoscale_view()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=100)
        return buffer.getvalue()


def _the_figure():
    if not _figure:
        _cache_folder()
        from matplotlib.figure import Figure  # the Agg canvas, without pyplot's figure manager

        figure = Figure(figsize=(6, 4))
        axes = figure.add_subplot()
        (validation_line,) = axes.plot([], [], marker="o", label="validation (measured by the grader)")
        (training_line,) = axes.plot([], [], marker="s", label="training (your backward's loss)")
        from matplotlib.ticker import MaxNLocator

        axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs
        axes.set_xlabel("epoch")
        axes.set_ylabel("cross-entropy per token")
        figure.subplots_adjust(left=0.12, right=0.97, bottom=0.12, top=0.92)
        _figure.append((figure, axes, validation_line, training_line))
    return _figure[0]
