"""Gaps between a territory and a reference: difference, index (reference = 100), common year.

Pure functions over plain numbers and small frames. A value whose status is not `ok` never takes
part in a computation: the gap then carries a status saying why it is missing, so that a table
shows "référence non disponible" and never a zero or a made-up number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

# Gap statuses: the reason a gap has no value. `ok` means both the difference and the index are set.
GAP_OK = "ok"
# The difference is set but the index is not: the reference is zero or negative, the value is
# negative, or the unit has no true zero (a rate of change of 0,2 % is not half of 0,4 %).
GAP_INDEX_UNDEFINED = "index_undefined"
GAP_VALUE_UNAVAILABLE = "value_unavailable"
GAP_REFERENCE_UNAVAILABLE = "reference_unavailable"
# A count or an amount compared with a territory of another level (a commune's population
# against France's): the gap measures the size of the territories, not a difference of profile.
GAP_NOT_COMPARABLE = "not_comparable"
GAP_CATEGORICAL = "categorical"
GAP_IS_REFERENCE = "is_reference"
GAP_STATUSES = (GAP_OK, GAP_INDEX_UNDEFINED, GAP_VALUE_UNAVAILABLE, GAP_REFERENCE_UNAVAILABLE,
                GAP_NOT_COMPARABLE, GAP_CATEGORICAL, GAP_IS_REFERENCE)

# Units measured on an interval scale (no true zero): an index of one rate against another is
# meaningless, only the difference is given.
INTERVAL_UNITS = frozenset({"pourcent_par_an"})


@dataclass(frozen=True)
class Gap:
    """The gap of one value to the reference value of the same indicator and year.

    `difference` is `value - reference` in the unit of the indicator (percentage points for a
    percentage); `index` is `value / reference * 100`. `status` (one of the GAP_* constants)
    tells which of them are set.
    """

    status: str
    difference: float | None = None
    index: float | None = None

    @property
    def has_difference(self) -> bool:
        return self.difference is not None


def _number(value) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def index_to_reference(value: float, reference: float) -> float | None:
    """Return `value / reference * 100`, or None when the ratio has no meaning.

    A reference of zero or below gives None (division by zero, or a sign flip that would make
    a higher value read as lower), and so does a negative value.
    """
    if reference <= 0 or value < 0:
        return None
    return value / reference * 100.0


def compute_gap(value, status: str | None, reference_value, reference_status: str | None,
                comparable: bool = True, ratio_scale: bool = True) -> Gap:
    """Return the gap of (`value`, `status`) to (`reference_value`, `reference_status`).

    `comparable` is False for an additive indicator (count, amount) when the territory and the
    reference are of different levels. `ratio_scale` is False for a unit without a true zero,
    which keeps the difference and drops the index.
    """
    number = _number(value)
    if (status or "ok") != "ok" or number is None:
        return Gap(GAP_VALUE_UNAVAILABLE)
    if not comparable:
        return Gap(GAP_NOT_COMPARABLE)
    reference = _number(reference_value)
    if (reference_status or "ok") != "ok" or reference is None:
        return Gap(GAP_REFERENCE_UNAVAILABLE)

    difference = number - reference
    index = index_to_reference(number, reference) if ratio_scale else None
    return Gap(GAP_OK if index is not None else GAP_INDEX_UNDEFINED, difference, index)


def is_additive(indicator) -> bool:
    """Return True for a count or an amount (the catalogue aggregation rule `sum`)."""
    return indicator.aggregation.get("rule") == "sum"


def gap_comparable(indicator, level: str, reference_level: str) -> bool:
    """Return True when a gap between a territory of `level` and a reference of `reference_level`
    means something. It does for rates, shares, means and medians, but for counts and amounts
    only between territories of the same level."""
    if indicator.is_categorical:
        return False
    return not is_additive(indicator) or level == reference_level


def has_ratio_scale(indicator) -> bool:
    return indicator.unit not in INTERVAL_UNITS


def ok_years_by_level(frame: pd.DataFrame) -> dict[str, frozenset[int]]:
    """Return, for each level, the years with at least one `ok` value in the store rows `frame`
    (columns `level`, `year`, `status`) of one indicator."""
    if frame.empty:
        return {}
    ok = frame[frame["status"].astype(str) == "ok"]
    pairs = ok[["level", "year"]].drop_duplicates()
    years: dict[str, set[int]] = {}
    for level, year in zip(pairs["level"].astype(str), pairs["year"]):
        years.setdefault(level, set()).add(int(year))
    return {level: frozenset(found) for level, found in years.items()}


def latest_common_year(years_by_level: dict[str, frozenset[int]], levels) -> int | None:
    """Return the year used to compare territories of `levels` on one indicator.

    `years_by_level` comes from `ok_years_by_level`. The year is the latest one with an `ok`
    value at every level of `levels`, so that all columns show the same vintage. When the
    levels share no year, it is the latest year with an `ok` value at any of them. None when
    none of the levels has a value.
    """
    present = [years_by_level[level] for level in dict.fromkeys(levels) if level in years_by_level]
    if not present:
        return None
    common = frozenset.intersection(*present) if len(present) == len(set(levels)) else frozenset()
    if common:
        return max(common)
    return max(frozenset.union(*present))


def sort_key(gap: Gap | None) -> tuple[int, float]:
    """Return a key that sorts rows by index, rows without an index last in either direction."""
    if gap is not None and gap.index is not None:
        return (0, gap.index)
    return (1, 0.0)
