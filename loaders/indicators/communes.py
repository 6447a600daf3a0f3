"""Moving commune values from the COG vintage of a workbook to the 2025 communes.

Communes merge every year, so a workbook on COG 2018 can hold several rows for one 2025
commune. What happens to them depends on the catalogue aggregation rule:

- `sum` (counts, amounts): the parts are added; the result is ok only when every part is ok;
- `ratio`: the caller recomputes the ratio from its mapped parts; a ratio read without its
  parts is `not_applicable` for a merged commune;
- `weighted_mean`, `none` (medians, rates without parts): `not_applicable` for a merged commune;
- categorical: kept when every part has the same category, else `not_applicable`.

A 2025 commune fed by one old code simply takes its row. Old codes divided between several
2025 communes cannot be placed and are reported.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pandas as pd

from loaders.territories.crosswalk import map_commune_codes

log = logging.getLogger(__name__)


@dataclass
class MappingFacts:
    """Facts about one mapping, for the quality report."""

    renamed: int = 0  # rows whose code changed without merging
    merged: dict[str, list[str]] = field(default_factory=dict)  # new code -> old codes
    not_applicable: list[str] = field(default_factory=list)  # merged communes without a value
    unplaced: list[str] = field(default_factory=list)  # old codes with no single 2025 commune


def _combine_statuses(statuses: pd.Series) -> str:
    others = statuses[statuses != "ok"].unique()
    if len(others) == 0:
        return "ok"
    return str(others[0]) if len(others) == 1 else "missing"


def code_lookup(crosswalk: pd.DataFrame) -> dict[str, str]:
    """Old commune code -> 2025 commune code, for every code with a single 2025 commune.

    Built once per build from `map_commune_codes`, because mapping each workbook through it
    again would repeat the same work for every column.
    """
    old_codes = pd.Series(sorted(crosswalk["old_code"].astype(str).unique()))
    mapped = map_commune_codes(old_codes, crosswalk)
    known = mapped["new_code"].notna()
    return dict(zip(old_codes[known], mapped.loc[known, "new_code"].astype(str)))


def map_to_current(frame: pd.DataFrame, lookup: dict[str, str], rule: str,
                   categorical: bool = False) -> tuple[pd.DataFrame, MappingFacts]:
    """Return `frame` (code, value, status, category) with 2025 commune codes, one row each.

    `frame` codes must be normalised already; `lookup` comes from `code_lookup`.
    """
    facts = MappingFacts()
    work = frame.reset_index(drop=True).copy()
    work["new_code"] = work["code"].map(lookup)
    unplaced = work["new_code"].isna()
    facts.unplaced = sorted(work.loc[unplaced, "code"].astype(str))
    work = work[~unplaced]
    facts.renamed = int((work["code"] != work["new_code"]).sum())

    sizes = work.groupby("new_code")["code"].transform("size")
    single = work[sizes == 1].copy()
    single["code"] = single["new_code"]
    merged_rows = work[sizes > 1]
    facts.merged = {new: sorted(group["code"].astype(str))
                    for new, group in merged_rows.groupby("new_code")}

    combined = []
    for new_code, group in merged_rows.groupby("new_code", sort=False):
        status = _combine_statuses(group["status"])
        value, category = None, None
        if categorical:
            found = group["category"].dropna().unique()
            if status == "ok" and len(found) == 1:
                category = found[0]
            else:
                status = "not_applicable"
        elif rule == "sum":
            if status == "ok":
                value = float(group["value"].sum())
        else:
            status = "not_applicable"
        if status == "not_applicable":
            facts.not_applicable.append(str(new_code))
        combined.append({"code": new_code, "value": value, "status": status, "category": category})

    columns = ["code", "value", "status", "category"]
    result = pd.concat([single[columns], pd.DataFrame(combined, columns=columns)],
                       ignore_index=True)
    result["value"] = result["value"].astype("float64")
    return result, facts
