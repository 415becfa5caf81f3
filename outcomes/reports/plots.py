"""Kaplan-Meier and cumulative-incidence plots of one report table, numbers at risk under the axis.

Pure: draws on a ``matplotlib.figure.Figure`` with the Agg canvas (no pyplot, no global figure state), from a
stored or a released table (DESIGN section 6); the same table gives the same PNG bytes.
"""

from __future__ import annotations

import io
import math

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter
from matplotlib.transforms import blended_transform_factory

DAYS_PER_YEAR = 365.25
AT_RISK_YEARS = ("0", "1", "2", "5")
KINDS = ("km", "aj")
# Colour-blind-safe (Okabe-Ito), fixed so a level keeps its colour between renders.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
WITHHELD_COLOUR = "#999999"


def survival_plot(table: dict, *, kind: str, title: str, y_label: str) -> bytes:
    """PNG of ``table``'s curves of ``kind`` ("km": the curve's km arrays, "aj": Aalen-Johansen)."""
    figure = survival_figure(table, kind=kind, title=title, y_label=y_label)
    buffer = io.BytesIO()
    FigureCanvasAgg(figure)
    # No software version or date in the file: the same table gives the same bytes (and cache key).
    figure.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    return buffer.getvalue()


def survival_figure(table: dict, *, kind: str, title: str, y_label: str) -> Figure:
    """The figure behind ``survival_plot``; tests read its legend and numbers at risk."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    rows = plotted_rows(table)
    figure = Figure(figsize=(8, 4.2 + 0.28 * max(len(rows), 1)))
    axes = figure.add_subplot()
    axes.set_title(title)
    axes.set_ylabel(y_label)
    axes.set_xlabel("Years")
    axes.set_ylim(0, 1.02)
    axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    axes.grid(True, color="#e5e5e5", linewidth=0.6)
    axes.set_axisbelow(True)

    if not rows:
        axes.set_xlim(0, 5.5)
        axes.text(
            0.5,
            0.5,
            "no data",
            transform=axes.transAxes,
            ha="center",
            va="center",
            fontsize=14,
            color=WITHHELD_COLOUR,
        )
        figure.subplots_adjust(bottom=0.15)
        return figure

    longest = 5.0
    handles = []
    for number, row in enumerate(rows):
        colour = COLOURS[number % len(COLOURS)]
        label = str(row.get("level_label") or row.get("level", ""))
        curve = row.get("curve") or {}
        estimate = curve.get(kind)
        if not curve.get("time") or estimate is None:
            reason = "withheld: small cell" if row.get("withheld") else "no curve"
            handles.append(Line2D([], [], color=WITHHELD_COLOUR, linestyle=":", label=f"{label} ({reason})"))
            continue
        years = np.asarray(curve["time"], dtype=float) / DAYS_PER_YEAR
        values = _floats(estimate)
        (line,) = axes.step(years, values, where="post", color=colour, linewidth=1.6, label=label)
        lower, upper = curve.get(f"{kind}_lower"), curve.get(f"{kind}_upper")
        if lower is not None and upper is not None:
            axes.fill_between(
                years, _floats(lower), _floats(upper), step="post", color=colour, alpha=0.15, linewidth=0
            )
        handles.append(line)
        longest = max(longest, float(years[-1]))

    axes.set_xlim(0, math.ceil(longest) + 0.2)
    axes.set_xticks(range(0, math.ceil(longest) + 1))
    axes.legend(handles=handles, loc="best", frameon=False, fontsize=9)
    if (table.get("released") or {}).get("k"):
        k = table["released"]["k"]
        figure.text(
            0.99,
            0.005,
            f"Curves stop where fewer than {k} remain at risk; counts 1-{k - 1} show as <{k}.",
            ha="right",
            va="bottom",
            fontsize=7,
            color="#555555",
        )
    _numbers_at_risk(figure, axes, rows)
    return figure


def plotted_rows(table: dict) -> list[dict]:
    """The stratum's levels, or only "all" when the stratum has one level; none when nobody is at risk."""
    rows = table.get("rows") or []
    drawn = rows[1:] if len(rows) > 2 else rows[:1]
    if all(row.get("at_risk") in (0, None) and not row.get("curve") for row in drawn):
        return []
    return drawn


def _numbers_at_risk(figure: Figure, axes, rows: list[dict]) -> None:
    """The table of numbers at risk at 0, 1, 2 and 5 years, aligned with the x axis."""
    line_height = 0.28 / figure.get_figheight()  # in figure fraction, one line of small text
    table_height = line_height * (len(rows) + 1)
    figure.subplots_adjust(left=0.14, right=0.97, top=0.92, bottom=0.14 + table_height)
    below = blended_transform_factory(axes.transData, figure.transFigure)
    label_column = blended_transform_factory(figure.transFigure, figure.transFigure)
    top = 0.055 + table_height
    figure.text(
        0.01, top, "Number at risk", transform=label_column, fontsize=8, fontweight="bold", va="center"
    )
    for number, row in enumerate(rows):
        y = top - line_height * (number + 1)
        colour = COLOURS[number % len(COLOURS)]
        label = str(row.get("level_label") or row.get("level", ""))
        label = label if len(label) <= 16 else label[:15] + "…"  # the legend carries the whole name
        figure.text(0.01, y, label, transform=label_column, fontsize=8, color=colour, va="center")
        at_risk = row.get("numbers_at_risk") or {}
        for year in AT_RISK_YEARS:
            value = at_risk.get(year)
            figure.text(
                float(year),
                y,
                "–" if value is None else str(value),
                transform=below,
                fontsize=8,
                ha="center",
                va="center",
            )


def _floats(values: list) -> np.ndarray:
    return np.array([np.nan if value is None else float(value) for value in values], dtype=float)
