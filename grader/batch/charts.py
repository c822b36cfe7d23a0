"""The class report's two pictures, drawn with matplotlib and returned as PNG bytes.

Returning bytes (not writing files) lets the report both embed them in
``report.html`` (one self-contained file to mail around) and save them beside
it (for slides).
"""

from __future__ import annotations

import io

from grader.plots import _pyplot

BAR_COLOR = "#4C72B0"
HIST_COLOR = "#55A868"


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    # no timestamp in the PNG metadata: the same class gives byte-identical charts
    fig.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    return buffer.getvalue()


def score_histogram(scores: list[float], max_score: float, bins: int = 10) -> bytes:
    """How many students scored in each tenth of the maximum."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.8))
    top = max_score if max_score > 0 else 1.0
    edges = [top * k / bins for k in range(bins + 1)]
    counts, _, patches = ax.hist(scores, bins=edges, color=HIST_COLOR, edgecolor="white")
    for count, patch in zip(counts, patches):
        if count:
            ax.annotate(f"{int(count)}", (patch.get_x() + patch.get_width() / 2, count),
                        ha="center", va="bottom", fontsize=9)
    ax.set_xlim(0, top)
    ax.set_xticks(edges)
    ax.set_xticklabels([f"{edge:g}" for edge in edges])
    ax.set_xlabel(f"score (out of {max_score:g})")
    ax.set_ylabel("students")
    ax.set_ylim(0, max(counts.max() if len(scores) else 0, 1) * 1.15)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title(f"Scores of {len(scores)} graded submission{'s' if len(scores) != 1 else ''}")
    ax.spines[["top", "right"]].set_visible(False)
    png = _png(fig)
    plt.close(fig)
    return png


def bug_counts(counts: list[tuple[str, int]], students: int) -> bytes:
    """Horizontal bars: students per bug id, most common at the top.

    Every catalogued id is drawn, zeros included, so that "nobody made this
    mistake" is visible too.
    """
    plt = _pyplot()
    height = max(2.5, 0.28 * len(counts) + 1.2)
    fig, ax = plt.subplots(figsize=(8, height))
    labels = [bug_id for bug_id, _ in counts][::-1]
    values = [count for _, count in counts][::-1]
    bars = ax.barh(labels, values, color=BAR_COLOR)
    top = max(values, default=0)
    for bar, value in zip(bars, values):
        ax.annotate(f"{value}", (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                    xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set_xlim(0, max(top, 1) * 1.12)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlabel(f"students (of {students} graded)")
    ax.tick_params(axis="y", labelsize=8)
    ax.set_ylim(-0.6, len(labels) - 0.4)
    ax.set_title("Students with each bug")
    ax.spines[["top", "right"]].set_visible(False)
    png = _png(fig)
    plt.close(fig)
    return png
