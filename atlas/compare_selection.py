"""Which territories to compare: containing territories, common parent, similar territories.

Pure functions over the territories frame (columns code, level, name and one column per parent
level, as in `territories.parquet`) and, for similar territories, a frame of populations.
Territories are `(level, code)` tuples.
"""

from __future__ import annotations

import math

import pandas as pd

# Levels from the smallest to the largest: the first common container in this order is the
# closest common parent. France is left out: it is always a column of its own.
CONTAINER_ORDER = ("arrondissement_municipal", "commune", "epci", "zone_emploi", "aav",
                   "departement", "region")
# Parent columns that wholly contain a commune (or an arrondissement municipal).
COMMUNE_CONTAINERS = ("commune", "epci", "departement", "region")
# Levels whose parents are read from their member communes, because their territory row does
# not say whether they straddle a boundary (an EPCI can cover two départements).
GROUPING_LEVELS = ("epci", "zone_emploi", "aav")
# Where to look for similar territories: territories of the same level with the same value in
# this parent column. None means the whole country.
PEER_PARENT = {"arrondissement_municipal": "commune", "commune": "departement", "epci": "departement",
               "zone_emploi": "region", "aav": "region", "departement": "region", "region": None}


def _present(value) -> bool:
    return value is not None and not pd.isna(value) and str(value) != ""


def member_containers(territories: pd.DataFrame, level: str) -> pd.DataFrame:
    """Return, for each territory of `level`, the département and région that contain all of
    its member communes (NA where the members lie in several).

    Indexed by the code of the `level` territory, columns `departement` and `region`.
    """
    communes = territories[territories["level"] == "commune"]
    communes = communes[communes[level].notna()] if level in communes.columns else communes.iloc[0:0]
    result = {}
    for parent in ("departement", "region"):
        grouped = communes.groupby(level, observed=True)[parent]
        unique = grouped.nunique(dropna=False)
        first = grouped.first()
        result[parent] = first.where(unique == 1)
    frame = pd.DataFrame(result)
    frame.index = frame.index.astype(str)
    return frame


def containers(territories: pd.DataFrame, level: str, code: str,
               grouping: pd.DataFrame | None = None) -> dict[str, str]:
    """Return the territories that wholly contain (`level`, `code`), as {level: code}.

    Communes and arrondissements municipaux read their parent columns; a département its
    région; an EPCI, zone d'emploi or AAV the département and région of its member communes
    (`grouping`, from `member_containers`, computed here when not given). France is left out.
    """
    rows = territories[(territories["level"] == level) & (territories["code"] == code)]
    if rows.empty:
        return {}
    row = rows.iloc[0]
    if level in ("commune", "arrondissement_municipal"):
        return {parent: str(row[parent]) for parent in COMMUNE_CONTAINERS
                if parent != level and parent in row.index and _present(row[parent])}
    if level == "departement":
        return {"region": str(row["region"])} if _present(row.get("region")) else {}
    if level in GROUPING_LEVELS:
        grouping = member_containers(territories, level) if grouping is None else grouping
        if code not in grouping.index:
            return {}
        found = grouping.loc[code]
        return {parent: str(found[parent]) for parent in ("departement", "region") if _present(found[parent])}
    return {}


def common_parent(territories: pd.DataFrame, selected, grouping_by_level: dict | None = None
                  ) -> tuple[str, str] | None:
    """Return the smallest territory that is or contains every selected territory, or None.

    A selected territory can itself be the common parent (a commune with its département).
    France never is: it is shown in any case. `grouping_by_level` maps a grouping level to its
    `member_containers` frame, to avoid recomputing it.
    """
    selected = [(level, code) for level, code in selected if level != "france"]
    if not selected:
        return None
    grouping_by_level = grouping_by_level or {}
    common: set[tuple[str, str]] | None = None
    for level, code in selected:
        found = containers(territories, level, code, grouping_by_level.get(level))
        family = {(level, code)} | set(found.items())
        common = family if common is None else common & family
        if not common:
            return None
    rank = {level: i for i, level in enumerate(CONTAINER_ORDER)}
    return min(common, key=lambda item: rank.get(item[0], len(rank)))


def parents_to_add(territories: pd.DataFrame, level: str, code: str,
                   grouping: pd.DataFrame | None = None) -> list[tuple[str, str]]:
    """Return the containing territories of (`level`, `code`), smallest first (France excluded)."""
    found = containers(territories, level, code, grouping)
    return [(parent, found[parent]) for parent in CONTAINER_ORDER if parent in found]


def similar_territories(territories: pd.DataFrame, population: pd.DataFrame, level: str, code: str,
                        count: int, exclude=()) -> list[tuple[str, str]]:
    """Return up to `count` territories of the same level and parent with the closest population.

    `population` holds one row per territory of `level` (`code`, `value`, `status`); only `ok`
    values count. Closeness is the distance between the logarithms of the populations, so that
    10 000 is as close to 5 000 as to 20 000. The parent is the column of `PEER_PARENT`; a
    territory without one is compared with the whole country. Returns [] when the territory has
    no population value.
    """
    if count <= 0:
        return []
    peers = territories[territories["level"] == level]
    row = peers[peers["code"] == code]
    if row.empty:
        return []
    parent_column = PEER_PARENT.get(level)
    if parent_column and parent_column in peers.columns and _present(row.iloc[0][parent_column]):
        peers = peers[peers[parent_column] == row.iloc[0][parent_column]]

    ok = population[(population["status"].astype(str) == "ok") & population["value"].notna()]
    sizes = dict(zip(ok["code"].astype(str), ok["value"].astype(float)))
    own = sizes.get(code)
    if own is None or own <= 0:
        return []

    excluded = {code} | {item_code for item_level, item_code in exclude if item_level == level}
    distances = []
    for peer in peers["code"].astype(str):
        size = sizes.get(peer)
        if peer in excluded or size is None or size <= 0:
            continue
        distances.append((abs(math.log(size) - math.log(own)), peer))
    distances.sort()
    return [(level, peer) for _, peer in distances[:count]]
