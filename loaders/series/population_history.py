"""Reader of the INSEE historical populations 1876-2015, as a wide table on COG 2017.

One row per commune (or arrondissement municipal of Paris, Lyon and Marseille instead of the
three cities) and one column per census: `PTOT1876`..`PTOT1954` (population totale),
`PSDC1962`..`PSDC1999` (population sans doubles comptes) and `PMUN2006`..`PMUN2015`
(population municipale, annual since the rolling census). An empty cell means the source has
no figure for that commune and census (Corsica before 1936, the overseas départements before
1954 or 1961), and stays missing.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from loaders.errors import BuildError

log = logging.getLogger(__name__)

CODE_COLUMN = "code_geo"
CENSUS_COLUMN = re.compile(r"^(PTOT|PSDC|PMUN)(\d{4})$")
CONCEPTS = {"PTOT": "population_totale", "PSDC": "population_sans_doubles_comptes",
            "PMUN": "population_municipale"}


def read_population_history(path: Path) -> pd.DataFrame:
    """Return the historical populations in long form: `code`, `year`, `value`, `concept`.

    `code` is the commune code as written in the file (COG 2017); `value` is a float, NaN
    where the source has no figure. Raises BuildError for a missing code column, no census
    column, a duplicated code or a value that is not a non-negative number.
    """
    try:
        header = pd.read_csv(path, nrows=0).columns
    except (OSError, ValueError, EOFError) as error:
        raise BuildError(f"cannot read the CSV ({error}).", file=str(path),
                         fix="restore the historical population file.") from error
    if CODE_COLUMN not in header:
        raise BuildError(f"column '{CODE_COLUMN}' not found; columns are {list(header)[:8]}.",
                         file=str(path), fix="use the wide table with one row per commune.")
    census_columns = [c for c in header if CENSUS_COLUMN.match(c)]
    if not census_columns:
        raise BuildError("no census column named like PTOT1876, PSDC1962 or PMUN2006.",
                         file=str(path), fix="use the wide table with one column per census.")

    try:
        wide = pd.read_csv(path, usecols=[CODE_COLUMN, *census_columns],
                           dtype={CODE_COLUMN: str, **{c: "float64" for c in census_columns}})
    except ValueError as error:
        raise BuildError(f"a population cell is not a number ({error}).", file=str(path),
                         fix="correct the cell or leave it empty when the figure is unknown.") from error

    duplicated = wide[CODE_COLUMN].duplicated()
    if duplicated.any():
        first = int(duplicated.to_numpy().argmax())
        raise BuildError(f"commune code {wide[CODE_COLUMN].iloc[first]} appears twice.",
                         file=str(path), row=first + 2, column=CODE_COLUMN,
                         fix="keep one row per commune.")
    values = wide[census_columns].to_numpy()
    negative = values < 0
    if negative.any():
        row, column = (int(i) for i in np.argwhere(negative)[0])
        raise BuildError(f"population {values[row, column]:g} is negative.", file=str(path),
                         row=row + 2, column=census_columns[column],
                         fix="correct the cell or leave it empty when the figure is unknown.")

    years = [int(CENSUS_COLUMN.match(c).group(2)) for c in census_columns]
    concepts = [CONCEPTS[CENSUS_COLUMN.match(c).group(1)] for c in census_columns]
    count = len(wide)
    result = pd.DataFrame({
        "code": np.tile(wide[CODE_COLUMN].to_numpy(dtype=object), len(census_columns)),
        "year": np.repeat(years, count),
        "value": values.T.reshape(-1),
        "concept": np.repeat(concepts, count),
    })
    result["code"] = result["code"].astype(str)
    log.info("historical populations: %d communes, censuses %s", len(wide),
             sorted(result["year"].unique()))
    return result
