"""Build step `series`: multi-year values for the evolution and comparison views.

Writes the value families `series_population`, `series_musees`, `series_cinemas` and
`series_festivals`, the museum-level attendance `musees_frequentation.parquet`, the EPCI
perimeters by year `epci_perimeters.parquet`, and the findings in `quality/series.md`.

The catalogue drives the indicators: every entry with `input.loader: series` names a `source`
and a `measure`, and the step computes each measure of each source it finds there.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import pandas as pd

from atlas.catalogue import load_catalogue
from loaders.errors import BuildError
from loaders.series import communes as commune_tools
from loaders.series import epci_perimeters, festivals, museums, population
from loaders.series.cinemas import LIST_YEAR, read_establishments, read_national_admissions

log = logging.getLogger(__name__)

LOADER = "series"
MEASURES = {
    "population": ("population", "annual_rate"),
    "musees": ("total", "paid", "free", "open"),
    "cinemas": ("admissions", "screens", "seats", "national_admissions"),
    "festivals": ("stock",),
}
MUSEUM_FILES = {"old": ("musees", "frequentation-des-musees-de-france.csv"),
                "new": ("musees", "musees.csv")}
CINEMA_FILES = {"list": ("cinema", "etablissements-cinematographiques.csv"),
                "national": ("cinema", "frequentation-dans-les-salles-de-cinema.csv")}
FESTIVAL_FILE = ("offre-culturelle-misc", "festivals_nettoye.csv")


def series_indicators(catalogue) -> dict[str, dict[str, object]]:
    """Return {source: {measure: indicator}} for the catalogue entries of this loader."""
    found: dict[str, dict[str, object]] = {}
    for indicator in catalogue:
        spec = indicator.input
        if spec.get("loader") != LOADER:
            continue
        source, measure = spec.get("source"), spec.get("measure")
        if measure not in MEASURES.get(source, ()):
            raise BuildError(f"catalogue entry '{indicator.id}': unknown source/measure "
                             f"'{source}'/'{measure}'; expected one of {MEASURES}.",
                             file=indicator.file, fix="correct `input.source` or `input.measure`.")
        found.setdefault(source, {})[measure] = indicator
    return found


class Context:
    """Inputs shared by the families: territories, crosswalk and the code mapper."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.territories = ctx.read_parquet("territories.parquet")
        self.crosswalk = ctx.read_parquet("crosswalk.parquet")
        self.mapper = commune_tools.CodeMapper(self.crosswalk)
        self.communes = pd.Index(sorted(
            self.territories.loc[self.territories["level"] == "commune", "code"].astype(str)))
        self.arrondissements = pd.Index(sorted(self.territories.loc[
            self.territories["level"] == "arrondissement_municipal", "code"].astype(str)))
        self.report: list[str] = ["## Séries longues / Long time series", ""]

    def place(self, frame: pd.DataFrame, code_column: str, label: str) -> pd.DataFrame:
        """Add the 2025 commune of each row (`commune_2025`); report and drop the unplaced."""
        mapped = self.mapper.map(frame[code_column])
        frame = frame.assign(commune_2025=mapped["new_code"], change_type=mapped["change_type"])
        unplaced = frame[frame["commune_2025"].isna()]
        if len(unplaced):
            self.report.append(commune_tools.describe_unmapped(unplaced, code_column, label))
        return frame[frame["commune_2025"].notna()]


def run(ctx) -> None:
    started = time.perf_counter()
    indicators = series_indicators(load_catalogue())
    shared = Context(ctx)

    timings = {}
    for name, build in (("population", _population), ("musees", _museums),
                        ("cinemas", _cinemas), ("festivals", _festivals),
                        ("epci", _epci_perimeters)):
        wall, cpu = time.perf_counter(), time.process_time()
        build(shared, indicators.get(name, {}))
        timings[name] = (time.perf_counter() - wall, time.process_time() - cpu)
        log.info("series %s built in %.1f s (CPU %.1f s)", name, *timings[name])

    total = time.perf_counter() - started
    shared.report.append("")
    shared.report.append("- Build time, wall (CPU): " + ", ".join(
        f"{name} {wall:.1f} s ({cpu:.1f} s)" for name, (wall, cpu) in timings.items())
        + f"; total {total:.1f} s.")
    ctx.report("series", "\n".join(shared.report))
    log.info("series built in %.1f s", total)


# --- Population ---------------------------------------------------------------------------------

def _population(shared: Context, measures: dict) -> None:
    if not measures:
        return
    vintages, checks = population.read_vintages(shared.ctx.raw, set(shared.arrondissements))
    snapshots = population.read_snapshots(shared.ctx.raw)
    result = population.build_population(vintages, shared.crosswalk, shared.territories,
                                          snapshots)
    parts = []
    if "population" in measures:
        parts.append(commune_tools.value_rows(measures["population"].id, None, result.rows))
    if "annual_rate" in measures:
        indicator = measures["annual_rate"]
        periods = [tuple(int(y) for y in pair) for pair in indicator.input.get("periods", [])]
        if not periods:
            raise BuildError(f"catalogue entry '{indicator.id}': `input.periods` is empty.",
                             file=indicator.file, fix="list the [start, end] vintages to store.")
        rates = population.annual_rates(result.rows, periods)
        parts.append(commune_tools.value_rows(indicator.id, None, rates))
    shared.ctx.write_values("series_population", pd.concat(parts, ignore_index=True))

    report = shared.report
    report += ["### Population", ""]
    concepts = pd.Series(result.concepts)
    for concept, years in concepts.groupby(concepts):
        report.append(f"- {concept}: {', '.join(str(y) for y in years.index)}.")
    report.append("- Vintage 2018: in no source, so absent (not interpolated).")
    report += checks
    france = result.rows[result.rows["level"] == "france"].set_index("year")["status"]
    runs: dict[tuple, list[int]] = {}
    for year, codes in result.excluded_from_france.items():
        if codes:
            runs.setdefault((tuple(codes), france.get(year, "missing")), []).append(year)
    for (codes, status), years in runs.items():
        what = ("the France total is the sum of the other départements" if status == "ok"
                else "the France total is missing because one of them is partly covered")
        report.append(f"- {', '.join(str(y) for y in years)}: départements {', '.join(codes)} "
                      f"without a complete figure; {what}.")
    report += result.findings
    report.append("")


# --- Museums ------------------------------------------------------------------------------------

def _museums(shared: Context, measures: dict) -> None:
    if not measures:
        return
    shared.report += ["### Musées de France", ""]
    raw = shared.ctx.raw
    old = museums.read_old_format(raw(*MUSEUM_FILES["old"]))
    new = museums.read_current_format(raw(*MUSEUM_FILES["new"]))
    choice = museums.choose_per_year(old, new)
    kept = shared.place(choice.museums, "commune", "museums")
    shared.ctx.write_parquet(kept.drop(columns=["change_type"]), "musees_frequentation.parquet")

    reported = kept["reporting"] == museums.REPORTED
    closed = kept["reporting"] == museums.CLOSED
    lead_reported = set(zip(kept.loc[reported, "museum"], kept.loc[reported, "year"]))
    lead_open = np.array([pd.isna(lead) or (lead, year) in lead_reported
                          for lead, year in zip(kept["grouped_with"], kept["year"])], dtype=bool)
    grouped_open = (kept["reporting"] == museums.GROUPED) & lead_open
    years = sorted(kept["year"].unique())

    def rows(value: pd.Series, keep: pd.Series) -> pd.DataFrame:
        # Closed museums count 0; museums counted in another one are left out; the others
        # without a figure are missing.
        frame = kept[keep]
        value = value[keep]
        status = pd.Series("missing", index=frame.index)
        status[value.notna()] = "ok"
        return pd.DataFrame({"commune": frame["commune_2025"], "year": frame["year"],
                             "value": value, "status": status})

    not_grouped = kept["reporting"] != museums.GROUPED
    figures = {
        "total": (kept["total"].where(reported, 0.0).where(reported | closed), not_grouped),
        "paid": (kept["paid"].where(reported, 0.0).where(reported | closed), not_grouped),
        "free": (kept["free"].where(reported, 0.0).where(reported | closed), not_grouped),
        "open": ((reported | grouped_open).astype(float), pd.Series(True, index=kept.index)),
    }
    parts = []
    for measure, indicator in measures.items():
        value, keep = figures[measure]
        commune_frame = commune_tools.commune_totals(rows(value, keep), shared.communes, years)
        parts.append(commune_tools.all_levels(indicator.id, commune_frame, shared.territories))
    shared.ctx.write_values("series_musees", pd.concat(parts, ignore_index=True))
    _museum_report(shared, old, new, choice, kept)


def _museum_report(shared: Context, old, new, choice, kept) -> None:
    report = shared.report
    report += [f"- Files kept: older export for {old['year'].min()}-"
               f"{museums.NEW_FORMAT_FROM - 1}, current export for {museums.NEW_FORMAT_FROM}-"
               f"{new['year'].max()}.",
               "- Years covered by both files, museums with a figure in each and how they agree "
               "(totals in visits):", "",
               "| year | total older | total current | museums older | museums current | "
               "same figure | different figure | only older | only current |",
               "|---|---|---|---|---|---|---|---|---|"]
    for row in choice.comparison.itertuples(index=False):
        report.append(f"| {row.year} | {row.total_old:,.0f} | {row.total_new:,.0f} | "
                      f"{row.museums_old} | {row.museums_new} | {row.same} | {row.different} | "
                      f"{row.only_old} | {row.only_new} |")
    report.append("")
    report.append(f"- Current export: {new.attrs.get('derived_totals', 0)} totals derived from paid "
                  f"+ free visits, {new.attrs.get('multiplied_totals', 0)} totals that were 2 or 4 "
                  f"times paid + free replaced by paid + free.")
    for name, frame in (("older", old), ("current", new)):
        for note in frame.attrs.get("duplicates", []):
            report.append(f"- Duplicated row in the {name} export: {note}.")
    relocated = choice.museums.attrs.get("relocated", [])
    if relocated:
        sources = shared.mapper.map(pd.Series([ref_commune for _, ref_commune, _ in relocated]))
        targets = shared.mapper.map(pd.Series([commune for _, _, commune in relocated]))
        moved = [f"{museum} ({ref} → {commune})" for (museum, ref, commune), a, b in
                 zip(relocated, sources["new_code"], targets["new_code"]) if str(a) != str(b)]
        report.append(f"- {len(moved)} museums of the older export placed in the commune given by "
                      f"the current export, not the one in their ref: {', '.join(moved)}.")
    counts = kept.groupby("reporting").size().to_dict()
    report.append(f"- Museum-years kept by reporting status: {counts}.")
    report.append("")


# --- Cinemas ------------------------------------------------------------------------------------

def _cinemas(shared: Context, measures: dict) -> None:
    if not measures:
        return
    shared.report += ["### Cinémas / Cinemas", ""]
    raw = shared.ctx.raw
    cinemas = shared.place(read_establishments(raw(*CINEMA_FILES["list"])), "commune", "cinemas")
    columns = {"admissions": "admissions", "screens": "screens", "seats": "seats"}
    parts = []
    for measure, indicator in measures.items():
        if measure == "national_admissions":
            national = read_national_admissions(raw(*CINEMA_FILES["national"]))
            parts.append(commune_tools.value_rows(indicator.id, "france", national.assign(
                code="FR", value=national["admissions"], status="ok")))
            continue
        frame = cinemas
        if measure != "admissions":
            # Screens and seats are those of the list's year; one row per cinema.
            frame = cinemas[cinemas["year"] == LIST_YEAR]
        value = frame[columns[measure]]
        rows = pd.DataFrame({"commune": frame["commune_2025"], "year": frame["year"],
                             "value": value, "status": np.where(value.notna(), "ok", "missing")})
        years = sorted(frame["year"].unique())
        commune_frame = commune_tools.commune_totals(rows, shared.communes, years)
        parts.append(commune_tools.all_levels(indicator.id, commune_frame, shared.territories))
        # Paris, Lyon and Marseille cinemas carry the code of their arrondissement.
        arm = rows.assign(commune=frame["commune"])
        arm_frame = commune_tools.commune_totals(arm, shared.arrondissements, years)
        parts.append(commune_tools.value_rows(indicator.id, "arrondissement_municipal", arm_frame))
    shared.ctx.write_values("series_cinemas", pd.concat(parts, ignore_index=True))

    without_2021 = cinemas[(cinemas["year"] == 2021) & cinemas["admissions"].isna()]
    shared.report += [f"- {cinemas['cinema'].nunique()} cinemas active in {LIST_YEAR}; "
                      f"{len(without_2021)} without 2021 admissions (not estimated).",
                      f"- Admissions summed from the list: "
                      + ", ".join(f"{y} {v:,.0f}" for y, v in
                                  cinemas.groupby("year")["admissions"].sum().items()) + ".", ""]


# --- Festivals ----------------------------------------------------------------------------------

def _festivals(shared: Context, measures: dict) -> None:
    indicator = measures.get("stock")
    if indicator is None:
        return
    if not indicator.years:
        raise BuildError(f"catalogue entry '{indicator.id}': `years` lists the stock years and is "
                         "empty.", file=indicator.file, fix="list the years to compute.")
    shared.report += ["### Festivals", ""]
    table = festivals.read_festivals(shared.ctx.raw(*FESTIVAL_FILE), latest=max(indicator.years))
    without_code = table[table["commune"].isna()]
    placed = shared.place(table.dropna(subset=["commune"]), "commune", "festivals")
    unreadable = placed[placed["creation_year"].isna() & placed["year_text"].notna()]
    no_year = placed[placed["year_text"].isna()]
    counted = placed.assign(commune=placed["commune_2025"])
    stock = festivals.stock_by_year(counted, indicator.years)
    rows = stock.assign(status="ok")
    commune_frame = commune_tools.commune_totals(rows, shared.communes, indicator.years)
    values = commune_tools.all_levels(indicator.id, commune_frame, shared.territories)
    shared.ctx.write_values("series_festivals", values)

    texts = unreadable["year_text"].value_counts()
    before = counted[counted["creation_year"] < min(indicator.years)]
    shared.report += [
        f"- {len(table)} festivals listed; {len(without_code)} without a commune code in their "
        f"identifier (left out); {len(no_year)} without a creation year and {len(unreadable)} "
        f"with an unreadable one (left out of the stock).",
        "- Unreadable creation years: " + "; ".join(f"« {text} » ({count})"
                                                    for text, count in texts.items()) + ".",
        f"- {len(before)} festivals created before {min(indicator.years)} are in every stock "
        f"year.", ""]


# --- EPCI perimeters ----------------------------------------------------------------------------

def _epci_perimeters(shared: Context, measures: dict) -> None:
    shared.report += ["### Périmètres des EPCI / EPCI perimeters", ""]
    members = epci_perimeters.read_all_members(shared.ctx.raw)
    placed = shared.place(members, "commune_source", "EPCI members")
    perimeters = pd.DataFrame({
        "year": placed["year"].astype("int16"), "epci": placed["epci"].astype(str),
        "epci_name": placed["epci_name"], "commune": placed["commune_2025"].astype(str),
        "commune_source": placed["commune_source"].astype(str)})
    perimeters = perimeters.sort_values(["year", "epci", "commune", "commune_source"])
    shared.ctx.write_parquet(perimeters.reset_index(drop=True), "epci_perimeters.parquet")

    twice = members[members.duplicated(["year", "commune_source"], keep=False)]
    split = (perimeters.groupby(["year", "commune"])["epci"].nunique()
             .loc[lambda s: s > 1])
    per_year = perimeters.groupby("year")["epci"].nunique()
    shared.report += [
        "- EPCI per year: " + ", ".join(f"{y} {n}" for y, n in per_year.items())
        + "; 2018 is in no source.",
        f"- {len(twice)} commune-years listed in two EPCI of the same year in the source.",
        f"- {len(split)} (year, 2025 commune) pairs whose former communes were in different EPCI "
        f"that year (the 2025 commune appears under each).", ""]
