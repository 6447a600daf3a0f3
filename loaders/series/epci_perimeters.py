"""Readers of the member communes of every EPCI à fiscalité propre, year by year.

Two sources: the DGCL yearly lists consolidated by Etalab (geohisto, 1 January 1999 to 2017,
one CSV row per member commune) and the Etalab `epci.json` lists (2019 to 2026, members in
`membres`). The DGCL list of 2018 is in neither, so 2018 has no perimeter.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from loaders.errors import BuildError
from loaders.territories.crosswalk import normalize_commune_codes
from loaders.territories.sources import read_json

log = logging.getLogger(__name__)

GEOHISTO_YEARS = range(1999, 2018)
# Perimeter year (1 January) -> decoupage-administratif package version.
ETALAB_EPCI_VERSIONS = {2019: "v0.7.0", 2020: "v0.8.0", 2021: "v1.1.1", 2022: "v2.3.1",
                        2023: "v3.1.1", 2024: "v4.1.0", 2025: "v5.3.0", 2026: "v6.0.0"}
MEMBER_COLUMNS = ("year", "epci", "epci_name", "commune_source")


def read_geohisto_members(path: Path, year: int) -> pd.DataFrame:
    """Read one DGCL yearly list (geohisto CSV) into `MEMBER_COLUMNS`.

    The lists write commune codes as numbers, so `1024` is restored to `01024`.
    """
    try:
        frame = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, na_values=[""])
    except (OSError, ValueError, EOFError) as error:
        raise BuildError(f"cannot read the CSV ({error}).", file=str(path),
                         fix="restore the geohisto EPCI list.") from error
    missing = [c for c in ("siren", "nom", "insee") if c not in frame.columns]
    if missing:
        raise BuildError(f"missing columns {missing}.", file=str(path),
                         fix="use the geohisto EPCI list with its original columns.")
    # Normalize each distinct code once: the lists repeat codes across 35,000 rows.
    distinct = pd.Series(frame["insee"].dropna().unique())
    lookup = pd.Series(normalize_commune_codes(distinct).to_numpy(), index=distinct.to_numpy())
    codes = frame["insee"].map(lookup)
    if codes.isna().any():
        index = int(codes.isna().to_numpy().argmax())
        raise BuildError(f"'{frame['insee'].iloc[index]}' is not a commune code.", file=str(path),
                         row=index + 2, column="insee", fix="correct the code.")
    return pd.DataFrame({"year": year, "epci": frame["siren"].str.strip(),
                         "epci_name": frame["nom"], "commune_source": codes.astype(str)})


def read_etalab_members(path: Path, year: int) -> pd.DataFrame:
    """Read one Etalab `epci.json` list into `MEMBER_COLUMNS`."""
    records = read_json(path)
    if not isinstance(records, list):
        raise BuildError("expected a JSON list of EPCI.", file=str(path),
                         fix="use the epci.json file of the decoupage-administratif package.")
    rows = []
    for index, epci in enumerate(records):
        members = epci.get("membres")
        if not epci.get("code") or not isinstance(members, list):
            raise BuildError("an EPCI without 'code' or 'membres'.", file=str(path), row=index,
                             fix="restore the list from the package.")
        rows.extend((year, epci["code"], epci.get("nom"), member.get("code"))
                    for member in members)
    return pd.DataFrame(rows, columns=list(MEMBER_COLUMNS))


def read_all_members(raw) -> pd.DataFrame:
    """Read every yearly list; `raw(*parts)` returns the path of a raw input file."""
    parts = [read_geohisto_members(raw("etalab-geohisto", "epci", f"{year}.csv.gz"), year)
             for year in GEOHISTO_YEARS]
    parts += [read_etalab_members(raw("decoupage-administratif", version, "epci.json.gz"), year)
              for year, version in ETALAB_EPCI_VERSIONS.items()]
    members = pd.concat(parts, ignore_index=True)
    duplicated = members.duplicated(["year", "commune_source"], keep=False)
    if duplicated.any():
        # A commune belongs to one EPCI à fiscalité propre; two are a source error to report.
        log.warning("%d commune-years listed in two EPCI", int(duplicated.sum()))
    return members
