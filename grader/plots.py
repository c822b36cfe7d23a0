"""The loss-curve picture of the loss-decrease check (matplotlib, headless)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _pyplot():
    """pyplot on the Agg backend, with a writable cache folder (no warnings)."""
    os.environ.setdefault("MPLCONFIGDIR", str(Path(tempfile.gettempdir()) / "lstm-grader-mpl"))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_loss_curve(training: dict, path: Path, title: str = "") -> None:
    """Plot the validation loss (reference-measured) and the training loss."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    validation = training.get("validation", [])
    ax.plot(range(len(validation)), validation, marker="o", label="validation (measured by the grader)")
    train = training.get("training", [])
    if train:
        ax.plot(range(1, len(train) + 1), train, marker="s", label="training (your backward's loss)")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy per token")
    ax.set_title(title or "Loss-decrease check on a^n b^n EOS")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
