"""How a figure reads: "33 (last period 11, up 200%)", the same in chat, PDF and digest."""

from __future__ import annotations

from store.report.figures import Figure


def number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    shown = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    if unit == "%":
        return f"{shown}%"
    return f"{shown} {unit}" if unit else shown


def change(figure: Figure) -> str:
    percent = figure.change
    if percent is None:
        return ""
    if round(percent) == 0:
        return "no change"
    return f"{'up' if percent > 0 else 'down'} {abs(percent):.0f}%"


def value(figure: Figure) -> str:
    """The figure with the last period beside it."""
    if figure.hidden and figure.now is None:
        return "not shown (too few answers)"
    now = number(figure.now, figure.unit)
    if figure.before is None:
        return now
    moved = change(figure)
    return (
        f"{now} (last period {number(figure.before, figure.unit)}{', ' + moved if moved else ''})"
    )
