"""Assembly of `territories.parquet`: one row per territory with the codes of its parents."""

from __future__ import annotations

import pandas as pd

from atlas import config

TERRITORY_COLUMNS = ("code", "level", "name", "region", "departement", "zone_emploi", "epci",
                     "aav", "commune")
# Levels that can hold a parent column, in the order of `config.LEVELS` (france has no column).
PARENT_LEVELS = ("region", "departement", "zone_emploi", "epci", "aav")


def build_territory_table(communes: pd.DataFrame, arrondissements: pd.DataFrame,
                          names: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Return the territories frame.

    `communes` has one row per 2025 commune with `code`, `name` and one column per level of
    `PARENT_LEVELS`; `names` gives `code`/`name` frames for each of those levels. A territory
    above the commune gets a parent at a higher level only when all its communes lie in one
    territory of that level (an EPCI spanning two départements has no `departement`).
    """
    rows = [pd.DataFrame({"code": [config.FRANCE_CODE], "level": ["france"],
                          "name": ["France"]})]
    for position, level in enumerate(PARENT_LEVELS):
        above = PARENT_LEVELS[:position]
        frame = names[level][["code", "name"]].copy()
        frame["level"] = level
        if above:
            frame = frame.merge(_unique_parents(communes, level, above), how="left",
                                left_on="code", right_index=True)
        rows.append(frame)

    commune_rows = communes[["code", "name", *PARENT_LEVELS]].assign(level="commune")
    rows.append(commune_rows)

    city_parents = communes.set_index("code")[list(PARENT_LEVELS)]
    arm = arrondissements[["code", "name", "commune"]].merge(
        city_parents, how="left", left_on="commune", right_index=True)
    rows.append(arm.assign(level="arrondissement_municipal"))

    table = pd.concat(rows, ignore_index=True)
    for column in TERRITORY_COLUMNS:
        if column not in table.columns:
            table[column] = pd.NA
        table[column] = table[column].astype("string")
    order = {level: i for i, level in enumerate(config.LEVELS + ("arrondissement_municipal",))}
    table = table.sort_values(["level", "code"], key=lambda s: s.map(order) if s.name == "level"
                              else s).reset_index(drop=True)
    return table[list(TERRITORY_COLUMNS)]


def _unique_parents(communes: pd.DataFrame, level: str, above: tuple[str, ...]) -> pd.DataFrame:
    """For each territory of `level`, the parent at each level of `above` when it is unique."""
    members = communes.dropna(subset=[level])
    result = {}
    for parent_level in above:
        counts = members.groupby(level)[parent_level].agg(["nunique", "first"])
        unique = counts["nunique"] == 1
        has_null = members[parent_level].isna().groupby(members[level]).any()
        result[parent_level] = counts["first"].where(unique & ~has_null)
    return pd.DataFrame(result)
