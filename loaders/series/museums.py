"""Readers of the attendance of the Musées de France, and the choice of one file per year.

Two official exports of "Fréquentation des Musées de France" (ministère de la Culture) exist:

- the older format, 2001-2021: `REF DU MUSEE` (INSEE commune code + 2-digit index), `PAYANT`,
  `GRATUIT`, `TOTAL`, a `NOTE` (F closed, NC not communicated, R attendance reported with
  another museum) and `OBSERVATIONS` (the refs of museums reported together);
- the current format, 2014-2023: `IDPatrimostat` (same ref), `codeInseeCommune`, `payant`,
  `gratuit`, `total`, `ferme`/`anneefermeture` and `lien_avec` (the museum whose figure
  includes this one). A museum closed or not reporting has a total of 0 in this format.

Both are read into one frame of museum-years with a `reporting` reason, then
`choose_per_year` keeps, for each year, the rows of one file only.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from loaders.errors import BuildError

log = logging.getLogger(__name__)

MUSEUM_COLUMNS = ("museum", "name", "commune", "year", "total", "paid", "free", "reporting",
                  "grouped_with", "source")

# Reporting reasons. Only `reported` rows carry a usable attendance figure.
REPORTED = "reported"
CLOSED = "closed"
GROUPED = "grouped"  # attendance included in another museum's figure
NOT_REPORTED = "not_reported"  # not communicated, or a total of 0 in the current format

OLD_SOURCE = "ancien_format_2001_2021"
NEW_SOURCE = "format_actuel_2014_2023"
# First year taken from the current format, the only source for 2022-2023. On 2014-2021 the
# older file is kept because it reports more museums in 6 of those 8 years. The copy of the
# current format also lacks rows (the Mémorial de Caen in 2017 and 2019-2021) and has totals
# that are 2 or 4 times paid + free visits.
NEW_FORMAT_FROM = 2022

_REF = re.compile(r"^[0-9AB]{7}$")
_REF_LIST = re.compile(r"[0-9]{6,7}|2[AB][0-9]{5}")


def _read_csv(path: Path, required: list[str], encoding: str) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, sep=";", dtype=str, encoding=encoding, keep_default_na=False,
                            na_values=[""])
    except (OSError, ValueError) as error:
        raise BuildError(f"cannot read the CSV ({error}).", file=str(path),
                         fix="restore the museum attendance file.") from error
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise BuildError(f"missing columns {missing}.", file=str(path),
                         fix="use the 'Fréquentation des Musées de France' export with its "
                             "original column names.")
    return frame


def normalize_museum_ref(values: pd.Series) -> pd.Series:
    """Return 7-character museum refs, restoring the leading zero a spreadsheet dropped."""
    refs = values.astype("string").str.strip().str.upper()
    return refs.where(~refs.str.fullmatch(r"[0-9]{6}", na=False), "0" + refs)


def _numbers(frame: pd.DataFrame, column: str, path: Path) -> pd.Series:
    """Parse a count column; a non-numeric cell raises BuildError with its row."""
    text = frame[column].str.replace(r"\s", "", regex=True)
    values = pd.to_numeric(text, errors="coerce")
    # The old format writes F (fermé) in a few PAYANT cells: treat it as no figure.
    bad = text.notna() & values.isna() & (text.str.upper() != "F")
    if bad.any() or (values < 0).any():
        index = int(np.flatnonzero((bad | (values < 0)).to_numpy())[0])
        raise BuildError(f"'{frame[column].iloc[index]}' is not a visit count.", file=str(path),
                         row=index + 2, column=column, fix="correct or empty the cell.")
    return values.astype("float64")


def _years(frame: pd.DataFrame, column: str, path: Path) -> pd.Series:
    years = pd.to_numeric(frame[column], errors="coerce")
    bad = years.isna() | (years < 1900) | (years > 2100)
    if bad.any():
        index = int(np.flatnonzero(bad.to_numpy())[0])
        raise BuildError(f"year '{frame[column].iloc[index]}' is not a year.", file=str(path),
                         row=index + 2, column=column, fix="correct the cell.")
    return years.astype(int)


def _check_refs(refs: pd.Series, column: str, path: Path) -> None:
    bad = ~refs.str.fullmatch(_REF.pattern, na=False)
    if bad.any():
        index = int(np.flatnonzero(bad.to_numpy())[0])
        raise BuildError(f"museum ref '{refs.iloc[index]}' is not 7 characters (commune code "
                         f"+ index).", file=str(path), row=index + 2, column=column,
                         fix="correct the ref.")


def read_current_format(path: Path) -> pd.DataFrame:
    """Read the current export (2014-2023) into museum-years (`MUSEUM_COLUMNS`)."""
    columns = ["IDPatrimostat", "nom_du_musee", "codeInseeCommune", "annee", "payant", "gratuit",
               "total", "ferme", "anneefermeture", "lien_avec"]
    frame = _read_csv(path, columns, "utf-8-sig")
    refs = normalize_museum_ref(frame["IDPatrimostat"])
    _check_refs(refs, "IDPatrimostat", path)
    years = _years(frame, "annee", path)
    paid, free, total = (_numbers(frame, c, path) for c in ("payant", "gratuit", "total"))
    # One row gives paid and free visits but no total: the total is their sum.
    derived = total.isna() & paid.notna() & free.notna()
    total = total.where(~derived, paid + free)
    # Some totals are exactly 2 or 4 times paid + free: a summing error, so keep paid + free.
    parts = paid + free
    multiple = (parts > 0) & (total > parts) & (total % parts == 0)
    total = total.where(~multiple, parts)

    closed_year = pd.to_numeric(frame["anneefermeture"], errors="coerce")
    closed = (frame["ferme"] == "OUI") & closed_year.notna() & (years >= closed_year)
    grouped_with = normalize_museum_ref(frame["lien_avec"].str.extract(r"^\s*([0-9AB]{6,7})")[0])
    reporting = np.select(
        [total > 0, grouped_with.notna().to_numpy(), closed.to_numpy()],
        [REPORTED, GROUPED, CLOSED], default=NOT_REPORTED)
    result = pd.DataFrame({
        "museum": refs, "name": frame["nom_du_musee"], "commune": frame["codeInseeCommune"],
        "year": years, "total": total, "paid": paid, "free": free, "reporting": reporting,
        "grouped_with": grouped_with, "source": NEW_SOURCE,
    })
    result = _unique(result, path)
    result.attrs["derived_totals"] = int(derived.sum())
    result.attrs["multiplied_totals"] = int(multiple.sum())
    return result


def read_old_format(path: Path) -> pd.DataFrame:
    """Read the older export (2001-2021) into museum-years (`MUSEUM_COLUMNS`).

    The commune is the first five characters of the ref. Museums listed together in
    `OBSERVATIONS` report one figure: members without a figure are `grouped` with the member
    that has one that year.
    """
    columns = ["REF DU MUSEE", "NOM DU MUSEE", "ANNEE", "PAYANT", "GRATUIT", "TOTAL", "NOTE",
               "OBSERVATIONS"]
    frame = _read_csv(path, columns, "utf-8-sig")
    refs = normalize_museum_ref(frame["REF DU MUSEE"])
    _check_refs(refs, "REF DU MUSEE", path)
    years = _years(frame, "ANNEE", path)
    paid, free, total = (_numbers(frame, c, path) for c in ("PAYANT", "GRATUIT", "TOTAL"))
    note = frame["NOTE"].fillna("").str.strip().str.upper()

    result = pd.DataFrame({
        "museum": refs, "name": frame["NOM DU MUSEE"], "commune": refs.str[:5], "year": years,
        "total": total, "paid": paid, "free": free, "reporting": NOT_REPORTED,
        "grouped_with": pd.Series(pd.NA, index=frame.index, dtype="string"), "source": OLD_SOURCE,
    })
    result.loc[total > 0, "reporting"] = REPORTED
    result.loc[total.isna() & (note == "F"), "reporting"] = CLOSED
    result.loc[total.isna() & (note == "R"), "reporting"] = GROUPED

    # Members of a group listed in OBSERVATIONS that have no figure point to the one that has.
    groups = frame["OBSERVATIONS"].fillna("").map(
        lambda text: tuple(ref.zfill(7) for ref in _REF_LIST.findall(text)))
    reported = result[result["reporting"] == REPORTED]
    lead_of = {(ref, year) for ref, year in zip(reported["museum"], reported["year"])}
    for index in result.index[(result["reporting"] == NOT_REPORTED) & (note == "")]:
        members = [m for m in groups[index] if m != result.at[index, "museum"]]
        leads = [m for m in members if (m, result.at[index, "year"]) in lead_of]
        if leads:
            result.at[index, "reporting"] = GROUPED
            result.at[index, "grouped_with"] = leads[0]
    return _unique(result, path)


def _unique(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Keep one row per museum and year, and list each duplicate resolved in `attrs`.

    A row with a reported figure wins over one without. Two reported figures that differ keep
    the larger: in the files read so far that is the figure of the museum with its annexes,
    which matches the museum's other years.
    """
    keys = ["museum", "year"]
    duplicated = frame.duplicated(keys, keep=False)
    notes = []
    if duplicated.any():
        order = frame.assign(_reported=frame["reporting"] == REPORTED,
                             _total=frame["total"].fillna(-1.0))
        order = order.sort_values(keys + ["_reported", "_total"], ascending=[True, True, False, False])
        for (museum, year), rows in order[duplicated.loc[order.index]].groupby(keys, sort=True):
            totals = ", ".join("—" if pd.isna(t) else f"{t:.0f}" for t in rows["total"])
            kept = rows["total"].iloc[0]
            notes.append(f"{museum} {year}: {len(rows)} rows (totals {totals}); kept "
                         f"{'no figure' if pd.isna(kept) else f'{kept:.0f}'}")
        frame = order.drop_duplicates(keys, keep="first").drop(columns=["_reported", "_total"])
        log.info("%s: %d duplicated museum-years resolved", path.name, len(notes))
    result = frame.sort_values(keys).reset_index(drop=True)
    result.attrs["duplicates"] = notes
    return result


@dataclass
class FileChoice:
    """The museum-years kept, and how the two files compare on the years they share."""

    museums: pd.DataFrame
    comparison: pd.DataFrame  # one row per shared year


def compare_files(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Compare the two files on their shared years, museum by museum.

    Columns: `year`, `total_old`, `total_new` (sums of reported figures), `museums_old`,
    `museums_new` (museums with a reported figure), `same`, `different` (museums reported in
    both files with equal or different totals), `only_old`, `only_new` (reported in one file
    only).
    """
    shared = sorted(set(old["year"]) & set(new["year"]))
    rows = []
    for year in shared:
        a = old[(old["year"] == year) & (old["reporting"] == REPORTED)].set_index("museum")["total"]
        b = new[(new["year"] == year) & (new["reporting"] == REPORTED)].set_index("museum")["total"]
        both = a.index.intersection(b.index)
        equal = int((a[both] == b[both]).sum())
        rows.append({"year": year, "total_old": float(a.sum()), "total_new": float(b.sum()),
                     "museums_old": len(a), "museums_new": len(b), "same": equal,
                     "different": len(both) - equal,
                     "only_old": len(a.index.difference(b.index)),
                     "only_new": len(b.index.difference(a.index))})
    return pd.DataFrame(rows, columns=["year", "total_old", "total_new", "museums_old",
                                       "museums_new", "same", "different", "only_old",
                                       "only_new"])


def choose_per_year(old: pd.DataFrame, new: pd.DataFrame,
                    new_from: int = NEW_FORMAT_FROM) -> FileChoice:
    """Keep the old file before `new_from` and the current file from `new_from` on.

    The ref's first five characters are not always the museum's commune (9743501 is in
    Saint-Paul, 97415), so a museum of the current export keeps its `codeInseeCommune` in every
    year. `attrs["relocated"]` lists the museums whose commune this changes.
    """
    commune_of = new.drop_duplicates("museum", keep="last").set_index("museum")["commune"]
    old = old.copy()
    located = old["museum"].map(commune_of)
    moved = located.notna() & (located != old["commune"])
    relocated = sorted(set(zip(old.loc[moved, "museum"], old.loc[moved, "commune"],
                               located[moved])))
    old["commune"] = located.where(located.notna(), old["commune"])
    kept = pd.concat([old[old["year"] < new_from], new[new["year"] >= new_from]],
                     ignore_index=True)
    kept = kept.sort_values(["year", "museum"]).reset_index(drop=True)
    kept.attrs["relocated"] = relocated
    return FileChoice(kept, compare_files(old, new))
