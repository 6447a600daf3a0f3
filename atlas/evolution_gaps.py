"""Years without data in the Évolution view: gaps of a territory and vintages absent from a series.

A territory can lack a value in a year that its level has (status `missing`, `secret`...): the
chart shows a hole there. A whole series can also skip a vintage of its own cadence (no 2018
population in any source): the chart then leaves the line open between the two vintages
around it.
"""

from __future__ import annotations

import pandas as pd

from atlas import config
from atlas.evolution_params import indicator_years

# A step between two vintages longer than this many times the steps around it means that a
# vintage of the series is absent (2018 between annual 2017 and 2019, 1946 between 1936 and 1954).
CADENCE_GAP_RATIO = 1.5


def year_ranges(years: list[int], grid: list[int]) -> str:
    """Write `years` as ranges of consecutive vintages of `grid`: "1876-1931, 2020"."""
    position = {year: index for index, year in enumerate(grid)}
    ordered = sorted(years, key=lambda year: position.get(year, year))
    runs: list[list[int]] = []
    for year in ordered:
        if runs and position.get(year) is not None and position.get(runs[-1][-1]) is not None \
                and position[year] == position[runs[-1][-1]] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}" for run in runs)


def missing_years(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """Group the years without a value of a line frame by status: [(status, "1876-1931, 2020")]."""
    grid = [int(year) for year in frame["year"]]
    found = []
    for status in config.STATUSES:
        if status == "ok":
            continue
        years = [int(year) for year in frame.loc[frame["status"] == status, "year"]]
        if years:
            found.append((status, year_ranges(years, grid)))
    return found


def cadence_gaps(years: list[int]) -> list[tuple[int, int]]:
    """Return the (before, after) vintages between which the series skips its own cadence.

    A step is a gap when it is more than `CADENCE_GAP_RATIO` times the longest neighbouring
    step. Census series change cadence (every 5 years, then 6 to 9, then annual): 1990 to 1999
    or 1999 to 2006 are ordinary steps, 2017 to 2019 inside annual vintages is a gap.
    """
    ordered = sorted({int(year) for year in years})
    steps = [b - a for a, b in zip(ordered, ordered[1:])]
    gaps = []
    for i, step in enumerate(steps):
        neighbours = steps[max(i - 1, 0):i] + steps[i + 1:i + 2]
        if neighbours and step > CADENCE_GAP_RATIO * max(neighbours):
            gaps.append((ordered[i], ordered[i + 1]))
    return gaps


def absent_vintages(indicator_id: str, levels, start: int, end: int) -> list[tuple[int, int]]:
    """Return the cadence gaps of the indicator at `levels` that lie inside [start, end]."""
    found: set[tuple[int, int]] = set()
    for level in set(levels):
        for before, after in cadence_gaps(indicator_years(indicator_id, level)):
            if start <= before and after <= end:
                found.add((before, after))
    return sorted(found)
