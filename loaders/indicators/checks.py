"""Cross-checks between workbooks and against reference tables.

Each check returns a `Finding` (a title, Markdown lines and an anomaly count) for the quality
report. `check_totals` may also withhold a level whose figures the level above contradicts.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from loaders.aggregate import aggregate
from loaders.indicators.cells import normalize_code, parse_cell
from loaders.indicators.engine import Engine
from loaders.indicators.reader import codes_from_names
from loaders.indicators.workbook import Sheet, open_workbook
from loaders.series.epci_perimeters import ETALAB_EPCI_VERSIONS, read_etalab_members
from loaders.territories.sources import read_json

log = logging.getLogger(__name__)

# National gap between a lower level's sum and the level above beyond which the lower level is
# withheld: a few percent is ordinary (secrecy, rounding, vintages), a multiple is an error.
DEFAULT_WITHHOLD_GAP = 0.5
# Legal populations of the Etalab lists (decoupage-administratif): version -> population year.
LEGAL_POPULATIONS = {2016: "v0.7.0", 2019: "v1.1.1"}
MAX_LISTED = 12  # items listed in a report line before "and N more"


@dataclass
class Finding:
    """One section of the quality report."""

    title: str
    lines: list[str] = field(default_factory=list)
    anomalies: int = 0


def listing(items, limit: int = MAX_LISTED) -> str:
    """Join the first `limit` items with commas and say how many more there are."""
    items = list(items)
    shown = ", ".join(str(i) for i in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _fmt(number: float, digits: int = 0) -> str:
    return f"{number:,.{digits}f}".replace(",", " ")


def _pct(share: float) -> str:
    return f"{share * 100:.1f} %"


# -- totals of a lower level against the level above ---------------------------------------------

def check_totals(engine: Engine) -> Finding:
    """Compare sums of a lower level with the sheet of the level above, for sum indicators."""
    finding = Finding("Totaux d'un niveau contre le niveau supérieur / Lower-level totals "
                      "against the level above")
    pairs = (("commune", "departement"), ("departement", "region"))
    for indicator in engine.entries:
        if indicator.aggregation.get("rule") != "sum" or "workbook" not in indicator.input:
            continue
        sheets = indicator.input["sheets"]
        for lower, upper in pairs:
            if lower not in sheets or upper not in sheets:
                continue
            low = engine.values[(indicator.id, lower)].frame
            high = engine.values[(indicator.id, upper)].frame
            summed = aggregate(low, engine.territories, "sum", [upper], from_level=lower)
            joined = summed.merge(high, on="code", suffixes=("_sum", "_sheet"))
            both = joined[(joined["status_sum"] == "ok") & (joined["status_sheet"] == "ok")]
            if both.empty:
                continue
            gap = (both["value_sum"] - both["value_sheet"]) / both["value_sheet"].where(both["value_sheet"] != 0)
            national = both["value_sum"].sum() / both["value_sheet"].sum() - 1
            over = int((gap.abs() > 0.01).sum())
            limit = float(indicator.input.get("withhold_gap", DEFAULT_WITHHOLD_GAP))
            line = (f"- `{indicator.id}`: sum of {lower} vs {upper} sheet over {len(both)} "
                    f"{upper}s: national gap {_pct(national)}, {over} {upper}s off by more than "
                    f"1 % (largest {_pct(gap.abs().max())}).")
            if abs(national) > limit:
                engine.withhold(indicator.id, lower, f"its sum is {_pct(national)} away from the "
                                                     f"{upper} sheet")
                line += (f" **The {lower} figures are withheld** (gap above {_pct(limit)}): they "
                         "cannot be the same statistic.")
                finding.anomalies += len(low)
            elif over:
                line += _kept_gap(indicator, both, gap, lower, upper)
                finding.anomalies += over
            finding.lines.append(line)
    return finding


def _kept_gap(indicator, both: pd.DataFrame, gap: pd.Series, lower: str, upper: str) -> str:
    """Say why a level whose sum differs from the level above is kept, and how the gaps spread."""
    single = both["n_members"] == 1
    text = ""
    if (~single).any():
        spread = gap[~single]
        text += (f" The {int((~single).sum())} {upper}s of several {lower}s are off by "
                 f"{_pct(spread.min())} to {_pct(spread.max())}")
        if single.any():
            matching = int((gap[single].abs() <= 0.01).sum())
            text += (f"; of the {int(single.sum())} {upper}s of one {lower}, {matching} are "
                     "within 1 %")
        text += "."
    reason = indicator.input.get("totals_gap_reason")
    return text + (f" Kept: {reason}" if reason else
                   " Kept: the sheet of each level is published as is.")


# -- columns equal across workbooks --------------------------------------------------------------

def _guess_level(sheet: Sheet, codes: list[str]) -> str | None:
    name = sheet.name.lower()
    lengths = {len(str(c).strip()) for c in codes if c not in (None, "")}
    if "zone" in name:
        return "zone_emploi_2010"
    if "région" in name or "region" in name or sheet.header[0].lower().startswith("région"):
        return "region"
    if lengths <= {9} and lengths:
        return "epci"
    if lengths <= {5} and lengths:
        return "commune"
    return "departement"


def _numeric_columns(sheet: Sheet, skip: set[str]) -> dict[str, list]:
    columns = {}
    for header in sheet.header:
        if header in skip:
            continue
        cells = sheet.column(header)
        filled = [c for c in cells if c not in (None, "")]
        numbers = [c for c in filled if isinstance(c, (int, float)) and not isinstance(c, bool)]
        if filled and len(numbers) >= 0.9 * len(filled):
            columns[header] = cells
    return columns


def scan_columns(engine: Engine, folder: Path) -> dict[str, pd.DataFrame]:
    """Collect every numeric column of the one-row-per-territory sheets, by level, on codes."""
    by_level: dict[str, dict[str, pd.Series]] = {}
    for path in sorted(folder.glob("*.xls*")):
        relative = str(path.relative_to(engine.raw_dir))
        book = engine.workbooks.get(relative) or open_workbook(path, relative)
        engine.workbooks.setdefault(relative, book)
        for sheet in book.sheets.values():
            code_column = sheet.find_column("Code")
            if code_column:
                raw = sheet.column(code_column)
                level = _guess_level(sheet, [str(c) for c in raw])
                codes = [normalize_code(c, level if level != "zone_emploi_2010" else "zone_emploi")
                         for c in raw]
            else:
                level = _guess_level(sheet, [])
                try:
                    codes, _ = codes_from_names(sheet, {}, level, engine.territories)
                except Exception:  # a sheet whose names cannot be matched is not compared
                    continue
            if len(set(codes)) < len(codes):
                continue  # long format: one row per sector, not comparable column by column
            for header, cells in _numeric_columns(sheet, {code_column}).items():
                values = [parse_cell(c, sentinel=None).value for c in cells]
                series = pd.Series(values, index=codes, dtype="float64")
                series = series[series.index.notna()]
                by_level.setdefault(level, {})[f"{relative} › {sheet.name} › {header}"] = series
    return {level: pd.DataFrame(columns) for level, columns in by_level.items()}


def check_equal_columns(engine: Engine, folder: Path) -> Finding:
    """Report columns of different workbooks (or sheets) that carry the same values."""
    finding = Finding("Colonnes identiques entre classeurs / Columns equal across workbooks")
    copies: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for level, table in scan_columns(engine, folder).items():
        names = list(table.columns)
        values = table.to_numpy()
        for i, j in itertools.combinations(range(len(names)), 2):
            left_book, right_book = names[i].split(" › ")[0], names[j].split(" › ")[0]
            if left_book == right_book:
                continue
            a, b = values[:, i], values[:, j]
            common = ~np.isnan(a) & ~np.isnan(b)
            if common.sum() < 10:
                continue
            equal = np.isclose(a[common], b[common], rtol=1e-9, atol=1e-6).mean()
            if equal < 0.95:
                continue
            same_header = names[i].split(" › ")[-1] == names[j].split(" › ")[-1]
            kind = ("same header, expected shared denominator" if same_header
                    else "**different headers: one of them is not what its header says**")
            finding.lines.append(f"- {level}: `{names[i]}` = `{names[j]}` on "
                                 f"{_pct(equal)} of {int(common.sum())} common codes ({kind}).")
            finding.anomalies += 0 if same_header else 1
            if not same_header:
                copies.setdefault((left_book, right_book), []).append((names[i], names[j]))
    finding.lines += _unloaded_copies(engine, copies)
    return finding


def _unloaded_copies(engine: Engine, copies: dict) -> list[str]:
    """Name the workbooks that no entry reads and whose figures repeat another workbook's."""
    loaded = {i.input["workbook"] for i in engine.entries if "workbook" in i.input}
    lines = []
    for (left, right), pairs in copies.items():
        for book, other, side in ((left, right, 0), (right, left, 1)):
            if book in loaded or other not in loaded:
                continue
            columns = ", ".join(pair[side].split(" › ")[-1] for pair in pairs)
            sheet = pairs[0][1 - side].split(" › ")[1]
            lines.append(f"- **`{book}` is not loaded**: no catalogue entry reads it. Its "
                         f"columns {columns} are the figures of `{other}` › {sheet} under other "
                         "headers: the file is that sheet under a wrong name.")
    return lines


# -- EPCI perimeters of the source year against 2025 -------------------------------------------

def _members_by_epci(frame: pd.DataFrame, commune: str) -> dict[str, frozenset]:
    return {str(epci): frozenset(group[commune].astype(str))
            for epci, group in frame.dropna(subset=[commune]).groupby("epci")}


def check_epci_perimeters(engine: Engine) -> Finding:
    """Compare the member communes of each EPCI read from a sheet in the source year and in 2025."""
    finding = Finding("Périmètres des EPCI / EPCI perimeters")
    communes = engine.territories[engine.territories["level"] == "commune"]
    current = _members_by_epci(communes, "code")
    seen: set[tuple[str, str]] = set()
    for source in engine.sources:
        if source.level != "epci" or (source.workbook, source.sheet) in seen:
            continue
        seen.add((source.workbook, source.sheet))
        year = engine.catalogue.get(source.indicator).years[0]
        version = ETALAB_EPCI_VERSIONS.get(year)
        if version is None:
            finding.lines.append(f"- `{source.workbook}`: no EPCI list of {year} to compare its "
                                 "perimeters with.")
            continue
        members = read_etalab_members(engine.raw_dir / "decoupage-administratif" / version
                                      / "epci.json.gz", year)
        names = dict(zip(members["epci"], members["epci_name"]))
        then = _members_by_epci(members.assign(commune=members["commune_source"].map(engine.lookup)),
                                "commune")
        read = source.read.frame
        codes = sorted(set(read.loc[read["status"] == "ok", "code"].astype(str)))
        changed = [c for c in codes if c in then and then[c] != current.get(c, frozenset())]
        # The largest changes first: they matter most to a reader comparing figures.
        changed.sort(key=lambda c: -len(then[c] ^ current.get(c, frozenset())))
        examples = listing(f"{names.get(c, c)} ({c}) {len(then[c])} → "
                            f"{len(current.get(c, ()))} communes" for c in changed)
        finding.lines.append(
            f"- `{source.workbook}` ({year}): {len(changed)} of the {len(codes)} EPCI with a figure "
            f"have other member communes in 2025 than under the same SIREN on 1 January {year}: "
            f"{examples}. Their {year} figure is published for the 2025 EPCI of that SIREN as it "
            "is, without adjustment to the new perimeter, as the catalogue notes say.")
        finding.anomalies += len(changed)
    return finding


# -- typologies against the INSEE tables ---------------------------------------------------------

def _frame(sheet: Sheet, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: sheet.column(c) for c in columns})


def check_typologies(engine: Engine) -> Finding:
    """Deps zoning workbooks against the INSEE AAV 2020 table and against each other."""
    finding = Finding("Typologies contre les tables Insee / Typologies against the Insee tables")
    insee = engine.workbook("insee-zonages/AAV2020_au_01-01-2021.xlsx",
                            {"meta": False, "header_row": 6})
    communes = _frame(insee.sheet("Composition_communale"), ["CODGEO", "AAV2020", "LIBAAV2020", "CATEAAV2020"])
    areas = _frame(insee.sheet("AAV2020"), ["AAV2020", "TAAV2017"])
    communes = communes.merge(areas, on="AAV2020", how="left")

    deps_aav = engine.workbook("deps-atlas/indicateurs/Aires d'attraction des villes.xls", {})
    sheet = deps_aav.sheet("Aires d'attraction des villes")
    deps = _frame(sheet, ["Code Insee", "Aires d'attraction des villes", "Typologie"])
    joined = deps.merge(communes, left_on="Code Insee", right_on="CODGEO", how="inner")
    pole_label = joined["Typologie"].str.endswith("pôle")
    in_ring = joined["CATEAAV2020"].astype(str) == "20"
    wrong_pole = int((pole_label & in_ring).sum())
    wrong_ring = int((joined["Typologie"].str.endswith("couronne") & ~in_ring).sum())
    names_differ = int((joined["Aires d'attraction des villes"] != joined["LIBAAV2020"]).sum())
    finding.lines.append(
        f"- `Aires d'attraction des villes.xls` against the Insee AAV 2020 table ({len(joined)} "
        f"communes in common): area names differ for {names_differ}; {wrong_pole} communes "
        f"labelled « pôle » are in the commuting ring (CATEAAV2020 = 20) and {wrong_ring} "
        "labelled « couronne » are not. **The Deps typology is not published**; the commune "
        "category (`aav_categorie_commune`) is read from the Insee table and the size band "
        "(`aav_taille`) from `aav.xlsx`.")
    finding.anomalies += wrong_pole + wrong_ring + names_differ

    deps_bands = _frame(engine.workbook("deps-atlas/zonages/aav.xlsx", {"meta": False}).sheet("Feuil1"),
                        ["AAV2020", "TAAV2017"])
    bands = deps_bands.merge(areas, on="AAV2020", how="outer", suffixes=("_deps", "_insee"))
    differ = int((bands["TAAV2017_deps"].astype(str) != bands["TAAV2017_insee"].astype(str)).sum())
    finding.lines.append(f"- `aav.xlsx` size bands against the Insee table: {differ} of "
                         f"{len(bands)} areas differ.")
    finding.anomalies += differ

    grid = _frame(engine.workbook("deps-atlas/indicateurs/Grille communale de densité.xls", {})
                  .sheet("Grille communale de densité"), ["Code Insee", "Grille communale de densité"])
    rural = _frame(engine.workbook("deps-atlas/zonages/zonage_rural.xlsx", {"meta": False})
                   .sheet("Feuil1"), ["codgeo", "gridens"])
    typology = _frame(engine.workbook("deps-atlas/zonages/base_comm_ruralGeo2020.xlsx", {"meta": False})
                      .sheet("Sheet1"), ["CODGEO", "TYPO2020"])
    labels = {"Très dense": "1", "Densité intermédiaire": "2", "Peu dense": "3", "Très peu dense": "4"}
    merged = grid.merge(rural, left_on="Code Insee", right_on="codgeo").merge(
        typology, left_on="Code Insee", right_on="CODGEO")
    grid_differ = int((merged["Grille communale de densité"].map(labels) != merged["gridens"].astype(str)).sum())
    expected = merged["gridens"].astype(str).map({"1": "urbain dense", "2": "urbain densité intermédiaire"})
    urban = merged["TYPO2020"].str.startswith("urbain")
    typo_differ = int(((urban | expected.notna()) & (merged["TYPO2020"] != expected)).sum())
    finding.lines.append(
        f"- Density grid: `Grille communale de densité.xls` and `zonage_rural.xlsx` differ for "
        f"{grid_differ} of {len(merged)} communes; the urban-rural typology contradicts the grid "
        f"(urban classes must be grid 1 or 2, rural classes grid 3 or 4) for {typo_differ}.")
    finding.anomalies += grid_differ + typo_differ
    return finding


# -- populations against the legal populations ---------------------------------------------------

def legal_population(engine: Engine, year: int) -> pd.Series:
    """Legal municipal population of `year`, moved to 2025 communes (merged communes summed)."""
    version = LEGAL_POPULATIONS[year]
    records = read_json(engine.raw_dir / "decoupage-administratif" / version / "communes.json.gz")
    rows = [(r["code"], r.get("population")) for r in records
            if r.get("type") == "commune-actuelle" and r.get("population") is not None]
    frame = pd.DataFrame(rows, columns=["code", "population"])
    frame["code"] = frame["code"].map(engine.lookup)
    return frame.dropna(subset=["code"]).groupby("code")["population"].sum()


def check_populations(engine: Engine) -> Finding:
    """Population workbooks against the legal populations 2016 and 2019."""
    finding = Finding("Populations contre les populations légales / Populations against the "
                      "legal populations")
    atlas = engine.values.get(("population_municipale_atlas", "commune"))
    if atlas is None:
        return finding
    pop = atlas.frame[atlas.frame["status"] == "ok"].set_index("code")["value"]
    legal = {year: legal_population(engine, year) for year in LEGAL_POPULATIONS}
    table = pd.DataFrame({"atlas": pop, "p2016": legal[2016], "p2019": legal[2019]}).dropna()
    interpolated = table["p2016"] + (table["p2019"] - table["p2016"]) / 3  # linear, for 2017
    close = ((table["atlas"] - interpolated).abs() <= 0.02 * interpolated.clip(lower=50)).mean()
    low = table[["p2016", "p2019"]].min(axis=1) * 0.8
    high = table[["p2016", "p2019"]].max(axis=1) * 1.2
    outliers = table[((table["atlas"] < low) | (table["atlas"] > high)) & (table[["p2016", "p2019"]].max(axis=1) >= 200)]
    finding.lines.append(
        f"- `Population.xls` (header « Population totale », Meta year 2018): total "
        f"{_fmt(pop.sum())}; legal municipal population 2016 {_fmt(legal[2016].sum())} and 2019 "
        f"{_fmt(legal[2019].sum())} on the same communes' geography. {_pct(close)} of "
        f"{len(table)} communes lie within 2 % of the 2016-2019 line at 2017, and Paris "
        f"(75056) is {_fmt(pop.get('75056', float('nan')))}, the 2017 municipal population: the "
        "figures are **municipal population 2017**, published as such.")
    if len(outliers):
        sample = ", ".join(f"{code} ({_fmt(row.atlas)} vs {_fmt(row.p2016)}/{_fmt(row.p2019)})"
                           for code, row in outliers.head(8).iterrows())
        finding.lines.append(f"- {len(outliers)} communes of 200 inhabitants or more differ by "
                             f"more than 20 % from both legal populations (kept): {sample}.")
        finding.anomalies += len(outliers)

    base_pop = engine.raw_dir / "insee-cog2019-and-pop1876-2015-vizoR" / "base_pop_1876_2015_wide.DERIVED.csv.gz"
    change = engine.unmapped_communes.get("evolution_annuelle_population")
    source = engine.unmapped_communes.get("population_municipale_atlas")
    if base_pop.exists() and change is not None and source is not None:
        p2012 = pd.read_csv(base_pop, usecols=["code_geo", "PMUN2012"], dtype={"code_geo": str})
        p2012 = p2012.set_index("code_geo")["PMUN2012"]
        joined = pd.DataFrame({"rate": change.set_index("code")["value"],
                               "p2017": source.set_index("code")["value"], "p2012": p2012}).dropna()
        joined = joined[joined["p2012"] > 0]
        rate = ((joined["p2017"] / joined["p2012"]) ** (1 / 5) - 1) * 100
        match = ((joined["rate"] - rate.round(1)).abs() <= 0.051).mean()
        finding.lines.append(
            f"- `Évolution de la population.xls`: the average annual rate between the 2012 "
            f"legal population and the 2017 figures above matches {_pct(match)} of {len(joined)} "
            "communes to 0.1 point: the column is the annual rate 2012-2017 (not the « total "
            "increase » of its Meta sheet), and -1 is a real rate there, not a missing-data code.")

    for indicator_id in ("population_depenses_communes",):
        spending = engine.values.get((indicator_id, "commune"))
        if spending is None:
            continue
        values = spending.frame[spending.frame["status"] == "ok"].set_index("code")["value"]
        ratios = {year: (values / legal[year].reindex(values.index)).median() for year in legal}
        finding.lines.append(
            f"- `{indicator_id}` (Population column of the spending workbook): median ratio to "
            + ", ".join(f"legal {year} {ratio:.3f}" for year, ratio in ratios.items())
            + "; it is a reference population of the spending year, used only for spending per "
              "inhabitant.")
    return finding


# -- Meta sheets ---------------------------------------------------------------------------------

def check_meta(engine: Engine) -> Finding:
    """Meta years against the catalogue vintages, and definitions shared between workbooks."""
    finding = Finding("Feuilles Meta / Meta sheets")
    for indicator in engine.entries:
        book = engine.workbooks.get(indicator.input.get("workbook", ""))
        if book is None or book.year is None or indicator.hidden:
            continue
        if book.year != indicator.years[0]:
            finding.lines.append(f"- `{indicator.id}`: Meta year {book.year}, published as "
                                 f"{indicator.years[0]} (see the indicator's notes).")
            finding.anomalies += 1
    definitions: dict[str, list[str]] = {}
    for label, book in sorted(engine.workbooks.items()):
        text = str(book.meta.get("definition") or "").strip()
        if text:
            definitions.setdefault(text, []).append(label)
    for labels in definitions.values():
        if len(labels) > 1:
            finding.lines.append(f"- Same Meta definition in {', '.join(f'`{x}`' for x in labels)}; "
                                 "the catalogue gives each indicator its own definition.")
            finding.anomalies += 1
    return finding


def check_spending_parts(engine: Engine) -> Finding:
    """Fonctionnement + Investissement = Total on every row of the spending workbooks."""
    finding = Finding("Dépenses : fonctionnement + investissement = total / Spending parts")
    for label, book in sorted(engine.workbooks.items()):
        for sheet in book.sheets.values():
            parts = [sheet.find_column(p) for p in ("Fonctionnement", "Dépénses Fonctionnement",
                                                    "Investissement", "Dépénses Investissement")]
            parts = [p for p in parts if p]
            total = sheet.find_column("Total", "Dépénses totales")
            if len(parts) != 2 or total is None:
                continue
            values = [[parse_cell(c, sentinel=-1).value for c in sheet.column(h)]
                      for h in (*parts, total)]
            frame = pd.DataFrame(values, index=["a", "b", "total"]).T.dropna()
            wrong = int(((frame["a"] + frame["b"] - frame["total"]).abs()
                         > 1e-6 * frame["total"].abs().clip(lower=1)).sum())
            finding.lines.append(f"- `{label}` › {sheet.name}: {wrong} of {len(frame)} rows "
                                 "where the parts do not add up to the total.")
            finding.anomalies += wrong
    return finding
