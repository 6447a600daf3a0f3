"""Reader of the festival panorama (ministère de la Culture, festivals listed in 2019-2021).

Each festival has a free-text creation year and an identifier `FEST_<code INSEE>_<n>` that
carries the commune where it mainly takes place. The stock of festivals by year counts a
festival from its creation year on. Only festivals still alive when the panorama was made are
listed, so the stock of a past year undercounts the festivals that existed then.
"""

from __future__ import annotations

import logging
import re
from datetime import date
from pathlib import Path

import pandas as pd

from loaders.errors import BuildError

log = logging.getLogger(__name__)

NAME_COLUMN = "Nom du festival"
YEAR_COLUMN = "Année de création du festival"
ID_COLUMN = "Identifiant"
FESTIVAL_COLUMNS = ("festival", "name", "commune", "year_text", "creation_year")

_PLAIN_YEAR = re.compile(r"^\s*(\d{4})\s*(?:\.0)?$")
_DATE = re.compile(r"^\s*\d{1,2}/\d{1,2}/(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\s*$")
_ANY_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_IDENTIFIER = re.compile(r"^FEST_([0-9]{5}|2[AB][0-9]{3})_\d+$")
EARLIEST_YEAR = 1000


def parse_creation_year(text, latest: int | None = None) -> int | None:
    """Return the creation year written in `text`, or None when it cannot be read safely.

    Accepted: a bare year ("1998"), a date ("01/01/2015 00:00"), or a text that contains
    exactly one distinct year ("2012 a eu lieu le premier ..."). Rejected: edition numbers
    ("19ème"), durations ("35 ans"), two different years ("2009 / 2004"), a number that is not
    a year ("20198") and years outside `EARLIEST_YEAR`..`latest` (default: the current year).
    """
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return None
    latest = latest or date.today().year
    text = str(text)
    match = _PLAIN_YEAR.match(text) or _DATE.match(text)
    if match:
        candidates = {int(match.group(1))}
    else:
        candidates = {int(y) for y in _ANY_YEAR.findall(text)}
    candidates = {y for y in candidates if EARLIEST_YEAR <= y <= latest}
    if len(candidates) != 1:
        return None
    return candidates.pop()


def read_festivals(path: Path, latest: int | None = None) -> pd.DataFrame:
    """Return one row per festival (`FESTIVAL_COLUMNS`).

    `commune` is the INSEE code found in the identifier, null when the identifier carries none.
    `creation_year` is null when the text cannot be read (see `parse_creation_year`).
    """
    try:
        frame = pd.read_csv(path, sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False,
                            na_values=[""])
    except (OSError, ValueError) as error:
        raise BuildError(f"cannot read the CSV ({error}).", file=str(path),
                         fix="restore the festival list.") from error
    missing = [c for c in (NAME_COLUMN, YEAR_COLUMN, ID_COLUMN) if c not in frame.columns]
    if missing:
        raise BuildError(f"missing columns {missing}.", file=str(path),
                         fix="use the festival list with its original column names.")
    identifiers = frame[ID_COLUMN].fillna("").str.strip()
    communes = identifiers.str.extract(_IDENTIFIER)[0]
    result = pd.DataFrame({
        "festival": identifiers,
        "name": frame[NAME_COLUMN],
        "commune": communes.astype("string"),
        "year_text": frame[YEAR_COLUMN],
        "creation_year": frame[YEAR_COLUMN].map(lambda v: parse_creation_year(v, latest))
                                            .astype("Int64"),
    })
    log.info("festivals: %d listed, %d with a readable creation year, %d with a commune code",
             len(result), int(result["creation_year"].notna().sum()),
             int(result["commune"].notna().sum()))
    return result


def stock_by_year(festivals: pd.DataFrame, years) -> pd.DataFrame:
    """Count, for each commune and each year of `years`, the festivals created up to that year.

    Festivals without a commune or a creation year are left out (the caller reports them).
    Returns `commune`, `year`, `value` for every commune that has at least one counted
    festival, including years before its first festival (value 0).
    """
    known = festivals.dropna(subset=["commune", "creation_year"])
    years = sorted(int(y) for y in years)
    if known.empty or not years:
        return pd.DataFrame({"commune": pd.Series(dtype="string"), "year": pd.Series(dtype=int),
                             "value": pd.Series(dtype="float64")})
    created = (known.groupby(["commune", "creation_year"]).size()
               .unstack(fill_value=0).sort_index(axis=1))
    cumulative = created.cumsum(axis=1)
    # Stock in year Y = cumulative count at the latest creation year <= Y.
    columns = [int(c) for c in cumulative.columns]
    stock = {}
    for year in years:
        eligible = [c for c in columns if c <= year]
        stock[year] = cumulative[eligible[-1]] if eligible else 0
    table = pd.DataFrame(stock, index=cumulative.index)
    long = table.stack().rename("value").reset_index()
    long.columns = ["commune", "year", "value"]
    long["value"] = long["value"].astype("float64")
    long["year"] = long["year"].astype(int)
    return long
