"""Historical perimeters of an EPCI, from the build file `epci_perimeters.parquet`.

EPCI values in the store are on the perimeter of 1 January 2025. These pure functions tell a
chart how the perimeter of an EPCI differed in earlier years, so that it can note it under
the series, and sum commune values over the perimeter of any year.
"""

from __future__ import annotations

import pandas as pd


def perimeter_history(perimeters: pd.DataFrame, epci: str, current_year: int = 2025) -> pd.DataFrame:
    """Compare the EPCI's member communes of every year with those of `current_year`.

    `perimeters` has `year`, `epci` and `commune` (a COG 2025 code). Returns one row per year
    where the EPCI exists: `year`, `communes` (count), `same_as_current` (bool), `added` and
    `removed` (sorted lists of communes joined or left since that year, seen from
    `current_year`). Years where the SIREN did not exist yet (a later merger) are absent.
    Raises KeyError when the EPCI has no member in `current_year`.
    """
    rows = perimeters[perimeters["epci"].astype(str) == str(epci)]
    by_year = rows.groupby("year")["commune"].agg(lambda codes: set(codes.astype(str)))
    if current_year not in by_year.index:
        raise KeyError(f"EPCI {epci} has no member communes in {current_year}")
    current = by_year.loc[current_year]
    records = []
    for year, members in by_year.items():
        records.append({"year": int(year), "communes": len(members),
                        "same_as_current": members == current,
                        "added": sorted(current - members), "removed": sorted(members - current)})
    return pd.DataFrame(records, columns=["year", "communes", "same_as_current", "added",
                                          "removed"])


def perimeter_change_years(history: pd.DataFrame) -> list[int]:
    """Return the years whose perimeter differs from the previous listed year's.

    The first listed year is not a change. A year without a list (2018) is skipped, so a change
    between 2017 and 2019 is reported in 2019.
    """
    ordered = history.sort_values("year")
    changes = []
    previous = None
    for row in ordered.itertuples(index=False):
        members = (frozenset(row.added), frozenset(row.removed))
        if previous is not None and members != previous:
            changes.append(int(row.year))
        previous = members
    return changes


def sum_on_perimeter(commune_values: pd.DataFrame, perimeters: pd.DataFrame, epci: str,
                     perimeter_year: int) -> pd.DataFrame:
    """Sum commune values over the EPCI's members of `perimeter_year`, for every value year.

    `commune_values` has `code`, `year`, `value`, `status` (store rows of one indicator at the
    commune level). Returns `year`, `value`, `status`, `communes`, `communes_ok`: the value is
    the sum of the ok members and `ok` only when every member is ok, else `missing`.
    """
    members = perimeters[(perimeters["epci"].astype(str) == str(epci))
                         & (perimeters["year"] == perimeter_year)]["commune"].astype(str).unique()
    if len(members) == 0:
        raise KeyError(f"EPCI {epci} has no member communes in {perimeter_year}")
    rows = commune_values[commune_values["code"].astype(str).isin(set(members))]
    records = []
    for year, group in rows.groupby("year"):
        ok = group["status"] == "ok"
        complete = int(ok.sum()) == len(members)
        records.append({"year": int(year),
                        "value": float(group.loc[ok, "value"].sum()) if complete else None,
                        "status": "ok" if complete else "missing",
                        "communes": len(members), "communes_ok": int(ok.sum())})
    return pd.DataFrame(records, columns=["year", "value", "status", "communes", "communes_ok"])
