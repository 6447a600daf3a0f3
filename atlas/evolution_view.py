"""Data of the Évolution view: one line per territory and reference, in the chosen mode.

The maths of changes, indices and per-inhabitant ratios live in `atlas.evolution`. This module
picks the rows out of the store and lays them on the years of the indicator, so that a missing
year stays a gap. It then applies the mode and assembles the table that the page and the
exports share (`evolution_table`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from atlas import config, store
from atlas.catalogue import Indicator, load_catalogue
from atlas.evolution import (annual_rate, break_years, breaks_with_labels, index_base100,
                             per_inhabitant, series_from_frame)
from atlas.evolution_params import POPULATION_ID, EvolutionParams, indicator_years, parse_params
from atlas.evolution_gaps import year_ranges
from atlas.formatting import format_number
from atlas.i18n import t

log = logging.getLogger(__name__)

# Level of the parent drawn as the reference line of a territory. The next level is tried when
# the territory straddles two parents (an EPCI over two départements has no single département).
PARENT_LEVELS = {
    "commune": ("departement", "region"),
    "epci": ("departement", "region"),
    "aav": ("departement", "region"),
    "zone_emploi": ("departement", "region"),
    "departement": ("region",),
    "region": (),
    "france": (),
}
# Ratios are shown per inhabitant when the median ratio of the chart is at least 0.1 (0.9
# museum visits per inhabitant). Otherwise they are shown per 1 000, 10 000 or 100 000
# inhabitants, with the smallest factor that lifts the median ratio to 1 or more.
PER_INHABITANT_FACTORS = (1, 1_000, 10_000, 100_000)
MIN_RATIO_PER_INHABITANT = 0.1
# A population vintage further than this from the year of the value is not used as denominator.
MAX_POPULATION_DISTANCE = 5


@dataclass
class Line:
    """One series of the chart: a selected territory or a reference (parent, France).

    `frame` has one row per year of the indicator at the territory's level within the period:
    `year`, `value` (NaN unless the status is ok), `status`, `measure` (the value in the chosen
    mode), and in per-inhabitant mode `population` and `population_year`.
    """

    level: str
    code: str
    name: str
    role: str
    frame: pd.DataFrame

    @property
    def key(self) -> str:
        return f"{self.level}:{self.code}"


@dataclass
class EvolutionData:
    """Lines of the view, with the breaks and warnings that the page shows about them."""

    state: EvolutionParams
    indicator: Indicator
    lines: list[Line]
    factor: int = 1
    breaks: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def territory_lines(self) -> list[Line]:
        return [line for line in self.lines if line.role == "territory"]

    @property
    def reference_lines(self) -> list[Line]:
        return [line for line in self.lines if line.role != "territory"]


def _as_params(params) -> EvolutionParams:
    if isinstance(params, EvolutionParams):
        return params
    return parse_params(params)


@lru_cache(maxsize=48)
def _level_arrays(indicator_id: str, level: str, stamp: str) -> tuple[np.ndarray, ...]:
    """Return the codes (sorted), years, values and statuses of one indicator at one level.

    A territory's rows are then a slice found by binary search, instead of a filter over the
    whole level (1.3 million rows for the commune populations). `stamp` is the build stamp.
    """
    frame = store.indicator_frame(indicator_id)
    frame = frame[frame["level"] == level]
    codes = frame["code"].astype(str).to_numpy(dtype=object)
    order = np.argsort(codes, kind="stable")
    values = pd.to_numeric(frame["value"], errors="coerce").to_numpy(dtype="float64")
    return (codes[order], frame["year"].to_numpy(dtype="int64")[order], values[order],
            frame["status"].astype(str).to_numpy(dtype=object)[order])


def level_years(indicator_id: str, level: str, start: int | None = None,
                end: int | None = None) -> list[int]:
    """Return the years with values of the indicator at `level`, within [start, end] if given."""
    years = indicator_years(indicator_id, level)
    return [y for y in years if (start is None or y >= start) and (end is None or y <= end)]


def territory_frame(indicator_id: str, level: str, code: str, start: int | None = None,
                    end: int | None = None) -> pd.DataFrame:
    """Return `year`, `value`, `status` of one territory on every year of its level.

    A year of the level without a row for this territory gets the status `missing`, so that
    the chart leaves a gap there instead of joining its neighbours.
    """
    codes, years, values, statuses = _level_arrays(indicator_id, level, store.build_stamp())
    first, last = np.searchsorted(codes, code, "left"), np.searchsorted(codes, code, "right")
    rows = pd.DataFrame({"year": years[first:last], "value": values[first:last],
                         "status": statuses[first:last]})
    grid = pd.DataFrame({"year": np.asarray(level_years(indicator_id, level, start, end), dtype="int64")})
    merged = grid.merge(rows, on="year", how="left")
    merged["status"] = merged["status"].fillna("missing").astype(object)
    merged["value"] = merged["value"].astype("float64").where(merged["status"] == "ok")
    return merged[["year", "value", "status"]]


def annual_change_series(series: pd.Series, breaks: list[int] | tuple[int, ...] = ()) -> pd.Series:
    """Return, for each year, the average annual rate (% per year) since the previous vintage.

    The previous vintage is the previous year of the index (the index lists every vintage, a
    gap being NaN). The rate is NaN for the first year, when either value is missing, when
    either is not positive, and across a series break, because two definitions do not make a
    rate.
    """
    ordered = series.sort_index()
    years = [int(year) for year in ordered.index]
    rates = [np.nan]
    for previous, current in zip(years, years[1:]):
        crosses_break = any(previous < year <= current for year in breaks)
        before, after = ordered.loc[previous], ordered.loc[current]
        rate = None
        if not crosses_break and not pd.isna(before) and not pd.isna(after):
            rate = annual_rate(float(before), float(after), current - previous)
        rates.append(np.nan if rate is None else rate)
    return pd.Series(rates, index=ordered.index, dtype="float64", name="annual_change")


def per_inhabitant_factor(ratios: list[float]) -> int:
    """Pick the factor of the ratios: 1 when their median is at least 0.1, else the smallest of
    1 000, 10 000 and 100 000 that brings the median to 1 or more."""
    positive = [value for value in ratios if value is not None and not pd.isna(value) and value > 0]
    if not positive:
        return 1
    median = float(np.median(positive))
    if median >= MIN_RATIO_PER_INHABITANT:
        return 1
    for factor in PER_INHABITANT_FACTORS[1:]:
        if median * factor >= 1:
            return factor
    return PER_INHABITANT_FACTORS[-1]


def parent_of(level: str, code: str) -> tuple[str, str] | None:
    """Return the (level, code) of the territory's parent reference, or None (France, région)."""
    row = store.territory(level, code)
    if row is None:
        return None
    for parent_level in PARENT_LEVELS.get(level, ()):
        parent_code = row.get(parent_level)
        if parent_code is not None and not pd.isna(parent_code) \
                and store.territory(parent_level, str(parent_code)) is not None:
            return parent_level, str(parent_code)
    return None


def territory_name(level: str, code: str, lang: str | None = None) -> str:
    if level == "france":
        return t("common.level_france", lang)
    row = store.territory(level, code)
    return code if row is None else str(row["name"])


def _references(state: EvolutionParams) -> list[tuple[str, str, str]]:
    """List the (level, code, role) of the requested reference lines, without repeats."""
    selected = set(state.territories)
    found: list[tuple[str, str, str]] = []
    if "parent" in state.refs:
        for level, code in state.territories:
            parent = parent_of(level, code)
            if parent and parent not in selected and all(parent != item[:2] for item in found):
                found.append((*parent, "parent"))
    if "france" in state.refs and ("france", config.FRANCE_CODE) not in selected:
        found.append(("france", config.FRANCE_CODE, "france"))
    return found


def _apply_per_inhabitant(frame: pd.DataFrame, level: str, code: str) -> pd.DataFrame:
    """Add population, population_year and the raw ratio (per 1 inhabitant) to a line frame."""
    population_rows = territory_frame(POPULATION_ID, level, code)
    population = series_from_frame(population_rows)
    values = pd.Series(frame["value"].to_numpy(), index=frame["year"].to_numpy())
    ratios = per_inhabitant(values, population, factor=1.0, max_distance=MAX_POPULATION_DISTANCE)
    frame = frame.assign(population=ratios["population"].to_numpy(),
                         population_year=ratios["population_year"].to_numpy(),
                         measure=ratios["per_inhabitant"].to_numpy())
    return frame


def _apply_mode(frame: pd.DataFrame, state: EvolutionParams, level: str, code: str,
                breaks: list[int], name: str, warnings: list[str]) -> pd.DataFrame:
    lang = state.lang
    values = pd.Series(frame["value"].to_numpy(), index=frame["year"].to_numpy(), dtype="float64")
    if state.mode == "per_inhabitant":
        return _apply_per_inhabitant(frame, level, code)
    if state.mode == "index":
        try:
            measure = index_base100(values, state.base_year)
        except ValueError:
            warnings.append(t("evolution.warning_index_base", lang, name=name, year=state.base_year))
            return frame.assign(measure=np.nan)
        return frame.assign(measure=measure.to_numpy())
    if state.mode == "annual_change":
        return frame.assign(measure=annual_change_series(values, breaks).to_numpy())
    return frame.assign(measure=frame["value"])


def build_evolution(params) -> EvolutionData:
    """Assemble every line of the view described by `params` (EvolutionParams or query dict)."""
    state = _as_params(params)
    indicator = load_catalogue().get(state.indicator)
    lang = state.lang
    warnings: list[str] = []
    lines: list[Line] = []
    wanted = [(level, code, "territory") for level, code in state.territories] + _references(state)

    for level, code, role in wanted:
        name = territory_name(level, code, lang)
        if not level_years(state.indicator, level):
            warnings.append(t("evolution.warning_level", lang, name=name,
                              level=t(f"common.level_{level}", lang)))
            continue
        # Annual changes need the vintage before the period to give its first year a rate.
        first_year = state.start
        if state.mode == "annual_change":
            earlier = level_years(state.indicator, level, end=state.start - 1)
            first_year = earlier[-1] if earlier else state.start
        frame = territory_frame(state.indicator, level, code, first_year, state.end)
        frame = _apply_mode(frame, state, level, code, break_years(indicator, level), name, warnings)
        frame = frame[frame["year"] >= state.start].reset_index(drop=True)
        if frame["value"].notna().sum() == 0:
            warnings.append(t("evolution.warning_no_values", lang, name=name,
                              start=state.start, end=state.end))
        lines.append(Line(level=level, code=code, name=name, role=role, frame=frame))

    factor = 1
    if state.mode == "per_inhabitant":
        ratios = [value for line in lines if line.role == "territory" for value in line.frame["measure"]]
        factor = per_inhabitant_factor(ratios)
        for line in lines:
            line.frame["measure"] = line.frame["measure"] * factor
        other_vintage = sorted({int(row.year) for line in lines for row in line.frame.itertuples(index=False)
                                if not pd.isna(row.measure) and row.population_year != row.year})
        if other_vintage:
            grid = level_years(state.indicator, lines[0].level) if lines else other_vintage
            warnings.append(t("evolution.warning_population_vintage", lang,
                              years=year_ranges(other_vintage, sorted(set(grid) | set(other_vintage))),
                              distance=MAX_POPULATION_DISTANCE))

    period_breaks = breaks_in_period(indicator, state.start, state.end, lang,
                                     levels=sorted({line.level for line in lines}))
    return EvolutionData(state=state, indicator=indicator, lines=lines, factor=factor,
                         breaks=period_breaks, warnings=warnings)


def breaks_in_period(indicator: Indicator, start: int, end: int, lang: str | None,
                     levels=None) -> list[dict]:
    """Return the series breaks concerning `levels` whose first year lies inside (start, end]."""
    return [item for item in breaks_with_labels(indicator, lang, levels) if start < item["year"] <= end]


def measure_label(data: EvolutionData, lang: str | None = None) -> str:
    """Return the name of the measure of the chosen mode: unit, ratio, index base or rate."""
    lang = lang or data.state.lang
    indicator = data.indicator
    mode = data.state.mode
    if mode == "per_inhabitant":
        key = "evolution.measure_per_inhabitant" if data.factor == 1 else "evolution.measure_per_n"
        # Counts have no unit word ("nombre" is empty): the indicator label names what is counted.
        what = indicator.unit_label(lang)
        if not what:
            label = indicator.text("label", lang)
            what = label[:1].lower() + label[1:]
        return t(key, lang, what=what, factor=format_number(data.factor, 0, lang))
    if mode == "index":
        return t("evolution.measure_index", lang, year=data.state.base_year)
    if mode == "annual_change":
        return t("evolution.measure_annual_change", lang)
    return indicator.unit_label(lang)


def measure_decimals(data: EvolutionData) -> int:
    """Return the decimals of the measure: the catalogue's for raw values, two for ratios per
    inhabitant (0,88 visite) and one for the other modes."""
    if data.state.mode == "raw":
        return data.indicator.decimals
    if data.state.mode == "per_inhabitant" and data.factor == 1:
        return 2
    return 1


def evolution_table(params) -> tuple[pd.DataFrame, list[dict]]:
    """Return the series of the view in long form and its metadata rows, for CSV and XLSX.

    Columns: `level`, `code`, `name`, `role` (territory, parent or france), `year`, `value`
    (raw value, empty unless the status is ok), `status`, then `measure` with the value in the
    chosen mode (omitted in raw mode), and in per-inhabitant mode `population` and
    `population_year`. The metadata rows describe the indicator, the mode and the breaks.
    """
    data = build_evolution(params)
    state = data.state
    lang = state.lang
    parts = []
    for line in data.lines:
        frame = line.frame.copy()
        frame.insert(0, "role", line.role)
        frame.insert(0, "name", line.name)
        frame.insert(0, "code", line.code)
        frame.insert(0, "level", line.level)
        parts.append(frame)
    columns = ["level", "code", "name", "role", "year", "value", "status"]
    if state.mode != "raw":
        columns.append("measure")
    if state.mode == "per_inhabitant":
        columns += ["population", "population_year"]
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    table = table[columns]

    indicator = data.indicator
    metadata = [{
        "indicator": indicator.id,
        "label": indicator.text("label", lang),
        "unit": indicator.unit_label(lang),
        "definition": indicator.text("definition", lang),
        "source": indicator.text("source", lang),
        "period": f"{state.start}-{state.end}",
        "mode": t(f"evolution.mode_{state.mode}", lang),
        "measure": measure_label(data, lang) if state.mode != "raw" else "",
        "series_breaks": "; ".join(f"{item['year']}: {item['label']}" for item in data.breaks),
        "notes": " ".join(data.warnings),
    }]
    return table, metadata
