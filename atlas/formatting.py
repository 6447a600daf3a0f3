"""Number formatting for people: French (1 234,5) or English (1,234.5), with statuses.

A value whose status is not `ok` is never formatted as a number: the status label is shown
instead ("secret statistique", "non publié"...), so that missing data never reads as zero.
"""

from __future__ import annotations

import math

from atlas.i18n import normalize_lang, t

NARROW_NBSP = "\u202f"  # French thousands separator (espace fine insécable)


def format_number(value: float | int | None, decimals: int = 0, lang: str | None = "fr") -> str:
    """Format a number with grouping and a fixed number of decimals; '' for None/NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = f"{value:,.{decimals}f}"
    if normalize_lang(lang) == "fr":
        text = text.replace(",", NARROW_NBSP).replace(".", ",")
        if text.startswith("-"):
            text = "\u2212" + text[1:]  # typographic minus sign
    return text


def format_value(value, status: str | None, unit_label: str = "", decimals: int = 0,
                 lang: str | None = "fr") -> str:
    """Format a value with its unit, or the label of its status when it is not `ok`."""
    if status and status != "ok":
        return t(f"common.status_{status}", lang)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return t("common.status_missing", lang)
    number = format_number(value, decimals, lang)
    if not unit_label:
        return number
    if unit_label in ("%", "€") and normalize_lang(lang) == "fr":
        return f"{number}\u00a0{unit_label}"
    if unit_label in ("%",):
        return f"{number}{unit_label}"
    return f"{number}\u00a0{unit_label}"


def format_percent_change(value: float | None, lang: str | None = "fr", decimals: int = 1) -> str:
    """Format a relative change with an explicit sign: +3,2 % or −1,0 %."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    sign = "+" if value > 0 else ""
    number = format_number(value, decimals, lang)
    return f"{sign}{number}\u00a0%" if normalize_lang(lang) == "fr" else f"{sign}{number}%"
