"""Evolution maths for yearly series: changes, base-100 indices, per-inhabitant series, breaks.

Pure functions over pandas Series indexed by year (int). A missing value is NaN and stays NaN:
nothing here interpolates or fills a gap, so a chart shows a hole where the source has none.
`series_from_frame` turns store rows (`year`, `value`, `status`) into such a Series.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


def series_from_frame(frame: pd.DataFrame) -> pd.Series:
    """Return the values of store rows as a float Series indexed by year, NaN unless `ok`.

    `frame` contains one territory and one indicator: columns `year`, `value` and optionally
    `status`. Years are sorted ascending.
    """
    if frame.empty:
        return pd.Series(dtype="float64", name="value")
    values = pd.to_numeric(frame["value"], errors="coerce").astype("float64")
    if "status" in frame.columns:
        values = values.where(frame["status"].astype(str) == "ok")
    years = frame["year"].astype(int)
    if years.duplicated().any():
        duplicated = sorted(years[years.duplicated()].unique())
        raise ValueError(f"series_from_frame: several rows for the years {duplicated}; "
                         "select one territory and one indicator first")
    series = pd.Series(values.to_numpy(), index=years.to_numpy(), name="value")
    return series.sort_index()


def _value_at(series: pd.Series, year: int) -> float | None:
    if year not in series.index:
        return None
    value = series.loc[year]
    if value is None or pd.isna(value):
        return None
    return float(value)


def annual_rate(start_value: float, end_value: float, years: float) -> float | None:
    """Return the average annual rate of change in percent per year (compound growth).

    `((end / start) ** (1 / years) - 1) * 100`. None when the rate is undefined: a start or
    end value that is not positive, or a period that is not positive.
    """
    if years <= 0 or start_value is None or end_value is None:
        return None
    if start_value <= 0 or end_value <= 0:
        return None
    return ((end_value / start_value) ** (1.0 / years) - 1.0) * 100.0


@dataclass(frozen=True)
class Change:
    """The change of a series between two years.

    `absolute`, `percent` and `annual_rate` are None when a value is missing or when the
    measure is undefined (percent from a zero start, rates on non-positive values).
    `breaks` lists the break years inside the period (start excluded, end included), so a
    caller can warn that the two values are not strictly comparable.
    """

    start: int
    end: int
    start_value: float | None
    end_value: float | None
    absolute: float | None
    percent: float | None
    annual_rate: float | None
    breaks: tuple[int, ...] = field(default_factory=tuple)

    @property
    def complete(self) -> bool:
        return self.start_value is not None and self.end_value is not None

    def as_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "start_value": self.start_value,
                "end_value": self.end_value, "absolute": self.absolute, "percent": self.percent,
                "annual_rate": self.annual_rate, "breaks": list(self.breaks)}


def change_between(series: pd.Series, start: int, end: int,
                   breaks: tuple[int, ...] | list[int] = ()) -> Change:
    """Return the absolute, percent and average annual change of `series` from `start` to `end`.

    Raises ValueError when `end` is not after `start`. A year absent from the series, or
    present with NaN, gives a Change whose measures are None; no neighbouring year is used.
    """
    start, end = int(start), int(end)
    if end <= start:
        raise ValueError(f"change_between: the end year {end} must be after the start year {start}")
    first, last = _value_at(series, start), _value_at(series, end)
    inside = tuple(sorted(int(y) for y in breaks if start < int(y) <= end))
    if first is None or last is None:
        return Change(start, end, first, last, None, None, None, inside)
    absolute = last - first
    percent = (absolute / first * 100.0) if first != 0 else None
    rate = annual_rate(first, last, end - start)
    return Change(start, end, first, last, absolute, percent, rate, inside)


def index_base100(series: pd.Series, base_year: int) -> pd.Series:
    """Return the series as an index, 100 in `base_year`; gaps stay NaN.

    Raises ValueError when the base year has no positive value, because an index on a missing
    or zero base means nothing.
    """
    base = _value_at(series, int(base_year))
    if base is None or base <= 0:
        raise ValueError(f"index_base100: the base year {base_year} has no positive value "
                         f"(value: {base}); choose a year with data")
    return (series.astype("float64") / base * 100.0).rename("index")


def nearest_vintage(year: int, vintages) -> int | None:
    """Return the vintage closest to `year`; on a tie, the earlier one (the figure in force).

    None when `vintages` is empty.
    """
    candidates = sorted(int(v) for v in vintages)
    if not candidates:
        return None
    return min(candidates, key=lambda v: (abs(v - int(year)), v))


def per_inhabitant(values: pd.Series, population: pd.Series, factor: float = 1.0,
                   max_distance: int | None = None) -> pd.DataFrame:
    """Divide each year's value by the population of the same year, or the nearest vintage.

    Returns one row per year of `values`: `year`, `value`, `population`, `population_year`
    (the vintage used), `same_year` (True when it is the year itself) and `per_inhabitant`
    (`value / population * factor`, e.g. factor 10 000 for a rate per 10 000 inhabitants).
    Only population vintages with a positive value are candidates. With `max_distance`, a
    vintage further away than that many years is not used and the row has no ratio.
    """
    available = population.dropna()
    available = available[available > 0]
    rows = []
    for year, value in values.items():
        vintage = nearest_vintage(int(year), available.index)
        if vintage is not None and max_distance is not None and abs(vintage - int(year)) > max_distance:
            vintage = None
        people = float(available.loc[vintage]) if vintage is not None else None
        ratio = None
        if people is not None and value is not None and not pd.isna(value):
            ratio = float(value) / people * factor
        rows.append({"year": int(year), "value": None if pd.isna(value) else float(value),
                     "population": people, "population_year": vintage,
                     "same_year": vintage == int(year), "per_inhabitant": ratio})
    frame = pd.DataFrame(rows, columns=["year", "value", "population", "population_year",
                                        "same_year", "per_inhabitant"])
    frame["population_year"] = frame["population_year"].astype("Int64")
    for column in ("value", "population", "per_inhabitant"):
        frame[column] = frame[column].astype("float64")
    return frame


def break_applies(item: dict, levels) -> bool:
    """True when a series break concerns at least one of `levels` (every level when None).

    A break without `levels` in the catalogue concerns every level; one with `levels` (such as
    Corsica entering the France total) only those.
    """
    scope = item.get("levels")
    if not scope or levels is None:
        return True
    return bool(set(scope) & set(levels))


def break_years(indicator, level: str | None = None) -> list[int]:
    """Return the years where the series of a catalogue indicator changes definition or source.

    Read from the catalogue field `series_breaks`, keeping the breaks that concern `level`. A
    break year is the first year of the new definition, so a chart draws its mark just before
    that point.
    """
    levels = None if level is None else [level]
    return sorted(int(item["year"]) for item in getattr(indicator, "series_breaks", ()) or ()
                  if break_applies(item, levels))


def breaks_with_labels(indicator, lang: str | None = None, levels=None) -> list[dict]:
    """Return `{year, label, levels}` for each break concerning `levels`, labels in `lang`."""
    from atlas.i18n import localized

    return [{"year": int(item["year"]), "label": localized(item["label"], lang),
             "levels": tuple(item.get("levels") or ())}
            for item in sorted(getattr(indicator, "series_breaks", ()) or (),
                               key=lambda item: int(item["year"]))
            if break_applies(item, levels)]


def vintage_gaps(years, expected_step: int = 1) -> list[tuple[int, int]]:
    """Return the (before, after) pairs of consecutive years further apart than `expected_step`.

    A chart uses it to leave the line open across a missing vintage instead of joining the
    two points as if the years between had been observed.
    """
    ordered = sorted(int(y) for y in years)
    return [(a, b) for a, b in zip(ordered, ordered[1:]) if b - a > expected_step]
