"""Plots of the statistics, drawn by matplotlib (Agg, no display) as SVG, and a printable PDF report.

Figures are made with ``matplotlib.figure.Figure`` directly (not pyplot), so
no global state is shared between requests or workers. Every label is given
by the caller, already translated.
"""
from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from question_bank.stats import ItemAnalysis  # noqa: E402

SIZE = (6.4, 3.4)


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    return buf.getvalue()


def score_distribution(totals: Sequence[int], max_points: int | None, threshold: int | None,
                       title: str, x_label: str, y_label: str, threshold_label: str) -> Figure:
    """Histogram of total scores with the threshold as a vertical line."""
    fig = Figure(figsize=SIZE)
    ax = fig.subplots()
    top = max_points if max_points else max(totals, default=0)
    ax.hist(list(totals), bins=range(0, top + 2), align="left", rwidth=0.85, color="#4a78b5")
    if threshold is not None:
        ax.axvline(threshold - 0.5, color="#c0392b", linestyle="--", label=f"{threshold_label}: {threshold}")
        ax.legend(loc="upper left")
    ax.set(title=title, xlabel=x_label, ylabel=y_label)
    ax.yaxis.get_major_locator().set_params(integer=True)
    return fig


def section_scores(sections: dict[str, list[int]], title: str, y_label: str) -> Figure:
    """Box plot of the section scores."""
    fig = Figure(figsize=SIZE)
    ax = fig.subplots()
    codes = sorted(sections)
    if codes:
        ax.boxplot([sections[c] for c in codes], tick_labels=codes)
    ax.set(title=title, ylabel=y_label)
    return fig


def difficulty_discrimination(items: Sequence[ItemAnalysis], title: str, x_label: str, y_label: str) -> Figure:
    """Scatter of difficulty (p) against discrimination (corrected r); flagged items in red, labelled."""
    fig = Figure(figsize=SIZE)
    ax = fig.subplots()
    for a in items:
        if a.p is None or a.corrected_r is None:
            continue
        flagged = any(f.code != "longest_key" for f in a.flags)
        ax.scatter(a.p, a.corrected_r, color="#c0392b" if flagged else "#4a78b5", s=18)
        if flagged:
            ax.annotate(a.ref[0], (a.p, a.corrected_r), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.axhline(0.15, color="#999", linestyle=":")
    ax.axvline(0.2, color="#999", linestyle=":")
    ax.axvline(0.95, color="#999", linestyle=":")
    ax.set(title=title, xlabel=x_label, ylabel=y_label, xlim=(0, 1.02), ylim=(-1, 1))
    return fig


def option_choices(a: ItemAnalysis, title: str, y_label: str, omitted_label: str) -> Figure:
    """Bars of the share choosing each option (the key in green) and of omissions."""
    fig = Figure(figsize=(4.2, 2.8))
    ax = fig.subplots()
    labels = [o.id for o in a.options] + [omitted_label]
    shares = [o.share for o in a.options] + [a.omission_rate]
    colours = ["#27ae60" if o.is_key else "#4a78b5" for o in a.options] + ["#aaa"]
    ax.bar(labels, shares, color=colours)
    ax.set(title=title, ylabel=y_label, ylim=(0, 1))
    return fig


def svg(fig: Figure) -> str:
    """The figure as an SVG document."""
    return _svg(fig)


def pdf(figures: Sequence[Figure]) -> bytes:
    """A printable PDF report, one figure per page (A4 portrait)."""
    buf = io.BytesIO()
    with PdfPages(buf, metadata={"CreationDate": None, "ModDate": None}) as pages:
        for fig in figures:
            fig.set_size_inches(8.27, 11.69 / 2)
            pages.savefig(fig, bbox_inches="tight")
    return buf.getvalue()
