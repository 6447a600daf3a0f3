"""Readers of the CNC cinema files: every active cinema, and the national admissions since 1980.

The establishment list is the CNC "Géolocalisation des établissements cinématographiques"
vintage of 2022: screens and seats of each cinema active in 2022, with its admissions in 2022
and 2021. A cinema closed before 2022 is not in the list, so the 2021 admissions cover only the
cinemas still active in 2022.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from loaders.errors import BuildError

log = logging.getLogger(__name__)

LIST_YEAR = 2022  # vintage of the screens and seats in the establishment list
ADMISSIONS_COLUMN = re.compile(r"^entrées (\d{4})$")
CINEMA_COLUMNS = ("cinema", "name", "commune", "kind", "screens", "seats", "year", "admissions")


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, sep=";", dtype=str, encoding="utf-8-sig",
                           keep_default_na=False, na_values=[""])
    except (OSError, ValueError) as error:
        raise BuildError(f"cannot read the CSV ({error}).", file=str(path),
                         fix="restore the CNC file.") from error


def _counts(frame: pd.DataFrame, column: str, path: Path, required: bool) -> pd.Series:
    # Counts are written as floats ("6.0") in this export.
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = (frame[column].notna() & values.isna()) | (values < 0) | (values.notna() & (values % 1 != 0))
    if required:
        bad |= values.isna()
    if bad.any():
        index = int(np.flatnonzero(bad.to_numpy())[0])
        raise BuildError(f"'{frame[column].iloc[index]}' is not a count.", file=str(path),
                         row=index + 2, column=column, fix="correct the cell.")
    return values.astype("float64")


def read_establishments(path: Path) -> pd.DataFrame:
    """Return one row per cinema and admissions year (`CINEMA_COLUMNS`).

    `screens` and `seats` are those of `LIST_YEAR`, repeated on each admissions year; `kind`
    is FIXE or ITINERANT (a travelling circuit, attached to one commune). Admissions are NaN
    where the file has none for that year.
    """
    frame = _read_csv(path)
    required = ["N° auto", "nom", "code INSEE", "genre", "écrans", "fauteuils"]
    missing = [c for c in required if c not in frame.columns]
    year_columns = [c for c in frame.columns if ADMISSIONS_COLUMN.match(c)]
    if missing or not year_columns:
        raise BuildError(f"missing columns {missing or ['entrées <year>']}.", file=str(path),
                         fix="use the CNC establishment list with its original columns.")
    if frame["N° auto"].duplicated().any():
        duplicate = frame.loc[frame["N° auto"].duplicated(), "N° auto"].iloc[0]
        raise BuildError(f"cinema number {duplicate} appears twice.", file=str(path),
                         column="N° auto", fix="keep one row per cinema.")

    base = pd.DataFrame({
        "cinema": frame["N° auto"].str.strip(), "name": frame["nom"],
        "commune": frame["code INSEE"].str.strip(), "kind": frame["genre"],
        "screens": _counts(frame, "écrans", path, required=True),
        "seats": _counts(frame, "fauteuils", path, required=True),
    })
    parts = []
    for column in year_columns:
        part = base.copy()
        part["year"] = int(ADMISSIONS_COLUMN.match(column).group(1))
        part["admissions"] = _counts(frame, column, path, required=False)
        parts.append(part)
    result = pd.concat(parts, ignore_index=True)
    log.info("cinemas: %d establishments, admissions years %s", len(frame),
             sorted(int(y) for y in result["year"].unique()))
    return result[list(CINEMA_COLUMNS)]


def read_national_admissions(path: Path) -> pd.DataFrame:
    """Return `year` and `admissions` (a count, not millions) of the national yearly series."""
    frame = _read_csv(path)
    year_column = next((c for c in frame.columns if c.strip().lower() == "année"), None)
    admissions_column = next((c for c in frame.columns if c.strip().lower().startswith("entrées")),
                             None)
    if year_column is None or admissions_column is None:
        raise BuildError(f"columns 'Année' and 'Entrées (millions)' not found in "
                         f"{list(frame.columns)}.", file=str(path),
                         fix="use the CNC national attendance series.")
    millions = pd.to_numeric(frame[admissions_column].str.replace(",", ".", regex=False),
                             errors="coerce")
    years = pd.to_numeric(frame[year_column], errors="coerce")
    bad = millions.isna() | years.isna() | (millions < 0)
    if bad.any():
        index = int(np.flatnonzero(bad.to_numpy())[0])
        raise BuildError(f"row '{frame.iloc[index].tolist()}' has no valid year or admissions.",
                         file=str(path), row=index + 2, fix="correct the row.")
    if years.duplicated().any():
        raise BuildError(f"year {int(years[years.duplicated()].iloc[0])} appears twice.",
                         file=str(path), column=year_column, fix="keep one row per year.")
    # Millions with one decimal: round to whole admissions to drop float noise.
    result = pd.DataFrame({"year": years.astype(int),
                           "admissions": (millions * 1_000_000).round(0)})
    return result.sort_values("year").reset_index(drop=True)
