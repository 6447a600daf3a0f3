"""Merge the records that describe the same place, within a source and across sources.

- Within one source, rows equal on every field the source gives are one place listed twice;
  the first row is kept. Rows that differ in any field (two operations on one cathedral, two
  monuments with the same name in one town) are kept apart.
- Across sources, the pairs of `SOURCE_PAIRS` describe the same kind of places. They are merged
  by their shared key (CNC establishment number, library code, Muséofile id). The records still
  unmatched are then merged by commune and name, when both are unique on each side.

A merged place takes its fields from the primary source and fills the gaps from the other one.
Its position (and commune) comes from the record whose `location_flag` is the most reliable.
Both sources and both source ids are kept, `;`-joined, primary first.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pandas as pd

from loaders.places.inputs import RECORD_COLUMNS, normalize_name

log = logging.getLogger(__name__)

# (primary, secondary): the primary is the newer or richer list.
SOURCE_PAIRS: tuple[tuple[str, str], ...] = (
    ("cnc_cinemas", "deps_cinemas"),
    ("olp_bibliotheques", "deps_bibliotheques"),
    ("museofile", "musees_liste_officielle"),
)
# Secondary sources whose unmatched records are dropped: a cinema of the older Deps list that is
# not in the CNC 2022 list of active cinemas had closed or was renumbered by then.
SUPERSEDED_SOURCES: dict[str, str] = {"deps_cinemas": "cnc_cinemas"}

# From the most to the least reliable position.
FLAG_RANK = {"ok": 0, "near_commune": 1, "stacked": 2, "commune_from_point": 3, "unchecked": 4,
             "moved_to_centroid": 5, "no_coordinates_centroid": 6}
LOCATION_COLUMNS = ("commune", "arrondissement", "lon", "lat", "source_lon", "source_lat",
                    "location_flag", "coordinate_problem", "source_distance_m")


@dataclass
class MergeResult:
    places: pd.DataFrame
    facts: dict = field(default_factory=dict)


def drop_repeated_rows(places: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Drop rows equal to an earlier row on every field the source gives; count them per source."""
    ignored = {"row", "place_key"}
    columns = [c for c in RECORD_COLUMNS if c in places.columns and c not in ignored]
    repeated = places[columns].astype(str).duplicated()
    counts = places.loc[repeated, "source"].value_counts()
    return places[~repeated], counts


def _pair_matches(primary: pd.DataFrame, secondary: pd.DataFrame) -> pd.DataFrame:
    """Return `primary`/`secondary` index pairs matched by key, then by commune and name."""
    by_key = (primary.dropna(subset=["match_key"]).drop_duplicates("match_key", keep=False)
              .reset_index()[["index", "match_key"]]
              .merge(secondary.dropna(subset=["match_key"]).drop_duplicates("match_key", keep=False)
                     .reset_index()[["index", "match_key"]], on="match_key",
                     suffixes=("_primary", "_secondary")))
    by_key["method"] = "key"
    rest_primary = primary.drop(by_key["index_primary"])
    rest_secondary = secondary.drop(by_key["index_secondary"])

    def name_keys(frame):
        out = pd.DataFrame({"index": frame.index,
                            "name_key": frame["commune"].astype(str) + "|" + frame["name"].map(normalize_name)})
        return out[frame["name"].notna().to_numpy()].drop_duplicates("name_key", keep=False)

    by_name = name_keys(rest_primary).merge(name_keys(rest_secondary), on="name_key",
                                            suffixes=("_primary", "_secondary"))
    by_name["method"] = "commune_and_name"
    return pd.concat([by_key[["index_primary", "index_secondary", "method"]],
                      by_name[["index_primary", "index_secondary", "method"]]], ignore_index=True)


def _merge_pairs(primary: pd.DataFrame, secondary: pd.DataFrame) -> pd.DataFrame:
    """Merge row i of `primary` with row i of `secondary` (both indexed alike)."""
    merged = primary.copy()
    for column in primary.columns:
        if column not in LOCATION_COLUMNS:
            merged[column] = primary[column].where(primary[column].notna(), secondary[column])
    better = (secondary["location_flag"].map(FLAG_RANK).fillna(9)
              < primary["location_flag"].map(FLAG_RANK).fillna(9))
    for column in LOCATION_COLUMNS:
        merged[column] = primary[column].where(~better, secondary[column])
    merged["sources"] = primary["source"] + ";" + secondary["source"]
    merged["source_ids"] = [";".join(str(v) for v in pair if isinstance(v, str))
                            for pair in zip(primary["source_id"], secondary["source_id"])]
    return merged


def merge_sources(places: pd.DataFrame) -> MergeResult:
    """Merge repeated rows and the records of `SOURCE_PAIRS`; return places and counts."""
    places, repeated = drop_repeated_rows(places.reset_index(drop=True))
    places = places.copy()
    places["sources"] = places["source"]
    places["source_ids"] = places["source_id"]
    facts: dict = {"repeated_rows": repeated.to_dict(), "pairs": {}}

    drop: list[int] = []
    merged_parts: list[pd.DataFrame] = []
    for primary_source, secondary_source in SOURCE_PAIRS:
        primary = places[places["source"] == primary_source]
        secondary = places[places["source"] == secondary_source]
        # Rows of the secondary source sharing a key that the primary source lists once are one
        # place under former names, so they are folded into the first of them. The official
        # museum list has three rows for the Confluences museum, and Muséofile one.
        keys = secondary["match_key"]
        folded = keys.notna() & keys.duplicated() & keys.isin(
            primary["match_key"].dropna().drop_duplicates(keep=False))
        drop.extend(secondary.index[folded])
        secondary = secondary[~folded]
        matches = _pair_matches(primary, secondary)
        left = places.loc[matches["index_primary"]]
        right = places.loc[matches["index_secondary"]].set_axis(left.index)
        merged_parts.append(_merge_pairs(left, right))
        commune_disagreements = int((left["commune"] != right["commune"]).sum())
        drop.extend(matches["index_secondary"])
        unmatched = secondary.index.difference(matches["index_secondary"])
        superseded = secondary_source in SUPERSEDED_SOURCES
        if superseded:
            drop.extend(unmatched)
        facts["pairs"][(primary_source, secondary_source)] = {
            "matched_by_key": int((matches["method"] == "key").sum()),
            "matched_by_commune_and_name": int((matches["method"] == "commune_and_name").sum()),
            "primary_only": int(len(primary) - len(matches)),
            "secondary_only": int(len(unmatched)),
            "secondary_only_dropped": bool(superseded),
            "commune_disagreements": commune_disagreements,
            "secondary_rows_folded": int(folded.sum()),
        }
        log.info("merged %s and %s: %d matches", primary_source, secondary_source, len(matches))

    if merged_parts:
        replacement = pd.concat(merged_parts)
        places = pd.concat([places.drop(index=replacement.index), replacement]).sort_index()
    places = places.drop(index=drop).reset_index(drop=True)
    return MergeResult(places, facts)
