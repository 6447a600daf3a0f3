"""Read access to the build output in data/build/.

The Parquet files are read once per process (per build: a new manifest reloads them). Derived
frames go through `atlas.cache`. Callers get pandas frames and never touch file paths.
"""

from __future__ import annotations

import json
import logging
import threading
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from atlas import config
from atlas.store_schema import VALUE_COLUMNS

log = logging.getLogger(__name__)

_lock = threading.Lock()


class StoreMissing(RuntimeError):
    """The build output is absent: the data have not been built yet."""


def build_dir() -> Path:
    return config.BUILD_DIR


def _require(path: Path) -> Path:
    if not path.exists():
        raise StoreMissing(f"{path} not found; run `python -m loaders build` first")
    return path


def is_built() -> bool:
    return (build_dir() / "manifest.json").exists()


@lru_cache(maxsize=1)
def manifest() -> dict:
    return json.loads(_require(build_dir() / "manifest.json").read_text(encoding="utf-8"))


def build_stamp() -> str:
    """Short id of the current build, used in cache keys and ETags."""
    return str(manifest().get("built_at", "none"))


@lru_cache(maxsize=1)
def territories() -> pd.DataFrame:
    """Return all territories: code, level, name and one parent code column per level."""
    with _lock:
        df = pd.read_parquet(_require(build_dir() / "territories.parquet"))
    log.info("territories loaded: %d rows", len(df))
    return df


@lru_cache(maxsize=16)
def territories_of(level: str) -> pd.DataFrame:
    """Territories of one level sorted by code (the order of the client geometry features)."""
    df = territories()
    return df[df["level"] == level].sort_values("code").reset_index(drop=True)


def territory(level: str, code: str) -> dict | None:
    """Return one territory as a dict, or None when the level has no such code."""
    df = territories_of(level)
    match = df[df["code"] == code]
    return None if match.empty else match.iloc[0].to_dict()


# Columns with few distinct values, kept as pandas categoricals to save memory.
_CATEGORICAL_VALUE_COLUMNS = ("indicator", "level", "status", "category")
_VALUE_SCHEMA = pa.schema([("indicator", pa.string()), ("level", pa.string()), ("code", pa.string()),
                           ("year", pa.int16()), ("value", pa.float64()), ("status", pa.string()),
                           ("category", pa.string())])


@lru_cache(maxsize=1)
def values() -> pd.DataFrame:
    """Return every indicator value of every family, concatenated.

    The files are read and concatenated with pyarrow, and the repetitive columns are
    dictionary-encoded before the conversion to pandas: about 10 million rows then take about a
    quarter of the memory of plain string columns.
    """
    folder = _require(build_dir() / "values")
    paths = sorted(folder.glob("*.parquet"))
    if not paths:
        return pd.DataFrame(columns=list(VALUE_COLUMNS))
    tables = [pq.read_table(path, columns=list(VALUE_COLUMNS)).cast(_VALUE_SCHEMA) for path in paths]
    table = pa.concat_tables(tables)
    for column in _CATEGORICAL_VALUE_COLUMNS:
        position = table.schema.get_field_index(column)
        table = table.set_column(position, column, table.column(column).dictionary_encode())
    df = table.to_pandas()
    log.info("values loaded: %d rows, %d indicators", len(df), df["indicator"].nunique())
    return df


@lru_cache(maxsize=1)
def _values_by_indicator() -> dict[str, pd.DataFrame]:
    return {str(key): frame.reset_index(drop=True)
            for key, frame in values().groupby("indicator", observed=True, sort=False)}


def indicator_frame(indicator_id: str) -> pd.DataFrame:
    """Return all values of one indicator (every level and year), empty when it has none."""
    frame = _values_by_indicator().get(indicator_id)
    if frame is None:
        return pd.DataFrame(columns=list(VALUE_COLUMNS))
    return frame


def indicator_years(indicator_id: str, level: str | None = None) -> list[int]:
    """Years that have values for the indicator (at `level` when given), ascending."""
    return list(_indicator_years(indicator_id, level))


@lru_cache(maxsize=2048)
def _indicator_years(indicator_id: str, level: str | None) -> tuple[int, ...]:
    frame = indicator_frame(indicator_id)
    if level is not None:
        frame = frame[frame["level"] == level]
    return tuple(sorted(int(y) for y in frame["year"].unique()))


def indicator_levels(indicator_id: str) -> list[str]:
    frame = indicator_frame(indicator_id)
    present = set(frame["level"].astype(str).unique())
    return [level for level in config.LEVELS if level in present]


def indicator_values(indicator_id: str, level: str, year: int) -> pd.DataFrame:
    """Values of one indicator for every territory of `level` in `year`.

    Columns: code, name, value, status, category; one row per territory of the level, sorted by
    code. A territory without a stored row gets the status `missing`. The frame is cached per
    process and returned as a shallow copy, which copy-on-write keeps safe to modify.
    """
    return _indicator_values(indicator_id, level, int(year)).copy(deep=False)


@lru_cache(maxsize=256)
def _indicator_values(indicator_id: str, level: str, year: int) -> pd.DataFrame:
    frame = indicator_frame(indicator_id)
    frame = frame[(frame["level"] == level) & (frame["year"] == year)]
    base = territories_of(level)[["code", "name"]]
    stored = frame.set_index("code")[["value", "status", "category"]]
    merged = stored.reindex(base["code"]).reset_index()
    merged.insert(1, "name", base["name"].to_numpy())
    merged["status"] = merged["status"].astype("object").fillna("missing")
    return merged


def value_of(indicator_id: str, level: str, year: int, code: str) -> tuple[float | None, str, str | None]:
    """(value, status, category) of one territory; status `missing` when it has no row."""
    table = _value_lookup(indicator_id, level, int(year))
    found = table.get(code)
    return found if found is not None else (None, "missing", None)


@lru_cache(maxsize=256)
def _value_lookup(indicator_id: str, level: str, year: int) -> dict[str, tuple]:
    frame = indicator_frame(indicator_id)
    frame = frame[(frame["level"] == level) & (frame["year"] == year)]
    return {code: (None if pd.isna(value) else float(value), str(status), None if pd.isna(category) else str(category))
            for code, value, status, category in zip(frame["code"], frame["value"], frame["status"], frame["category"])}


def territory_values(level: str, code: str, indicator_ids: list[str] | None = None) -> pd.DataFrame:
    """Return every value stored for one territory: indicator, year, value, status, category."""
    df = values()
    rows = df[(df["level"] == level) & (df["code"] == code)]
    if indicator_ids is not None:
        rows = rows[rows["indicator"].isin(indicator_ids)]
    return rows[["indicator", "year", "value", "status", "category"]].reset_index(drop=True)


@lru_cache(maxsize=1)
def places() -> pd.DataFrame:
    """The cultural places layer (columns of `atlas.places.PLACE_COLUMNS`)."""
    with _lock:
        df = pd.read_parquet(_require(build_dir() / "places.parquet"))
    log.info("places loaded: %d rows", len(df))
    return df


def read_optional(name: str) -> pd.DataFrame | None:
    """Read another Parquet output (places, crosswalk...) or None when the build lacks it."""
    path = build_dir() / name
    return pd.read_parquet(path) if path.exists() else None


def quality_report() -> str:
    path = build_dir() / "quality_report.md"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def warm() -> None:
    """Load the frames every page needs, so that no user request pays for it."""
    if not is_built():
        log.warning("store not warmed: the data are not built yet")
        return
    territories()
    _values_by_indicator()
    log.info("store warmed")


def reset() -> None:
    """Forget every loaded frame, for tests that swap the build folder."""
    for function in (manifest, territories, territories_of, values, _values_by_indicator, places):
        function.cache_clear()
