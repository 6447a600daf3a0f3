"""Helpers shared by the place readers: reading sheets and CSV files, and the reader schema.

Every reader returns a frame with the columns of `RECORD_COLUMNS` (missing ones are added as
null), one row per place as the source lists it. Validation, cross-source merging and commune
assignment happen later, on all sources at once.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from pathlib import Path

import pandas as pd

from loaders.errors import BuildError

log = logging.getLogger(__name__)

# Columns of a reader's frame. `place_key` is the stable place id built from the source key.
# `match_key` is a key shared with another source of the same places (library code,
# Muséofile id, CNC number), used to merge them. `commune_raw` is the commune code exactly as the source writes it
# (possibly several codes, or a number that lost its leading zero); `row` is the row number a
# person sees when opening the file (Excel row, or CSV line counting the header as 1).
RECORD_COLUMNS: tuple[str, ...] = (
    "place_key", "source", "source_id", "row", "name", "domain", "type", "label", "address", "postal_code",
    "commune_raw", "commune_name", "departement_hint", "source_lon", "source_lat",
    "coordinate_problem", "vintage",
    "screens", "seats", "admissions", "admissions_previous", "art_et_essai_labels", "multiplex",
    "surface_m2", "capacity", "creation_year", "amount_eur", "operation", "owner",
    "protection_regime", "match_key",
)
TEXT_COLUMNS = ("place_key", "source", "source_id", "name", "domain", "type", "label", "address",
                "postal_code", "commune_raw", "commune_name", "departement_hint",
                "coordinate_problem", "art_et_essai_labels", "operation", "owner",
                "protection_regime", "match_key")
FLOAT_COLUMNS = ("source_lon", "source_lat", "screens", "seats", "admissions",
                 "admissions_previous", "surface_m2", "capacity", "amount_eur")
INT_COLUMNS = ("row", "vintage", "creation_year")


def require_file(raw_dir: Path, *parts: str) -> Path:
    path = Path(raw_dir).joinpath(*parts)
    if not path.exists():
        raise BuildError("input file not found.", file=str(path),
                         fix="check ATLAS_RAW_DIR or restore the raw data folder.")
    return path


def check_columns(df: pd.DataFrame, required: list[str] | tuple[str, ...], path: Path,
                  sheet: str | None = None) -> None:
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise BuildError(f"missing columns {missing}; found {list(df.columns)[:12]}...",
                         file=str(path), sheet=sheet,
                         fix="use the file layout described in the folder's SOURCES.md.")


def read_sheet(path: Path, sheet: str | int, required: list[str]) -> pd.DataFrame:
    """Read one sheet as text with its header in the first row, checking the needed columns."""
    try:
        df = pd.read_excel(path, sheet_name=sheet, engine="calamine", dtype=object)
    except (ValueError, OSError) as error:
        raise BuildError(f"cannot read the sheet ({error}).", file=str(path),
                         sheet=str(sheet), fix="restore the workbook from the source.")
    check_columns(df, required, path, str(sheet))
    df["row"] = range(2, len(df) + 2)
    return df


def read_text_csv(path: Path, required: list[str], **options) -> pd.DataFrame:
    """Read a CSV with every column as text (codes keep their leading zeros)."""
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], **options)
    except (ValueError, OSError, UnicodeDecodeError) as error:
        raise BuildError(f"cannot read the CSV ({error}).", file=str(path),
                         fix="check the separator and encoding given in SOURCES.md.")
    check_columns(df, required, path)
    df["row"] = range(2, len(df) + 2)
    return df


def check_known(values: pd.Series, known, rows: pd.Series, path: Path, column: str,
                sheet: str | None = None, what: str = "value") -> None:
    """Raise BuildError at the first non-null value of `values` that is not in `known`.

    `rows` gives the file row of each value. The message names the value, the expected ones and
    the taxonomy, which must learn a new kind before the reader can map it.
    """
    unknown = values[values.notna() & ~values.isin(list(known))]
    if unknown.empty:
        return
    raise BuildError(f"unknown {what} '{unknown.iloc[0]}'; expected one of {list(known)}.",
                     file=str(path), sheet=sheet, row=int(rows.loc[unknown.index[0]]),
                     column=column,
                     fix=f"map the {what} in the reader and add it to the place taxonomy.")


def text(series: pd.Series) -> pd.Series:
    """Return trimmed text with empty cells and spreadsheet placeholders as null."""
    out = series.map(_clean_text).astype("object")
    return out.where(out.notna(), None)


def _clean_text(value) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    cleaned = " ".join(str(value).split())
    return cleaned if cleaned and cleaned not in {"-", "nan", "NaN", "#REF!", "NR"} else None


def number(series: pd.Series) -> pd.Series:
    """Parse numbers written with a decimal comma or point; anything else becomes NaN."""
    def parse(value):
        if value is None or (isinstance(value, float) and value != value):
            return float("nan")
        if isinstance(value, (int, float)):
            return float(value)
        cleaned = str(value).strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
        cleaned = cleaned.replace(",", ".")
        try:
            return float(cleaned)
        except ValueError:
            return float("nan")
    return series.map(parse).astype("float64")


def postal_code(series: pd.Series) -> pd.Series:
    """Return 5-digit postal codes, restoring a leading zero lost by a spreadsheet."""
    def parse(value):
        cleaned = _clean_text(value)
        if cleaned is None:
            return None
        cleaned = re.sub(r"\.0+$", "", cleaned)
        if cleaned.isdigit() and 4 <= len(cleaned) <= 5:
            return cleaned.zfill(5)
        return None
    out = series.map(parse).astype("object")
    return out.where(out.notna(), None)


def departement_of_postal_code(code: str | None) -> str | None:
    """Return the département a postal code most likely belongs to, as a hint for checks.

    Overseas codes give 971-976; Corsican codes below 20200 give 2A, the others 2B. A postal
    code can cross a département border, so this is only used to spot gross errors.
    """
    if not isinstance(code, str) or not code:
        return None
    if code.startswith("97"):
        return code[:3]
    if code.startswith("20"):
        return "2A" if code < "20200" else "2B"
    return code[:2]


def joined_codes(*columns: pd.Series) -> pd.Series:
    """Join the distinct codes of several columns with " ; ", the first column first.

    Used where a source gives both a commune and a finer code (arrondissement municipal,
    commune déléguée) that may be wrong: validation keeps the candidate containing the point.
    """
    def join(values):
        seen = []
        for value in values:
            cleaned = _clean_text(value)
            if cleaned and cleaned not in seen:
                seen.append(cleaned)
        return " ; ".join(seen) or None
    return pd.Series([join(v) for v in zip(*columns)], index=columns[0].index, dtype="object")


def normalize_name(value) -> str:
    """Return an accent-free, upper-case name with punctuation folded, for matching."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    folded = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode()
    folded = re.sub(r"[^A-Za-z0-9]+", " ", folded).upper()
    return " ".join(folded.split())


def stable_ids(prefix: str, keys: pd.Series, names: pd.Series) -> pd.Series:
    """Build place ids `<prefix>_<key>` that stay the same from one build to the next.

    Where the source key is missing or repeated, a 6-character digest of the key and the name
    separates the rows. Two rows equal on both would still collide, so they get a counter
    suffix in file order, which is stable as long as the file is.
    """
    keys = keys.map(lambda v: re.sub(r"[^A-Za-z0-9]+", "-", str(v)).strip("-") if v else "")
    repeated = keys.duplicated(keep=False) | (keys == "")
    digests = [hashlib.sha1(f"{k}|{n}".encode()).hexdigest()[:6] for k, n in zip(keys, names)]
    ids = []
    for key, digest, is_repeated in zip(keys, digests, repeated):
        if not key:
            ids.append(f"{prefix}_{digest}")
        elif is_repeated:
            ids.append(f"{prefix}_{key}_{digest}")
        else:
            ids.append(f"{prefix}_{key}")
    ids = pd.Series(ids, index=keys.index)
    counter = ids.groupby(ids).cumcount()
    return ids.where(counter == 0, ids + "_" + (counter + 1).astype(str))


def finish(df: pd.DataFrame, source: str, vintage: int) -> pd.DataFrame:
    """Add the source, vintage and missing columns, and set the column types."""
    out = df.copy()
    out["source"] = source
    out["vintage"] = vintage
    for column in RECORD_COLUMNS:
        if column not in out.columns:
            out[column] = None
    out = out[list(RECORD_COLUMNS)]
    for column in TEXT_COLUMNS:
        out[column] = out[column].astype("object").where(out[column].notna(), None)
    for column in FLOAT_COLUMNS:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
    for column in INT_COLUMNS:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("Int64")
    out["multiplex"] = out["multiplex"].astype("boolean")
    log.info("read %s: %d places", source, len(out))
    return out.reset_index(drop=True)


def deps_base_columns(df: pd.DataFrame, *, id_column: str, commune_columns: tuple[str, ...],
                      commune_name_column: str, coordinates_column: str) -> pd.DataFrame:
    """Read the columns every sheet of the Deps facilities base has in common.

    Returns `row`, `name`, `source_id`, `postal_code`, `commune_raw`, `commune_name` and the
    coordinates parsed from the "[lat, lon]" text column; each reader adds its own columns.
    Several `commune_columns` (arrondissement or commune déléguée first) are joined as
    candidate codes.
    """
    from loaders.places import coordinates

    out = pd.DataFrame(index=df.index)
    out["row"] = df["row"]
    out["name"] = text(df["Nom"])
    out["source_id"] = text(df[id_column])
    out["postal_code"] = postal_code(df["Code_Postal"])
    if len(commune_columns) == 1:
        out["commune_raw"] = text(df[commune_columns[0]])
    else:
        out["commune_raw"] = joined_codes(*(df[column] for column in commune_columns))
    out["commune_name"] = text(df[commune_name_column])
    return out.join(coordinates.latlon_text_column(df[coordinates_column]))
