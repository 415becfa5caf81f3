"""Formatting of stored report figures: withheld figures show as a dash, hidden counts as their marker."""

from django import template

register = template.Library()
WITHHELD = "–"


@register.filter
def pct(value, digits=1):
    if value is None or value == "":
        return WITHHELD
    if isinstance(value, str):
        return value
    return f"{100 * float(value):.{int(digits)}f}%"


@register.filter
def num(value, digits=1):
    if value is None or value == "":
        return WITHHELD
    if isinstance(value, str) or isinstance(value, int):
        return value
    return f"{float(value):.{int(digits)}f}"


@register.filter
def pvalue(value):
    if value is None:
        return WITHHELD
    return "<0.001" if value < 0.001 else f"{value:.3f}"


@register.filter
def interval(cell, as_percent=True):
    """'12.3% (8.1–17.0)' from {"estimate", "lower", "upper"}; a dash when withheld."""
    if not isinstance(cell, dict) or cell.get("estimate") is None:
        return WITHHELD
    fmt = pct if as_percent else num
    low, high = cell.get("lower"), cell.get("upper")
    if low is None or high is None:
        return fmt(cell["estimate"])
    return f"{fmt(cell['estimate'])} ({fmt(low)}–{fmt(high)})"


@register.filter
def years(days):
    if days is None or isinstance(days, str):
        return WITHHELD if days is None else days
    return f"{float(days) / 365.25:.1f} y"
