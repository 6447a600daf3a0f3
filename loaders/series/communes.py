"""Put yearly figures keyed by source commune codes onto the 2025 communes, then on every level.

Sources use the commune codes of their own COG vintage. `CodeMapper` sends each code to its
2025 commune through the crosswalk (an arrondissement municipal goes to its city).
`commune_totals` sums establishment figures per 2025 commune and year, and `aggregate_sum` adds
them up to the levels above with `loaders.aggregate`.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from atlas import config
from loaders.aggregate import aggregate
from loaders.territories.crosswalk import map_commune_codes

log = logging.getLogger(__name__)

LEVELS_ABOVE_COMMUNE = tuple(level for level in config.LEVELS if level != "commune")


def isin(values: pd.Series, allowed) -> pd.Series:
    """Return `values.isin(allowed)`, computed on object arrays.

    With pandas 3.1.1 and pyarrow 26.0.1, `isin` on Arrow-backed strings takes about 20 times
    longer than on object arrays (0.30 s against 0.014 s for 100,000 codes).
    """
    allowed = allowed if isinstance(allowed, pd.Index) else pd.Index(list(allowed))
    return values.astype(object).isin(allowed.astype(object))


class CodeMapper:
    """Map commune codes of any vintage to 2025 communes, looking each distinct code up once.

    `map_commune_codes` rebuilds its lookup table on every call, so the mapper calls it on the
    crosswalk's own codes once and again only for codes it has not seen.
    """

    def __init__(self, crosswalk: pd.DataFrame):
        self.crosswalk = crosswalk
        self._known = pd.DataFrame(columns=["new_code", "change_type"], dtype="string")
        self._learn(pd.Series(crosswalk["old_code"].astype(str).unique()))

    def _learn(self, codes: pd.Series) -> None:
        mapped = map_commune_codes(codes.reset_index(drop=True), self.crosswalk)
        found = pd.DataFrame({"new_code": mapped["new_code"].astype("string").to_numpy(),
                              "change_type": mapped["change_type"].astype("string").to_numpy()},
                             index=codes.astype(str).to_numpy())
        known = pd.concat([self._known, found])
        known = known[~known.index.duplicated()]
        known.index = known.index.astype(object)
        self._known = known

    def map(self, codes: pd.Series) -> pd.DataFrame:
        """Return `new_code` and `change_type` for each code of `codes`, aligned on its index.

        `new_code` is null for codes the crosswalk cannot place (`invalid_code`,
        `unknown_code`, `ambiguous_split`).
        """
        keys = codes.astype("string")
        unseen = pd.Series(keys.dropna().unique())
        unseen = unseen[~isin(unseen, self._known.index)]
        if len(unseen):
            self._learn(unseen.astype(str))
        found = self._known.reindex(keys.astype(object).to_numpy())
        result = pd.DataFrame({
            "new_code": found["new_code"].astype("string").to_numpy(),
            "change_type": found["change_type"].astype("string").to_numpy(),
        }, index=codes.index)
        result.loc[keys.isna(), "change_type"] = "invalid_code"
        return result


def describe_unmapped(frame: pd.DataFrame, code_column: str, label: str, limit: int = 15) -> str:
    """Return one report line listing the source codes of `frame` that have no 2025 commune."""
    counts = frame.groupby(frame[code_column].fillna("<vide>"))["change_type"].first()
    examples = ", ".join(f"{code} ({kind})" for code, kind in counts.head(limit).items())
    more = f" and {len(counts) - limit} more" if len(counts) > limit else ""
    return (f"- {label}: {len(frame)} rows with {len(counts)} distinct commune codes not placed "
            f"on COG 2025: {examples}{more}.")


def commune_totals(rows: pd.DataFrame, communes: pd.Index, years,
                   absent_is_zero: bool = True) -> pd.DataFrame:
    """Sum figures per 2025 commune and year, over every commune of `communes` and year.

    `rows` has `commune` (a 2025 code), `year`, `value` and `status`. A commune-year is `ok`
    with the sum of its ok rows when at least one row is ok. Otherwise it takes the status of
    its rows, or `missing` when they differ. A commune-year without any row is 0 (a true zero,
    e.g. no museum) with `absent_is_zero`, else `missing`.
    """
    rows = rows[isin(rows["commune"], communes)]
    ok = rows["status"] == "ok"
    grouped = rows.assign(ok_value=rows["value"].where(ok, 0.0), is_ok=ok.astype(int),
                          other=rows["status"].where(~ok)).groupby(["commune", "year"]).agg(
        value=("ok_value", "sum"), n_ok=("is_ok", "sum"), other_unique=("other", "nunique"),
        other_first=("other", "first"))
    grid = pd.MultiIndex.from_product([communes, sorted(int(y) for y in years)],
                                      names=["commune", "year"])
    frame = grouped.reindex(grid)
    present = frame["n_ok"].notna()
    has_ok = frame["n_ok"].fillna(0) > 0
    other = np.where(frame["other_unique"] == 1, frame["other_first"], "missing")
    status = np.where(has_ok, "ok", np.where(present, other, "ok" if absent_is_zero else "missing"))
    value = np.where(status == "ok", frame["value"].fillna(0.0), np.nan)
    result = pd.DataFrame({"code": grid.get_level_values(0).astype(str),
                           "year": grid.get_level_values(1).astype(int),
                           "value": value.astype("float64"), "status": status})
    return result


def aggregate_sum(commune_frame: pd.DataFrame, territories: pd.DataFrame,
                  levels=LEVELS_ABOVE_COMMUNE, require_all: bool = False) -> pd.DataFrame:
    """Sum commune values (`code`, `year`, `value`, `status`) to `levels`.

    Returns `level`, `code`, `year`, `value`, `status`, one row per territory and year.
    """
    result = aggregate(commune_frame, territories, "sum", levels, require_all=require_all)
    return result[["level", "code", "year", "value", "status"]]


def value_rows(indicator: str, level: str | None, frame: pd.DataFrame) -> pd.DataFrame:
    """Shape a frame of `code`, `year`, `value`, `status` (and `level`) as store rows."""
    out = pd.DataFrame({
        "indicator": indicator,
        "level": frame["level"].to_numpy() if level is None else level,
        "code": frame["code"].astype(str).to_numpy(),
        "year": frame["year"].astype(int).to_numpy(),
        "value": frame["value"].astype("float64").to_numpy(),
        "status": frame["status"].astype(str).to_numpy(),
    })
    out["value"] = out["value"].where(out["status"] == "ok")
    out["category"] = pd.Series(pd.NA, index=out.index, dtype="string")
    return out


def all_levels(indicator: str, commune_frame: pd.DataFrame, territories: pd.DataFrame,
               require_all: bool = False) -> pd.DataFrame:
    """Store rows of a summed indicator at the commune level and every level above."""
    above = aggregate_sum(commune_frame, territories, require_all=require_all)
    return pd.concat([value_rows(indicator, "commune", commune_frame),
                      value_rows(indicator, None, above)], ignore_index=True)
