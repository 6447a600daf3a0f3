"""Texts of the comparison for people: values, differences, indices and why a gap is missing.

Shared by the on-screen table and the charts so that both read the same. Numbers go through
`atlas.formatting` (French or English formats); a status other than `ok` shows its label.
"""

from __future__ import annotations

from atlas.compare_gaps import GAP_CATEGORICAL, GAP_INDEX_UNDEFINED, GAP_OK, GAP_VALUE_UNAVAILABLE, Gap
from atlas.formatting import format_number, format_value
from atlas.i18n import t

PERCENT_UNIT = "pourcent"


def value_text(indicator, value, status: str, category: str | None, lang: str) -> str:
    """Return the value with its unit, the category label, or the status label."""
    if indicator.is_categorical and status == "ok" and category is not None:
        return indicator.category_label(category, lang)
    return format_value(value, status, indicator.unit_label(lang), indicator.decimals, lang)


def difference_unit(indicator, lang: str) -> str:
    """Unit of a difference: percentage points for a percentage, else the indicator's unit."""
    if indicator.unit == PERCENT_UNIT:
        return t("comparer.unit_points", lang)
    return indicator.unit_label(lang)


def difference_text(indicator, difference: float | None, lang: str) -> str:
    """The difference with an explicit sign and its unit: "+12,5 € par habitant", "−0,8 pt"."""
    if difference is None:
        return ""
    number = format_number(difference, indicator.decimals, lang)
    if difference > 0 and number.strip("0,. ") != "":
        number = "+" + number
    unit = difference_unit(indicator, lang)
    return f"{number}\u00a0{unit}" if unit else number


def index_text(index: float | None, lang: str) -> str:
    return "" if index is None else format_number(index, 0, lang)


def gap_text(indicator, gap: Gap, lang: str) -> str:
    """One line under a value: the difference and the index, or why they are missing."""
    if gap.status == GAP_OK:
        return t("comparer.gap_line", lang, difference=difference_text(indicator, gap.difference, lang),
                 index=index_text(gap.index, lang))
    if gap.status == GAP_INDEX_UNDEFINED:
        return t("comparer.gap_line_no_index", lang,
                 difference=difference_text(indicator, gap.difference, lang))
    if gap.status in (GAP_CATEGORICAL, GAP_VALUE_UNAVAILABLE):
        return ""  # the value line already shows the category or the status
    # Every other status has a message of its own: comparer.gap_<status>.
    return t(f"comparer.gap_{gap.status}", lang)
