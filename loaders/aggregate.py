"""Aggregation of indicator values from one territorial level to the levels above it.

`aggregate()` is a pure function over DataFrames: it reads nothing from disk, so every loader
(Deps indicators, time series, places) can use it and tests can call it on tiny frames.

Input frames hold one row per territory of `from_level`: `code`, `value`, `status` and an
optional `year` (then every year is aggregated separately). A frame without `status` treats a
non-null value as `ok`. Membership comes from the territories table (`atlas` contract): the row
of each `from_level` territory carries, in the column named after each level, the code of the
territory it belongs to (`france` needs no column: everything belongs to `FR`).

Rules (the catalogue `aggregation.rule`):

- `sum`: sum of the members' ok values (counts, amounts).
- `ratio`: sum of the numerators over sum of the denominators, times `factor`, over the members
  where both parts are ok. Rates are recomputed from their parts, never averaged.
- `weighted_mean`: sum of value x weight over sum of weight, over the members where both are ok
  (for values that have no additive parts, such as a population-weighted index).
- `none` and `categorical`: not aggregated; the result is empty.

Status of an aggregated territory:

- `ok` when at least one member is ok (with `require_all=True`: when every member is ok).
  A ratio whose ok members' denominators sum to zero is `not_applicable` when their
  numerators also sum to zero (a share of nothing), else `missing`;
- otherwise the status shared by all members that are not ok when they all share one (every
  commune `not_published` gives `not_published`, every commune `secret` gives `secret`),
  else `missing`. A member absent from the input counts as `missing`, and so does a territory
  that has no member at all.

The result also carries `n_members` and `n_ok` so that callers can report coverage.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from atlas import config

log = logging.getLogger(__name__)

RULES = ("sum", "ratio", "weighted_mean", "none", "categorical")
RESULT_COLUMNS = ("level", "code", "year", "value", "status", "n_members", "n_ok")


def _prepare(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Return `code`, `value`, `status` (and `year`) with a status for every row."""
    if frame is None:
        raise ValueError(f"aggregate: the '{name}' values are required by this rule")
    missing = [c for c in ("code", "value") if c not in frame.columns]
    if missing:
        raise ValueError(f"aggregate: the '{name}' frame lacks columns {missing}")
    columns = ["code", "value"] + [c for c in ("status", "year") if c in frame.columns]
    out = frame[columns].copy()
    out["code"] = out["code"].astype(str)
    out["value"] = pd.to_numeric(out["value"], errors="raise").astype("float64")
    if "status" not in out.columns:
        out["status"] = np.where(out["value"].notna(), "ok", "missing")
    out["status"] = out["status"].astype(str)
    # An ok status without a number cannot be summed: treat it as missing.
    out.loc[(out["status"] == "ok") & out["value"].isna(), "status"] = "missing"
    if out.duplicated([c for c in ("code", "year") if c in out.columns]).any():
        raise ValueError(f"aggregate: the '{name}' frame has duplicated codes")
    return out


def _combine(values, numerator, denominator, weight, rule: str) -> pd.DataFrame:
    """Return one frame per member with `num`, `den` and a member `status`.

    The aggregated value is sum(num) / sum(den) for ratio and weighted mean, and sum(num) for a sum.
    """
    if rule == "sum":
        frame = _prepare(values, "values").rename(columns={"value": "num"})
        frame["den"] = 1.0
        return frame

    if rule == "ratio":
        top, bottom = _prepare(numerator, "numerator"), _prepare(denominator, "denominator")
    else:
        top, bottom = _prepare(values, "values"), _prepare(weight, "weight")
    keys = ["code"] + (["year"] if "year" in top.columns and "year" in bottom.columns else [])
    if ("year" in top.columns) != ("year" in bottom.columns):
        raise ValueError("aggregate: either all input frames have a 'year' column or none has")
    frame = top.merge(bottom, on=keys, how="outer", suffixes=("_top", "_bottom"))
    frame["status_top"] = frame["status_top"].fillna("missing")
    frame["status_bottom"] = frame["status_bottom"].fillna("missing")
    both_ok = (frame["status_top"] == "ok") & (frame["status_bottom"] == "ok")
    # The member status is the first part that is not ok.
    frame["status"] = np.where(both_ok, "ok",
                               np.where(frame["status_top"] != "ok", frame["status_top"],
                                        frame["status_bottom"]))
    if rule == "ratio":
        frame["num"] = frame["value_top"]
    else:
        frame["num"] = frame["value_top"] * frame["value_bottom"]
    frame["den"] = frame["value_bottom"]
    return frame[keys + ["num", "den", "status"]]


def _members(territories: pd.DataFrame, from_level: str, level: str) -> pd.DataFrame | None:
    """Return `code` (member) and `target` (territory of `level`) pairs, or None if unreachable."""
    rows = territories[territories["level"] == from_level]
    if level == "france":
        return pd.DataFrame({"code": rows["code"].astype(str), "target": config.FRANCE_CODE})
    if level not in territories.columns or rows[level].isna().all():
        return None
    pairs = rows[["code", level]].dropna()
    return pd.DataFrame({"code": pairs["code"].astype(str), "target": pairs[level].astype(str)})


def _target_status(group_status: pd.DataFrame, require_all: bool) -> pd.Series:
    ok = group_status["n_ok"] > 0
    if require_all:
        ok = group_status["n_ok"] == group_status["n_members"]
    shared = group_status["other_unique"] == 1
    fallback = np.where(shared, group_status["other_first"], "missing")
    return pd.Series(np.where(ok, "ok", fallback), index=group_status.index)


def aggregate(values: pd.DataFrame | None, territories: pd.DataFrame, rule: str,
              levels, *, numerator: pd.DataFrame | None = None,
              denominator: pd.DataFrame | None = None, weight: pd.DataFrame | None = None,
              factor: float = 1.0, from_level: str = "commune",
              require_all: bool = False) -> pd.DataFrame:
    """Aggregate `from_level` values to every level of `levels` above it.

    `values` is the indicator's own frame (unused by `ratio`, which needs `numerator` and
    `denominator`; `weighted_mean` also needs `weight`). Levels that `from_level` territories
    do not belong to (the level itself, smaller levels, an EPCI seen from a département) are
    skipped. Returns the columns of `RESULT_COLUMNS` (`year` only when the inputs have one),
    one row per territory of each target level.
    """
    if rule not in RULES:
        raise ValueError(f"aggregate: unknown rule '{rule}'; valid rules: {list(RULES)}")
    unknown = sorted(set(levels) - set(config.LEVELS))
    if unknown:
        raise ValueError(f"aggregate: unknown levels {unknown}; valid levels: {list(config.LEVELS)}")
    has_year = any(f is not None and "year" in f.columns
                   for f in (values, numerator, denominator, weight))
    columns = [c for c in RESULT_COLUMNS if c != "year" or has_year]
    if rule in ("none", "categorical"):
        return pd.DataFrame(columns=columns)

    members_values = _combine(values, numerator, denominator, weight, rule)
    years = sorted(members_values["year"].unique()) if has_year else [None]

    results = []
    for level in levels:
        if level == from_level:
            continue
        pairs = _members(territories, from_level, level)
        if pairs is None:
            log.debug("aggregate: %s territories do not belong to %s; level skipped", from_level, level)
            continue
        if has_year:
            pairs = pairs.merge(pd.DataFrame({"year": years}), how="cross")
        keys = ["code"] + (["year"] if has_year else [])
        frame = pairs.merge(members_values, on=keys, how="left")
        frame["status"] = frame["status"].fillna("missing")
        ok = frame["status"] == "ok"
        frame["num_ok"] = frame["num"].where(ok, 0.0)
        frame["den_ok"] = frame["den"].where(ok, 0.0)
        frame["is_ok"] = ok.astype(int)
        frame["other"] = frame["status"].where(~ok)

        group_keys = ["target"] + (["year"] if has_year else [])
        grouped = frame.groupby(group_keys, sort=False).agg(
            n_members=("code", "size"), n_ok=("is_ok", "sum"), num=("num_ok", "sum"),
            den=("den_ok", "sum"), other_unique=("other", "nunique"),
            other_first=("other", "first"))

        status = _target_status(grouped, require_all)
        if rule == "sum":
            value = grouped["num"]
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                value = grouped["num"] / grouped["den"] * factor
            status = pd.Series(_zero_denominator_status(status, grouped["num"], grouped["den"]),
                               index=status.index)
        grouped["value"] = value.where(status == "ok")
        grouped["status"] = status
        grouped = grouped.reset_index().rename(columns={"target": "code"})

        # Every territory of the level appears, even one without any member row.
        targets = territories.loc[territories["level"] == level, ["code"]].astype(str)
        if has_year:
            targets = targets.merge(pd.DataFrame({"year": years}), how="cross")
        out = targets.merge(grouped, on=["code"] + (["year"] if has_year else []), how="left")
        out["status"] = out["status"].fillna("missing")
        out["n_members"] = out["n_members"].fillna(0).astype(int)
        out["n_ok"] = out["n_ok"].fillna(0).astype(int)
        out["level"] = level
        results.append(out[columns])

    if not results:
        return pd.DataFrame(columns=columns)
    result = pd.concat(results, ignore_index=True)
    result["value"] = result["value"].astype("float64")
    return result


def _zero_denominator_status(status, numerator, denominator) -> np.ndarray:
    """Return the statuses with 0/0 as `not_applicable` and x/0 as `missing`.

    A share of nothing (no employee, no inhabitant) has no meaning, which differs from no
    data. A non-zero numerator over a zero denominator contradicts itself, so it has no value.
    """
    zero = (np.asarray(status) == "ok") & (np.asarray(denominator) == 0)
    return np.where(zero & (np.asarray(numerator) == 0), "not_applicable",
                    np.where(zero, "missing", status))


def divide(numerator: pd.DataFrame, denominator: pd.DataFrame, factor: float = 1.0) -> pd.DataFrame:
    """Return `code`, `value`, `status` of numerator / denominator x factor, code by code.

    Both frames have `code`, `value`, `status`. A code absent from one side is `missing`. A
    part that is not ok passes its status on, the numerator's first. A zero denominator gives
    the statuses of `_zero_denominator_status`.
    """
    merged = numerator.merge(denominator, on="code", how="outer", suffixes=("_n", "_d"))
    status_n = merged["status_n"].fillna("missing").to_numpy(dtype=object)
    status_d = merged["status_d"].fillna("missing").to_numpy(dtype=object)
    status = np.where(status_n != "ok", status_n, np.where(status_d != "ok", status_d, "ok"))
    status = _zero_denominator_status(status, merged["value_n"], merged["value_d"])
    with np.errstate(divide="ignore", invalid="ignore"):
        value = merged["value_n"] / merged["value_d"] * factor
    return pd.DataFrame({"code": merged["code"], "value": value.where(status == "ok"),
                         "status": status})


def aggregate_indicator(indicator, frames: dict[str, pd.DataFrame], territories: pd.DataFrame,
                        from_level: str = "commune", levels=None,
                        require_all: bool = False) -> pd.DataFrame:
    """Aggregate one catalogue indicator with its catalogue rule.

    `frames` maps indicator ids to their `from_level` frames. It must contain the indicator
    itself (unless the rule is a ratio) and the ids named by its rule (`numerator`,
    `denominator`, `weight`).
    """
    spec = indicator.aggregation
    rule = spec.get("rule", "none")

    def part(name):
        ref = spec.get(name)
        return frames.get(ref) if ref else None

    return aggregate(frames.get(indicator.id), territories, rule,
                     levels if levels is not None else indicator.levels,
                     numerator=part("numerator"), denominator=part("denominator"),
                     weight=part("weight"), factor=float(spec.get("factor", 1.0)),
                     from_level=from_level, require_all=require_all)
