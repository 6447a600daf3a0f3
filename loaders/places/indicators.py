"""Place-based indicator values, computed for every catalogue entry whose loader is `places`.

Each entry's `input.measure` sets how its commune values are made:

- `count`: places of `input.domain` (and `input.type`) per commune, 0 where there is none;
- `sum`: sum of a place column (`input.column`) per commune, 0 where there is none;
- `population_with_place`: the commune's population where it has at least one such place, else 0;
- `ratio`: the catalogue ratio of two other indicators at the commune (value = numerator /
  denominator x factor). A part from another family (population, cinema screens) is taken at
  the year `input.part_years` gives.

Levels above the commune come from `loaders.aggregate` with the entry's catalogue rule (ratios
are recomputed from summed parts). Arrondissements municipaux get counts, sums and, where the
other parts have arrondissement values, ratios.
"""

from __future__ import annotations

import logging

import pandas as pd

from atlas.catalogue import Catalogue, Indicator
from atlas.store_schema import VALUE_COLUMNS
from loaders.aggregate import aggregate, divide
from loaders.errors import BuildError

log = logging.getLogger(__name__)

BASE_LEVELS = ("commune", "arrondissement_municipal")
PLACE_COLUMN_OF_LEVEL = {"commune": "commune", "arrondissement_municipal": "arrondissement"}


def place_entries(catalogue: Catalogue) -> list[Indicator]:
    return [i for i in catalogue if i.input.get("loader") == "places"]


def _selected(places: pd.DataFrame, spec: dict) -> pd.DataFrame:
    mask = pd.Series(True, index=places.index)
    if spec.get("domain"):
        mask &= places["domain"] == spec["domain"]
    if spec.get("type"):
        mask &= places["type"] == spec["type"]
    return places[mask]


def _full_frame(codes: pd.Index, values: pd.Series) -> pd.DataFrame:
    """Return one ok row per territory code, with 0 where `values` has none."""
    filled = values.reindex(codes).fillna(0.0).astype("float64")
    return pd.DataFrame({"code": codes.astype(str), "value": filled.to_numpy(), "status": "ok"})


def external_parts(values: pd.DataFrame, indicator_ids: set[str]) -> dict[tuple, pd.DataFrame]:
    """Split another family's values of `indicator_ids` by (indicator, level, year).

    Each part is `code, value, status`. Splitting once avoids filtering the whole value store
    (millions of rows) for every ratio.
    """
    wanted = values[values["indicator"].isin(list(indicator_ids))]
    parts = {}
    for (indicator_id, level, year), rows in wanted.groupby(["indicator", "level", "year"],
                                                            observed=True, sort=False):
        parts[(str(indicator_id), str(level), int(year))] = (
            rows[["code", "value", "status"]].astype({"code": str, "status": str})
            .reset_index(drop=True))
    return parts


class PlaceIndicators:
    """Compute the values of every place entry of a catalogue."""

    def __init__(self, places: pd.DataFrame, territories: pd.DataFrame, catalogue: Catalogue,
                 external: pd.DataFrame):
        self.places = places
        self.territories = territories
        self.catalogue = catalogue
        self.codes = {level: pd.Index(territories.loc[territories["level"] == level, "code"].astype(str))
                      for level in BASE_LEVELS}
        self.entries = place_entries(catalogue)
        self.base: dict[tuple[str, str], pd.DataFrame] = {}
        self.own_ids = {i.id for i in self.entries}
        needed = {part for i in self.entries for part in i.input.get("part_years", {})} - self.own_ids
        self.external = external_parts(external, needed)

    def _part(self, indicator: Indicator, part_id: str, level: str) -> pd.DataFrame | None:
        """Return a ratio part at a base level: this family's own values, or another family's."""
        if part_id in self.own_ids:
            return self.base.get((part_id, level))
        year = indicator.input.get("part_years", {}).get(part_id)
        if year is None:
            raise BuildError(f"catalogue entry '{indicator.id}' needs '{part_id}', which is "
                             "neither a place indicator nor given a year in input.part_years.",
                             file=indicator.file, fix="add the part and its year to input.part_years.")
        frame = self.external.get((part_id, level, int(year)))
        if frame is None and level == "commune":
            raise BuildError(f"no commune values of '{part_id}' for {year}, needed by "
                             f"'{indicator.id}'.", file=indicator.file,
                             fix="run the step that writes it first, or change input.part_years.")
        return frame

    def _base_values(self, indicator: Indicator, level: str) -> pd.DataFrame | None:
        spec = indicator.input
        measure = spec.get("measure")
        codes = self.codes[level]
        column = PLACE_COLUMN_OF_LEVEL[level]
        selected = _selected(self.places, spec)
        if measure == "count":
            return _full_frame(codes, selected.groupby(column).size())
        if measure == "sum":
            return _full_frame(codes, selected.groupby(column)[spec["column"]].sum(min_count=1))
        if measure == "population_with_place":
            population = self._part(indicator, "population", level)
            if population is None:
                return None
            has_place = population["code"].isin(set(selected[column].dropna()))
            frame = population.copy()
            frame.loc[~has_place, "value"] = 0.0
            frame.loc[~has_place, "status"] = "ok"
            return frame
        if measure == "ratio":
            rule = indicator.aggregation
            numerator = self._part(indicator, rule["numerator"], level)
            denominator = self._part(indicator, rule["denominator"], level)
            if numerator is None or denominator is None:
                return None
            return divide(numerator, denominator, float(rule.get("factor", 1.0)))
        raise BuildError(f"unknown measure '{measure}' in catalogue entry '{indicator.id}'.",
                         file=indicator.file,
                         fix="use count, sum, population_with_place or ratio.")

    def _batches(self) -> list[list[Indicator]]:
        """Group the entries that `aggregate` can process in one call: same rule, factor, levels."""
        groups: dict[tuple, list[Indicator]] = {}
        for indicator in self.entries:
            rule = indicator.aggregation
            key = (rule.get("rule"), float(rule.get("factor", 1.0)), tuple(indicator.levels))
            groups.setdefault(key, []).append(indicator)
        return list(groups.values())

    def _aggregate_batch(self, batch: list[Indicator]) -> pd.DataFrame:
        """Aggregate a batch of entries from the commune to the levels above, in one call.

        `aggregate` aggregates each distinct `year` of its input separately, so the entries are
        stacked under a batch number carried in `year` and separated again afterwards. This
        runs the shared aggregation once per batch instead of once per indicator.
        """
        first = batch[0]
        rule = first.aggregation.get("rule")
        stacked: dict[str, list[pd.DataFrame]] = {"values": [], "numerator": [], "denominator": []}
        for number, indicator in enumerate(batch):
            if rule == "ratio":
                for name in ("numerator", "denominator"):
                    stacked[name].append(self._part(indicator, indicator.aggregation[name],
                                                    "commune").assign(year=number))
            else:
                stacked["values"].append(self.base[(indicator.id, "commune")].assign(year=number))
        frames = {name: pd.concat(items, ignore_index=True) if items else None
                  for name, items in stacked.items()}
        upper = [level for level in first.levels if level != "commune"]
        aggregated = aggregate(frames["values"], self.territories, rule, upper,
                               numerator=frames["numerator"], denominator=frames["denominator"],
                               factor=float(first.aggregation.get("factor", 1.0)))
        ids = {number: indicator.id for number, indicator in enumerate(batch)}
        years = {number: int(indicator.years[0]) for number, indicator in enumerate(batch)}
        out = aggregated[["level", "code", "value", "status"]].copy()
        out["indicator"] = aggregated["year"].map(ids)
        out["year"] = aggregated["year"].map(years)
        return out

    def compute(self) -> pd.DataFrame:
        """Return the long value frame of every place entry at every level."""
        # Plain measures first, then ratios, which read them.
        ordered = sorted(self.entries, key=lambda i: i.input.get("measure") == "ratio")
        for indicator in ordered:
            for level in BASE_LEVELS:
                frame = self._base_values(indicator, level)
                if frame is not None:
                    self.base[(indicator.id, level)] = frame

        parts = []
        for indicator in self.entries:
            year = int(indicator.years[0])
            for level in BASE_LEVELS:
                frame = self.base.get((indicator.id, level))
                if frame is not None:
                    parts.append(frame.assign(indicator=indicator.id, level=level, year=year))
        for batch in self._batches():
            parts.append(self._aggregate_batch(batch))
        if not parts:
            return pd.DataFrame(columns=list(VALUE_COLUMNS))
        values = pd.concat(parts, ignore_index=True)
        values["category"] = None
        values["value"] = values["value"].astype("float64").where(values["status"] == "ok")
        values["year"] = values["year"].astype("int64")
        return values[list(VALUE_COLUMNS)]
