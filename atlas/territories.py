"""Territory look-ups on the territories frame: name search, parents and children.

Pure functions over the frame of `territories.parquet` (columns code, level, name and one
column per parent level). Search ignores case, accents, hyphens and apostrophes, and treats
"St"/"Ste" as "Saint"/"Sainte", so "st etienne" finds Saint-Étienne.
"""

from __future__ import annotations

import re
import unicodedata
import weakref

import pandas as pd

from atlas import config

ALL_LEVELS = config.LEVELS + ("arrondissement_municipal",)
PARENT_COLUMNS = ("region", "departement", "zone_emploi", "epci", "aav", "commune")
# The level listed by default under a territory of each level.
CHILD_LEVEL = {"france": "region", "region": "departement", "departement": "commune",
               "zone_emploi": "commune", "epci": "commune", "aav": "commune",
               "commune": "arrondissement_municipal"}

_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
_SEPARATORS = re.compile(r"[\s\-'’‘`´_.,/()]+")
# Normalised names per territories frame, keyed by id() and dropped with the frame.
_index_cache: dict[int, pd.Series] = {}


def normalize_name(text: str) -> str:
    """Return `text` lower-cased, without accents, with separators as single spaces.

    Abbreviations "St", "Ste", "Sts", "Stes" become "saint", "sainte", "saints", "saintes".
    """
    if text is None:
        return ""
    decomposed = unicodedata.normalize("NFKD", str(text))
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    ascii_text = ascii_text.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae")
    words = _SEPARATORS.sub(" ", ascii_text.lower()).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


def _normalized_names(territories: pd.DataFrame) -> pd.Series:
    key = id(territories)
    cached = _index_cache.get(key)
    if cached is not None and cached.index.equals(territories.index):
        return cached
    names = territories["name"].fillna("").map(normalize_name)
    _index_cache[key] = names
    weakref.finalize(territories, _index_cache.pop, key, None)
    return names


def search(territories: pd.DataFrame, text: str, level: str | None = None,
           limit: int = 20) -> pd.DataFrame:
    """Find territories whose name or code matches `text`, best matches first.

    Ranking: exact code or name, then names starting with the text, then names with a word
    starting with it, then names containing it; ties go to the larger level, then the shorter
    name. Returns the matching rows plus a `label` column ("Saint-Denis (93)" for a commune,
    so that homonyms can be told apart).
    """
    if level is not None and level not in ALL_LEVELS:
        raise ValueError(f"unknown level '{level}'; expected one of {list(ALL_LEVELS)}")
    frame = territories if level is None else territories[territories["level"] == level]
    query = normalize_name(text)
    if not query:
        return _with_labels(frame.iloc[0:0])

    names = _normalized_names(territories).loc[frame.index]
    codes = frame["code"].str.lower()
    rank = pd.Series(99, index=frame.index)
    rank[names.str.contains(query, regex=False)] = 3
    rank[names.str.contains(" " + query, regex=False)] = 2
    rank[names.str.startswith(query)] = 1
    rank[(names == query) | (codes == query.replace(" ", ""))] = 0
    rank[codes.str.startswith(query) & (rank > 1) & query.replace(" ", "").isalnum()
         & (len(query) >= 2)] = 1
    hits = frame[rank < 99]
    if hits.empty:
        return _with_labels(hits)
    hits = hits.assign(_rank=rank[rank < 99],
                       _level=hits["level"].map({lv: i for i, lv in enumerate(ALL_LEVELS)}),
                       _length=hits["name"].str.len())
    hits = hits.sort_values(["_rank", "_level", "_length", "name", "code"]).head(limit)
    return _with_labels(hits.drop(columns=["_rank", "_level", "_length"]))


def _with_labels(rows: pd.DataFrame) -> pd.DataFrame:
    labels = rows["name"].astype("object").copy()
    is_local = rows["level"].isin(["commune", "arrondissement_municipal"])
    if "departement" in rows.columns:
        labels[is_local] = (rows.loc[is_local, "name"] + " ("
                            + rows.loc[is_local, "departement"].fillna("?") + ")")
    return rows.assign(label=labels.astype("string")).reset_index(drop=True)


def find(territories: pd.DataFrame, code: str, level: str) -> pd.Series | None:
    """Return the row of territory (`level`, `code`), or None."""
    rows = territories[(territories["level"] == level) & (territories["code"] == code)]
    return None if rows.empty else rows.iloc[0]


def parents(territories: pd.DataFrame, code: str, level: str) -> list[dict]:
    """Return the territories above (`level`, `code`), largest first, as code/level/name dicts.

    France is always first. Levels where the territory has no single parent are skipped.
    """
    row = find(territories, code, level)
    if row is None:
        return []
    found = [] if level == "france" else [{"code": config.FRANCE_CODE, "level": "france",
                                           "name": "France"}]
    for parent_level in PARENT_COLUMNS:
        parent_code = row.get(parent_level)
        if parent_level == level or parent_code is None or pd.isna(parent_code):
            continue
        parent = find(territories, parent_code, parent_level)
        if parent is not None:
            found.append({"code": parent_code, "level": parent_level, "name": parent["name"]})
    return found


def parent_codes(row: pd.Series) -> dict[str, str]:
    """Return the non-null parent columns of one territory row as a dict."""
    return {level: row[level] for level in PARENT_COLUMNS
            if level in row.index and row[level] is not None and not pd.isna(row[level])}


def children(territories: pd.DataFrame, code: str, level: str,
             child_level: str | None = None) -> pd.DataFrame:
    """Return the territories of `child_level` lying in (`level`, `code`), sorted by code.

    The default child level is the next one down (`CHILD_LEVEL`). For France every
    territory of the child level is returned.
    """
    child_level = child_level or CHILD_LEVEL.get(level)
    if child_level is None:
        return territories.iloc[0:0]
    rows = territories[territories["level"] == child_level]
    if level != "france":
        if level not in rows.columns:
            raise ValueError(f"level '{level}' has no parent column")
        rows = rows[rows[level] == code]
    return rows.sort_values("code").reset_index(drop=True)
