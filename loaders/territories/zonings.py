"""Zones d'emploi 2020 and aires d'attraction des villes 2020, brought to COG 2025.

INSEE publishes both zonings on the commune list of a given year (here COG 2022 for the zones
d'emploi and for the table d'appartenance, COG 2021 for the AAV workbook). Communes merged
since then are mapped through the crosswalk; when the merged communes belonged to different
zones, the zone of the most populated part wins and the case is reported. A commune restored
after 2022 inherits the zone of the commune it was part of.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import python_calamine

from loaders.errors import BuildError
from loaders.territories.crosswalk import Snapshot, map_commune_codes

log = logging.getLogger(__name__)

ZE_FILE = ("insee-zonages", "Communes_to_ZE_2022.xlsx")
AAV_FILE = ("insee-zonages", "AAV2020_au_01-01-2021.xlsx")
TABLE_FILE = ("insee-zonages", "table-appartenance-geo-communes-22.csv")
# Code widths of the table d'appartenance, whose leading zeros were lost in a spreadsheet.
CODE_WIDTHS = {"CODGEO": 5, "DEP": 2, "ZE2020": 4, "AAV2020": 3}


@dataclass
class Zoning:
    """One zoning on COG 2025: names of its zones and the zone of each commune."""

    level: str
    names: pd.DataFrame  # code, name
    membership: pd.Series  # commune code (2025) -> zone code
    findings: list[str]


def read_sheet_table(path: Path, sheet: str, header_marker: str) -> pd.DataFrame:
    """Read an INSEE sheet whose header row starts with `header_marker` (below a title block)."""
    try:
        rows = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name(
            sheet).to_python()
    except Exception as error:  # calamine raises its own error types
        raise BuildError(f"cannot read the sheet ({error}).", file=str(path), sheet=sheet)
    for index, row in enumerate(rows):
        if row and str(row[0]).strip() == header_marker:
            header = [str(h).strip() for h in row]
            body = [[_cell_text(v) for v in r] for r in rows[index + 1:] if any(r)]
            return pd.DataFrame(body, columns=header, dtype="string")
    raise BuildError(f"no header row starting with '{header_marker}'.", file=str(path),
                     sheet=sheet, fix="use the INSEE file with its original layout.")


def _cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table_appartenance(path: Path) -> pd.DataFrame:
    """Read INSEE's table d'appartenance (COG 2022) and restore the codes' leading zeros."""
    try:
        df = pd.read_csv(path, sep=";", dtype=str, encoding="cp1252", keep_default_na=False)
    except (OSError, UnicodeDecodeError) as error:
        raise BuildError(f"cannot read the table ({error}).", file=str(path))
    missing = [c for c in CODE_WIDTHS if c not in df.columns]
    if missing:
        raise BuildError(f"missing columns {missing}.", file=str(path))
    for column, width in CODE_WIDTHS.items():
        # Alphanumeric codes (2A004, 9A1) kept their characters; only digits lost zeros.
        df[column] = df[column].str.strip().map(
            lambda v, w=width: v.zfill(w) if v.isdigit() else v)
    return df


def to_cog_2025(membership_2022: pd.Series, level: str, crosswalk: pd.DataFrame,
                population: pd.Series, communes_2025: pd.Index,
                snapshots: list[Snapshot]) -> tuple[pd.Series, list[str]]:
    """Bring a commune -> zone mapping of an older COG to the 2025 communes.

    `population` (indexed by the old codes) decides between zones when merged communes
    belonged to different ones.
    """
    findings = []
    mapped = map_commune_codes(pd.Series(membership_2022.index), crosswalk)
    frame = pd.DataFrame({"old": membership_2022.index, "new": mapped["new_code"].to_numpy(),
                          "zone": membership_2022.to_numpy()})
    lost = frame[frame["new"].isna()]
    if len(lost):
        findings.append(f"{level}: {len(lost)} commune codes of the source have no 2025 "
                        f"commune: {', '.join(lost['old'].head(20))}.")
    frame = frame.dropna(subset=["new"])
    frame["population"] = frame["old"].map(population).fillna(0)

    conflicts = frame.groupby("new")["zone"].nunique()
    conflicts = conflicts[conflicts > 1].index
    if len(conflicts):
        details = [f"{code} ({', '.join(sorted(frame.loc[frame['new'] == code, 'zone']))})"
                   for code in conflicts[:20]]
        findings.append(f"{level}: {len(conflicts)} communes nouvelles gather communes of "
                        f"different zones; the zone of the most populated part is kept: "
                        f"{'; '.join(details)}.")
    frame = frame.sort_values(["new", "population"], ascending=[True, False])
    result = frame.drop_duplicates("new").set_index("new")["zone"]

    missing = communes_2025.difference(result.index)
    inherited = []
    for code in missing:
        parent = _former_chef_lieu(code, snapshots)
        if parent is not None and parent in result.index:
            result.loc[code] = result.loc[parent]
            inherited.append(f"{code} from {parent}")
    if inherited:
        findings.append(f"{level}: communes restored after the zoning's COG inherit the zone "
                        f"of the commune they belonged to: {', '.join(inherited)}.")
    still_missing = communes_2025.difference(result.index)
    if len(still_missing):
        findings.append(f"{level}: {len(still_missing)} communes of COG 2025 have no zone: "
                        f"{', '.join(still_missing[:20])}.")
    result = result[result.index.isin(communes_2025)].sort_index()
    return result.astype("string"), findings


def _former_chef_lieu(code: str, snapshots: list[Snapshot]) -> str | None:
    for snap in sorted(snapshots, key=lambda s: -s.year):
        parent = snap.parent_of.get(code, (code, ""))[0]
        if parent != code:
            return parent
    return None


def read_zones_emploi(raw, table, crosswalk, population, communes_2025, snapshots) -> Zoning:
    """Zones d'emploi 2020: composition of COG 2022, names from the INSEE workbook.

    `table` is the table d'appartenance 2022, used to cross-check the composition.
    """
    path = raw(*ZE_FILE)
    names = read_sheet_table(path, "ZE2020", "ZE2020")
    composition = read_sheet_table(path, "Composition_communale", "CODGEO")
    membership = composition.set_index("CODGEO")["ZE2020"]

    findings = _compare(membership, table.set_index("CODGEO")["ZE2020"], "zone_emploi",
                        "table d'appartenance 2022")
    result, more = to_cog_2025(membership, "zone_emploi", crosswalk, population,
                               communes_2025, snapshots)
    names = pd.DataFrame({"code": names["ZE2020"], "name": names["LIBZE2020"]})
    return Zoning("zone_emploi", _check_names(names, result, path), result, findings + more)


def read_aires_attraction(raw, table, crosswalk, population, communes_2025, snapshots
                          ) -> Zoning:
    """AAV 2020: composition from the table d'appartenance (COG 2022), names from INSEE's list.

    The code `000` groups the communes outside any aire d'attraction; it is kept as one
    territory so that every commune has an AAV, as in INSEE's own tables.
    """
    membership = table.set_index("CODGEO")["AAV2020"]
    path = raw(*AAV_FILE)
    names = read_sheet_table(path, "AAV2020", "AAV2020")
    composition_2021 = read_sheet_table(path, "Composition_communale", "CODGEO")
    findings = _compare(membership, composition_2021.set_index("CODGEO")["AAV2020"], "aav",
                        "AAV workbook (COG 2021)")
    result, more = to_cog_2025(membership, "aav", crosswalk, population, communes_2025,
                               snapshots)
    names = pd.DataFrame({"code": names["AAV2020"], "name": names["LIBAAV2020"]})
    return Zoning("aav", _check_names(names, result, path), result, findings + more)


def _compare(primary: pd.Series, other: pd.Series, level: str, other_name: str) -> list[str]:
    common = primary.index.intersection(other.index)
    differ = common[primary.loc[common].to_numpy() != other.loc[common].to_numpy()]
    if len(differ) == 0:
        return [f"{level}: the {len(common)} communes shared with the {other_name} agree."]
    sample = ", ".join(f"{c} ({primary[c]} vs {other[c]})" for c in differ[:10])
    return [f"{level}: {len(differ)} of {len(common)} shared communes disagree with the "
            f"{other_name}: {sample}."]


def _check_names(names: pd.DataFrame, membership: pd.Series, path: Path) -> pd.DataFrame:
    names = names[names["code"].str.len() > 0].drop_duplicates("code")
    unnamed = sorted(set(membership) - set(names["code"]))
    if unnamed:
        raise BuildError(f"zones {unnamed[:10]} have communes but no name.", file=str(path),
                         fix="check that the list sheet and the composition sheet match.")
    used = names["code"].isin(set(membership))
    if (~used).any():
        log.info("%d zones of %s have no commune on COG 2025", (~used).sum(), path.name)
    return names[used].sort_values("code").reset_index(drop=True)
