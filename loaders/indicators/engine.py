"""From catalogue entries to indicator values at every level, on the 2025 geography.

The engine works in four passes, all driven by the catalogue:

1. read: each entry with a `workbook` is read at the levels of its `input.sheets`. Commune
   codes are moved to COG 2025, and other codes must be current codes of their level;
2. derive: entries with `input.compute` are computed where their operands exist, and entries
   with `input.inherit_from` copy the category of the parent territory;
3. resolve: every level of an entry's `levels` that no sheet provides is computed with the
   catalogue rule, from the nearest lower level that has values (`loaders.aggregate`);
4. collect: one long frame with one row per territory of each published level.

Checks between files (`loaders.indicators.checks`) run between the passes and may withhold a
level whose figures a check contradicts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from atlas.catalogue import Catalogue, Indicator
from loaders.aggregate import aggregate, divide
from loaders.errors import BuildError
from loaders.indicators.communes import MappingFacts, code_lookup, map_to_current
from loaders.indicators.reader import LevelRead, read_level
from loaders.indicators.workbook import Workbook, open_workbook

log = logging.getLogger(__name__)

LOADER = "deps"
# Lower levels to aggregate from, nearest first, for each target level.
SOURCES_FOR = {
    "france": ("region", "departement", "commune", "epci"),
    "region": ("departement", "commune"),
    "departement": ("commune",),
    "zone_emploi": ("commune",),
    "epci": ("commune",),
    "aav": ("commune",),
    "commune": (),
}
VALID_ABSENT = ("missing", "not_published", "not_applicable", "secret")
# Share of a level's territories a sheet must cover unless its entry sets `min_coverage`.
DEFAULT_MIN_COVERAGE = 0.5


@dataclass
class SourceRead:
    """Everything read for one (indicator, level), kept for the quality report."""

    indicator: str
    level: str
    workbook: str
    sheet: str
    read: LevelRead
    mapping: MappingFacts | None = None
    absent: int = 0
    absent_above: list[str] = field(default_factory=list)
    # Merged communes over the threshold whose former parts were all below it.
    merged_below: list[str] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)  # départements outside the source


@dataclass
class Values:
    """One indicator at one level: code, value, status, category, for every territory."""

    frame: pd.DataFrame
    origin: str  # "source", "derived" or "aggregated from <level>"
    coverage: pd.DataFrame | None = None  # n_members, n_ok per territory when aggregated


def deps_entries(catalogue: Catalogue) -> list[Indicator]:
    return [i for i in catalogue if i.input.get("loader") == LOADER]


def indicator_year(indicator: Indicator) -> int:
    if len(indicator.years) != 1:
        raise BuildError(f"catalogue entry '{indicator.id}' must list exactly one year in "
                         f"`years` (found {list(indicator.years)}).", file=indicator.file,
                         fix="write the vintage of the data, e.g. `years: [2019]`.")
    return indicator.years[0]


class Engine:
    """Holds the values computed so far, keyed by (indicator id, level)."""

    def __init__(self, catalogue: Catalogue, territories: pd.DataFrame, crosswalk: pd.DataFrame,
                 raw_dir: Path):
        self.catalogue = catalogue
        self.entries = deps_entries(catalogue)
        # Plain Python strings: pyarrow-backed string columns make `isin` and merges on
        # 35,000 codes several times slower.
        self.territories = territories.astype(object).where(territories.notna(), None)
        self.crosswalk = crosswalk
        self.raw_dir = Path(raw_dir)
        self.values: dict[tuple[str, str], Values] = {}
        self.sources: list[SourceRead] = []
        self.workbooks: dict[str, Workbook] = {}
        self.withheld: list[tuple[str, str, str]] = []  # (indicator, level, reason)
        self.unmapped_communes: dict[str, pd.DataFrame] = {}  # commune rows before mapping
        self.ratio_checks: list[dict] = []  # source ratios compared with their parts
        self.codes_by_level = {
            level: set(group["code"].astype(str))
            for level, group in territories.groupby("level", observed=True)}
        self.commune_codes_any_vintage = set(crosswalk["old_code"].astype(str))
        self.lookup = code_lookup(crosswalk)

    # -- reading -------------------------------------------------------------------------------

    def workbook(self, relative: str, spec: dict) -> Workbook:
        if relative not in self.workbooks:
            path = self.raw_dir / relative
            if not path.exists():
                raise BuildError("workbook not found.", file=relative,
                                 fix="check the `input.workbook` path of the catalogue entry "
                                     "(relative to the raw data folder).")
            self.workbooks[relative] = open_workbook(
                path, label=relative, meta=bool(spec.get("meta", True)),
                header_row=int(spec.get("header_row", 1)))
        return self.workbooks[relative]

    def read_sources(self) -> None:
        for indicator in self.entries:
            spec = indicator.input
            indicator_year(indicator)
            if "workbook" not in spec:
                continue
            for key in ("sheets", "column"):
                if not spec.get(key):
                    raise BuildError(f"catalogue entry '{indicator.id}': `input.{key}` is "
                                     "required with `input.workbook`.", file=indicator.file)
            book = self.workbook(spec["workbook"], spec)
            for level, sheet_name in spec["sheets"].items():
                self._read_one(indicator, book, level, sheet_name)

    def _read_one(self, indicator: Indicator, book: Workbook, level: str, sheet_name: str) -> None:
        spec = indicator.input
        sheet = book.sheet(sheet_name)
        valid = self.commune_codes_any_vintage if level == "commune" else self.codes_by_level.get(level, set())
        read = read_level(sheet, spec, level, self.territories, valid, indicator.is_categorical)
        source = SourceRead(indicator.id, level, book.label, sheet_name, read)
        frame = read.frame
        if level == "commune":
            self.unmapped_communes[indicator.id] = frame
            frame, source.mapping = map_to_current(frame, self.lookup,
                                                   indicator.aggregation.get("rule", "none"),
                                                   indicator.is_categorical)
        self._check_coverage(indicator, level, frame, book.label, sheet_name)
        if level == "commune" and spec.get("blank", "missing") != "missing":
            frame, source.uncovered = self._uncovered_departements(frame, spec["blank"])
        frame = self._fill_absent(indicator, level, frame, source)
        self.values[(indicator.id, level)] = Values(frame, "source")
        self.sources.append(source)

    def _check_coverage(self, indicator: Indicator, level: str, frame: pd.DataFrame,
                        workbook: str, sheet: str) -> None:
        """Stop when a sheet covers too few territories of its level, or has no figure at all.

        Such a sheet would build and silently replace the published figures by « non
        disponible ».
        """
        expected = self.codes_by_level.get(level, set())
        if not expected:
            return
        covered = len(set(frame["code"]) & expected)
        minimum = float(indicator.input.get("min_coverage", DEFAULT_MIN_COVERAGE))
        if covered < minimum * len(expected):
            raise BuildError(f"the sheet covers {covered} of the {len(expected)} {level} "
                             f"territories ({covered / len(expected):.1%}), fewer than the "
                             f"{minimum:.0%} expected for '{indicator.id}'.", file=workbook,
                             sheet=sheet, fix="restore the missing rows, or set `min_coverage` in "
                                              "the catalogue entry if the source covers only part "
                                              "of the level.")
        filled = frame["category"].notna() if indicator.is_categorical else frame["status"] == "ok"
        if not filled.any():
            raise BuildError(f"column '{indicator.input['column']}' has no figure in any row.",
                             file=workbook, sheet=sheet, column=indicator.input["column"],
                             fix="restore the column's values.")

    def _uncovered_departements(self, frame: pd.DataFrame,
                                blank: str) -> tuple[pd.DataFrame, list[str]]:
        """Turn `blank` into `missing` in départements where no commune has a figure.

        An empty cell means secrecy only where the source covers the département; a
        département with no figure at all is outside the source's coverage.
        """
        departement = self.territories[self.territories["level"] == "commune"].set_index("code")["departement"]
        frame = frame.copy()
        frame["departement"] = frame["code"].map(departement)
        has_figure = frame.groupby("departement")["status"].agg(lambda s: (s != blank).any())
        uncovered = sorted(has_figure[~has_figure].index)
        frame.loc[frame["departement"].isin(uncovered), "status"] = "missing"
        return frame.drop(columns="departement"), uncovered

    def _fill_absent(self, indicator: Indicator, level: str, frame: pd.DataFrame,
                     source: SourceRead | None = None) -> pd.DataFrame:
        """Give every territory of the level a row; the absent ones get `input.absent`.

        With `source`, record the counts of the quality report on it.
        """
        spec = indicator.input
        status = spec.get("absent", "missing")
        if status not in VALID_ABSENT:
            raise BuildError(f"catalogue entry '{indicator.id}': `input.absent` must be one of "
                             f"{list(VALID_ABSENT)}.", file=indicator.file)
        codes = sorted(self.codes_by_level.get(level, set()))
        known = set(frame["code"])
        absent_codes = [c for c in codes if c not in known]
        absent = pd.DataFrame({"code": absent_codes, "value": np.nan, "status": status,
                               "category": None})
        above: list[str] = []
        merged_below: list[str] = []
        rule = spec.get("absent_above")
        if rule and absent_codes:
            # Territories big enough to be published get `missing` rather than `status`.
            threshold = float(rule["threshold"])
            largest = self._member_max(rule["indicator"], level).reindex(absent_codes)
            above = sorted(largest[largest >= threshold].index)
            absent.loc[absent["code"].isin(above), "status"] = rule.get("status", "missing")
            if level == "commune":
                merged = self._ok_values(rule["indicator"], level).reindex(absent_codes)
                merged_below = sorted(merged[(merged >= threshold) & (largest < threshold)].index)
        if source is not None:
            source.absent, source.absent_above = len(absent_codes), above
            source.merged_below = merged_below
        result = pd.concat([frame, absent], ignore_index=True) if len(absent) else frame
        result["value"] = result["value"].astype("float64")
        return result

    def _ok_values(self, indicator_id: str, level: str) -> pd.Series:
        """Values of the territories whose status is ok, by code."""
        frame = self.values[(indicator_id, level)].frame
        return frame[frame["status"] == "ok"].set_index("code")["value"]

    def _member_max(self, indicator_id: str, level: str) -> pd.Series:
        """Return the largest commune value of `indicator_id` in each territory of `level`.

        A commune merged since the source year counts by its largest former part, because a
        publication threshold applies to the communes of that year.
        NOTE: this takes the rows of the `indicator_id` workbook as those communes. It holds
        for Population.xls, whose merged rows all date from 2021 on, after the 2019 spending.
        """
        communes = self.unmapped_communes.get(indicator_id)
        if communes is None:
            raise BuildError(f"`absent_above` refers to '{indicator_id}', which has no commune "
                             "values read before this entry.",
                             fix="list the population entry earlier in the catalogue.")
        parts = communes[communes["status"] == "ok"]
        frame = (parts.assign(code=parts["code"].map(self.lookup)).dropna(subset=["code"])
                 .groupby("code")["value"].max())
        if level == "commune":
            return frame
        members = self.territories[self.territories["level"] == "commune"][["code", level]]
        joined = members.assign(value=members["code"].map(frame)).dropna(subset=[level])
        return joined.groupby(level)["value"].max()

    # -- derivation ----------------------------------------------------------------------------

    def derive(self) -> None:
        for indicator in self.entries:
            spec = indicator.input
            if spec.get("compute"):
                self._compute(indicator, spec["compute"])
            if spec.get("inherit_from"):
                self._inherit(indicator, spec["inherit_from"])

    def _compute(self, indicator: Indicator, compute: dict) -> None:
        """`compute: {op: divide | multiply, a: id, b: id, factor}` at every level with both."""
        operation = compute.get("op")
        if operation not in ("divide", "multiply"):
            raise BuildError(f"catalogue entry '{indicator.id}': `input.compute.op` must be "
                             "divide or multiply.", file=indicator.file)
        for level in indicator.levels:
            left = self.values.get((compute["a"], level))
            right = self.values.get((compute["b"], level))
            if left is None or right is None or (indicator.id, level) in self.values:
                continue
            unmapped = [self.unmapped_communes.get(compute[k]) for k in ("a", "b")]
            if level == "commune" and all(f is not None for f in unmapped):
                # Compute on the codes of the workbook, then merge communes with the entry's
                # own rule: an area derived per old commune can be summed, a ratio cannot.
                frame = _combine(unmapped[0], unmapped[1], operation, compute)
                frame, _ = map_to_current(frame, self.lookup,
                                          indicator.aggregation.get("rule", "none"))
                frame = self._fill_absent(indicator, level, frame)
                self.values[(indicator.id, level)] = Values(frame, "derived")
                continue
            frame = _combine(left.frame, right.frame, operation, compute)
            self.values[(indicator.id, level)] = Values(frame, "derived")

    def patch_ratios(self) -> None:
        """Recompute source ratios from their parts where the parts exist at the same level.

        Merged communes get the ratio of their summed parts instead of `not_applicable`. The
        other rows keep the workbook figure, and the report gives their largest gap with the
        recomputed ratio.
        """
        for indicator in self.entries:
            spec = indicator.aggregation
            if spec.get("rule") != "ratio":
                continue
            for level in indicator.levels:
                current = self.values.get((indicator.id, level))
                parts = self._frames_at([spec["numerator"], spec["denominator"]], level)
                if current is None or current.origin != "source" or parts is None:
                    continue
                recomputed = _divide(parts[0], parts[1], float(spec.get("factor", 1)))
                joined = current.frame.merge(recomputed, on="code", how="left",
                                             suffixes=("", "_parts"))
                patch = (joined["status"] == "not_applicable") & (joined["status_parts"] == "ok")
                both = (joined["status"] == "ok") & (joined["status_parts"] == "ok")
                gap = ((joined["value"] - joined["value_parts"]).abs()
                       / joined["value"].abs().where(joined["value"] != 0)).where(both)
                joined.loc[patch, "value"] = joined.loc[patch, "value_parts"]
                joined.loc[patch, "status"] = "ok"
                self.values[(indicator.id, level)] = Values(
                    joined[["code", "value", "status", "category"]], "source")
                self.ratio_checks.append({
                    "indicator": indicator.id, "level": level, "patched": int(patch.sum()),
                    "compared": int(both.sum()), "max_gap": float(gap.max()) if both.any() else 0.0,
                    "over_1pct": int((gap > 0.01).sum())})

    def _inherit(self, indicator: Indicator, parent_level: str) -> None:
        parent = self.values.get((indicator.id, parent_level))
        if parent is None:
            raise BuildError(f"catalogue entry '{indicator.id}': `inherit_from: {parent_level}` "
                             "needs values at that level.", file=indicator.file)
        for level in indicator.levels:
            if level == parent_level or (indicator.id, level) in self.values:
                continue
            rows = self.territories[self.territories["level"] == level][["code", parent_level]]
            frame = rows.merge(parent.frame.rename(columns={"code": parent_level}),
                               on=parent_level, how="left").drop(columns=parent_level)
            frame["status"] = frame["status"].fillna("missing")
            self.values[(indicator.id, level)] = Values(frame, f"inherited from {parent_level}")

    # -- resolution of the other levels -----------------------------------------------------------

    def resolve(self) -> None:
        """Compute every catalogue level that no sheet provides, parts before ratios."""
        order = self._dependency_order()
        for level in ("commune", "epci", "zone_emploi", "aav", "departement", "region", "france"):
            for indicator in order:
                if level in indicator.levels and (indicator.id, level) not in self.values:
                    self._resolve_level(indicator, level)

    def _dependency_order(self) -> list[Indicator]:
        done: list[Indicator] = []
        seen: set[str] = set()

        def visit(indicator: Indicator, stack: tuple[str, ...]):
            if indicator.id in seen:
                return
            if indicator.id in stack:
                raise BuildError(f"catalogue entries refer to each other in a loop: {stack}.")
            for part in ("numerator", "denominator", "weight"):
                ref = indicator.aggregation.get(part)
                if ref and ref in self.catalogue:
                    visit(self.catalogue.get(ref), stack + (indicator.id,))
            seen.add(indicator.id)
            done.append(indicator)

        for indicator in self.entries:
            visit(indicator, ())
        return [i for i in done if i.input.get("loader") == LOADER]

    def _frames_at(self, ids: list[str], level: str) -> list[pd.DataFrame] | None:
        found = [self.values.get((i, level)) for i in ids]
        if any(v is None for v in found):
            return None
        return [v.frame for v in found]

    def _resolve_level(self, indicator: Indicator, level: str) -> None:
        spec = indicator.aggregation
        rule = spec.get("rule", "none")
        if rule in ("none", "categorical"):
            return  # published only where a sheet provides it
        parts = {"sum": [indicator.id], "ratio": [spec.get("numerator"), spec.get("denominator")],
                 "weighted_mean": [indicator.id, spec.get("weight")]}[rule]

        if rule == "ratio":
            direct = [self.values.get((p, level)) for p in parts]
            if all(v is not None and v.origin == "source" for v in direct):
                frame = _divide(direct[0].frame, direct[1].frame, float(spec.get("factor", 1)))
                self.values[(indicator.id, level)] = Values(frame, "ratio of parts")
                return

        for lower in SOURCES_FOR[level]:
            frames = self._frames_at(parts, lower)
            if frames is None or not self._reaches(lower, level):
                continue
            kwargs = {"from_level": lower, "factor": float(spec.get("factor", 1)),
                      "require_all": bool(spec.get("complete", False))}
            if rule == "sum":
                result = aggregate(frames[0], self.territories, "sum", [level], **kwargs)
            elif rule == "ratio":
                result = aggregate(None, self.territories, "ratio", [level], numerator=frames[0],
                                   denominator=frames[1], **kwargs)
            else:
                result = aggregate(frames[0], self.territories, "weighted_mean", [level],
                                   weight=frames[1], **kwargs)
            if result.empty:
                continue
            frame = result[["code", "value", "status"]].assign(category=None)
            self.values[(indicator.id, level)] = Values(frame, f"aggregated from {lower}",
                                                        result[["code", "n_members", "n_ok"]])
            return
        log.info("%s: no lower level to compute %s from", indicator.id, level)

    def _reaches(self, lower: str, level: str) -> bool:
        if level == "france":
            return True
        rows = self.territories[self.territories["level"] == lower]
        return level in rows.columns and rows[level].notna().any()

    # -- withholding and output ------------------------------------------------------------------

    def withhold(self, indicator_id: str, level: str, reason: str) -> None:
        """Replace every figure of a level by `missing` because a check contradicts it."""
        current = self.values.get((indicator_id, level))
        if current is None:
            return
        frame = current.frame.copy()
        frame["value"] = np.nan
        frame["category"] = None
        frame["status"] = "missing"
        self.values[(indicator_id, level)] = Values(frame, "withheld")
        self.withheld.append((indicator_id, level, reason))
        log.warning("%s at level %s withheld: %s", indicator_id, level, reason)

    def collect(self) -> pd.DataFrame:
        """Long frame of the store contract, for the levels each entry publishes."""
        parts = []
        for indicator in self.entries:
            year = indicator_year(indicator)
            for level in indicator.levels:
                found = self.values.get((indicator.id, level))
                if found is None:
                    raise BuildError(f"catalogue entry '{indicator.id}' lists level '{level}', "
                                     "but no sheet provides it and its rule cannot compute it.",
                                     file=indicator.file,
                                     fix="add the sheet to `input.sheets`, or remove the level.")
                frame = found.frame[["code", "value", "status", "category"]].copy()
                frame["code"] = frame["code"].astype(object)  # a set lookup, not pyarrow's isin
                frame = frame[frame["code"].isin(self.codes_by_level.get(level, set()))]
                if indicator.aggregation.get("rule") == "sum":
                    # Sums of amounts carry binary noise (3809871740.850008): keep two digits
                    # more than the catalogue shows, cents for euros.
                    frame["value"] = frame["value"].round(indicator.decimals + 2)
                frame.insert(0, "indicator", indicator.id)
                frame.insert(1, "level", level)
                frame.insert(3, "year", year)
                parts.append(frame)
        result = pd.concat(parts, ignore_index=True)
        result.loc[result["status"] != "ok", "value"] = np.nan
        for column in ("indicator", "level", "code", "status"):
            result[column] = result[column].astype(object)
        result["category"] = result["category"].astype("object").where(result["category"].notna(), None)
        result["year"] = result["year"].astype("int64")
        result["value"] = result["value"].astype("float64")
        return result


def _combine(left: pd.DataFrame, right: pd.DataFrame, operation: str,
             compute: dict) -> pd.DataFrame:
    """Divide or multiply two frames row by row (same codes); non-finite results are missing."""
    merged = left.merge(right, on="code", suffixes=("_a", "_b"))
    ok = (merged["status_a"] == "ok") & (merged["status_b"] == "ok")
    with np.errstate(divide="ignore", invalid="ignore"):
        if operation == "divide":
            value = merged["value_a"] / merged["value_b"]
        else:
            value = merged["value_a"] * merged["value_b"]
    value = value * float(compute.get("factor", 1))
    # Unlike a ratio's 0/0 (`not_applicable`), 0/0 here leaves an operand unknown (an area from
    # 0 inhabitants at density 0), so the result is `missing`.
    ok &= np.isfinite(value)
    status = np.where(ok, "ok", np.where(merged["status_a"] != "ok", merged["status_a"],
                                         np.where(merged["status_b"] != "ok",
                                                  merged["status_b"], "missing")))
    return pd.DataFrame({"code": merged["code"], "value": value.where(ok), "status": status,
                         "category": None})


def _divide(numerator: pd.DataFrame, denominator: pd.DataFrame, factor: float) -> pd.DataFrame:
    return divide(numerator, denominator, factor).assign(category=None)
