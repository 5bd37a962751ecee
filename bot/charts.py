"""Charts drawn on the server as PNG, each with alt text that says what it shows.

Pulse-survey results and the impact report draw the same few kinds of chart: bars
for a distribution or a comparison, grouped bars for this period against the last,
and lines for a trend across rounds or months. A chart is plain data in, a
`Chart` (PNG bytes and alt text) out; features publish it with `ctx.publish_file`
and show it as `ui.Image` with a table beside it, so nobody depends on seeing it.

matplotlib is imported on first use (it takes a while) and drawn with its
object API, never pyplot's global state, so charts may be drawn in threads.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# The network's palette: readable on white, distinguishable in greyscale order.
COLOURS = ("#1b6ca8", "#f4a259", "#5b8e7d", "#bc4b51", "#8e7dbe", "#6c757d")
WIDTH_IN, HEIGHT_IN, DPI = 6.4, 3.6, 100


@dataclass(frozen=True)
class Chart:
    title: str
    alt: str
    png: bytes


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    value_label: str = "",
    horizontal: bool = False,
) -> Chart:
    """One bar per label: the answers to a question, attendance by institution."""
    figure, axes = _figure()
    positions = range(len(labels))
    if horizontal:
        axes.barh(positions, values, color=COLOURS[0])
        axes.set_yticks(list(positions), list(labels))
        axes.invert_yaxis()
        axes.set_xlabel(value_label)
    else:
        axes.bar(positions, values, color=COLOURS[0])
        axes.set_xticks(list(positions), list(labels), rotation=_rotation(labels))
        axes.set_ylabel(value_label)
    alt = f"Bar chart: {title}. " + _pairs(labels, values)
    return _finish(figure, axes, title, alt)


def grouped_bar_chart(
    title: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[float]],
    *,
    value_label: str = "",
) -> Chart:
    """Bars side by side per label, one colour per series (this period, the last)."""
    figure, axes = _figure()
    count = max(len(series), 1)
    width = 0.8 / count
    for index, (name, values) in enumerate(series.items()):
        offsets = [position - 0.4 + width * (index + 0.5) for position in range(len(labels))]
        axes.bar(offsets, values, width=width, label=name, color=COLOURS[index % len(COLOURS)])
    axes.set_xticks(list(range(len(labels))), list(labels), rotation=_rotation(labels))
    axes.set_ylabel(value_label)
    axes.legend(frameon=False)
    alt = f"Grouped bar chart: {title}. " + "; ".join(
        f"{name}: {_pairs(labels, values)}" for name, values in series.items()
    )
    return _finish(figure, axes, title, alt)


def line_chart(
    title: str,
    x_labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    value_label: str = "",
) -> Chart:
    """A trend: one line per series across rounds or months; None leaves a gap."""
    figure, axes = _figure()
    positions = list(range(len(x_labels)))
    for index, (name, values) in enumerate(series.items()):
        points = [float("nan") if value is None else value for value in values]
        axes.plot(positions, points, marker="o", label=name, color=COLOURS[index % len(COLOURS)])
    axes.set_xticks(positions, list(x_labels), rotation=_rotation(x_labels))
    axes.set_ylabel(value_label)
    if len(series) > 1:
        axes.legend(frameon=False)
    alt = f"Line chart: {title}. " + "; ".join(
        f"{name}: {_pairs(x_labels, values)}" for name, values in series.items()
    )
    return _finish(figure, axes, title, alt)


def _figure():
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def _finish(figure, axes, title: str, alt: str) -> Chart:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    axes.set_title(title, loc="left", fontsize=11)
    figure.tight_layout()
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return Chart(title=title, alt=alt, png=buffer.getvalue())


def _rotation(labels: Sequence[str]) -> int:
    return 30 if sum(len(label) for label in labels) > 48 else 0


def _pairs(labels: Sequence[str], values: Sequence[float | None]) -> str:
    return ", ".join(
        f"{label} {'no data' if value is None else _number(value)}"
        for label, value in zip(labels, values, strict=False)
    )


def _number(value: float) -> str:
    return f"{value:g}" if float(value).is_integer() else f"{value:.1f}"
