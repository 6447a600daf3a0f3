"""The Markdown data-quality report of the indicator step.

It lists, per workbook and level, what was read and every anomaly with its count and what the
build did about it, then the findings of the cross-checks. The report is written in English
with the French terms of the field; section titles are bilingual like the rest of the report.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from loaders.indicators.checks import Finding, listing
from loaders.indicators.engine import Engine


def _source_lines(engine: Engine) -> list[str]:
    lines = []
    for source in engine.sources:
        read = source.read
        statuses = Counter(read.frame["status"])
        facts = [f"{len(read.frame)} territories read ("
                 + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())) + ")"]
        if read.sentinels:
            facts.append(f"{read.sentinels} sentinel -1 cells read as « no data »")
        if read.markers:
            facts.append("text markers " + ", ".join(f"« {k} » ×{v}" for k, v in read.markers.items()))
        if read.unknown:
            facts.append(f"**{len(read.unknown)} rows with an unknown or invalid code left out** "
                         f"(row: code): {listing(f'{r}: {c}' for r, c in read.unknown)}")
        if read.renamed:
            facts.append("names matched to a differently spelled official name: "
                         + listing(f"« {a} » → « {b} »" for a, b in read.renamed))
        mapping = source.mapping
        if mapping is not None:
            if mapping.renamed:
                facts.append(f"{mapping.renamed} old commune codes moved to their 2025 commune")
            if mapping.merged:
                facts.append(f"{len(mapping.merged)} 2025 communes gather several rows "
                             f"({listing(k + ' ← ' + '+'.join(v) for k, v in mapping.merged.items())})")
            if mapping.not_applicable:
                facts.append(_not_combined(engine, source))
            if mapping.unplaced:
                facts.append(f"**{len(mapping.unplaced)} old codes divided between several 2025 "
                             f"communes left out**: {listing(mapping.unplaced)}")
        if source.uncovered:
            facts.append("départements without any figure, read as not covered (« non "
                         f"disponible »): {listing(source.uncovered)}")
        if source.absent:
            facts.append(f"{source.absent} territories of the level have no row "
                         f"(status `{engine.catalogue.get(source.indicator).input.get('absent', 'missing')}`)")
        if source.absent_above:
            facts.append(f"**{len(source.absent_above)} of them are above the publication "
                         f"threshold, so « non disponible »**: {listing(source.absent_above)}")
        if source.merged_below:
            facts.append(f"{len(source.merged_below)} of them are above it only as communes "
                         "merged since, whose former parts were all below it, so « non publié »: "
                         f"{listing(source.merged_below)}")
        lines.append(f"- `{source.indicator}` at {source.level} — `{source.workbook}` › "
                     f"{source.sheet}: " + "; ".join(facts) + ".")
    return lines


def _not_combined(engine: Engine, source) -> str:
    """Count the merged communes the column cannot combine, as they end in the output."""
    codes = source.mapping.not_applicable
    final = engine.values[(source.indicator, source.level)].frame
    still = int(final[final["code"].isin(codes)]["status"].eq("not_applicable").sum())
    text = f"{len(codes)} of them cannot be combined from this column"
    if still == len(codes):
        return text + " and get « sans objet »"
    if still == 0:
        return text + " and are recomputed from their parts (see the ratios section)"
    return (text + f": {len(codes) - still} are recomputed from their parts (see the ratios "
                   f"section) and {still} get « sans objet »")


def _zero_ratio_lines(engine: Engine) -> list[str]:
    """Count the ratios whose parts are both zero (a share of nothing), published « sans objet »."""
    lines = []
    for indicator in engine.entries:
        spec = indicator.aggregation
        if spec.get("rule") != "ratio" or indicator.hidden:
            continue
        for level in indicator.levels:
            found = engine.values.get((indicator.id, level))
            parts = [engine.values.get((spec[k], level)) for k in ("numerator", "denominator")]
            if found is None or any(p is None for p in parts):
                continue
            zero = [set(p.frame.loc[(p.frame["status"] == "ok") & (p.frame["value"] == 0), "code"])
                    for p in parts]
            frame = found.frame
            codes = frame.loc[frame["status"] == "not_applicable", "code"]
            count = int(codes.isin(zero[0] & zero[1]).sum())
            if count:
                lines.append(f"- `{indicator.id}` at {level}: {count} territories where "
                             f"`{spec['numerator']}` and `{spec['denominator']}` are both 0 get "
                             "« sans objet » (a share of nothing has no value, and is not missing).")
    return lines


def _withheld_lines(engine: Engine) -> list[str]:
    lines = []
    for indicator_id, level, reason in engine.withheld:
        levels = engine.catalogue.get(indicator_id).levels
        outcome = ("every figure of the level is published as « non disponible »"
                   if level in levels else f"the {level} level is not published (the catalogue "
                                           f"publishes {', '.join(levels)})")
        lines.append(f"- `{indicator_id}` at {level}: {reason}; {outcome}.")
    return lines


def _coverage_lines(engine: Engine) -> list[str]:
    lines = []
    for (indicator_id, level), values in sorted(engine.values.items()):
        if values.coverage is None or engine.catalogue.get(indicator_id).hidden:
            continue
        coverage = values.coverage
        partial = coverage[(coverage["n_ok"] > 0) & (coverage["n_ok"] < coverage["n_members"])]
        if len(partial):
            share = (partial["n_ok"] / partial["n_members"]).median()
            lines.append(f"- `{indicator_id}` at {level} ({values.origin}): {len(partial)} "
                         f"territories computed from part of their members (median "
                         f"{share * 100:.0f} % of members with a figure).")
    return lines


def build_report(engine: Engine, findings: list[Finding], values: pd.DataFrame,
                 seconds: float) -> str:
    """Return the Markdown section of the indicator step."""
    # Each section counts its own kind of anomaly (rows, codes, territories, workbooks), so
    # the headline adds none of them up.
    parts = ["## Indicateurs Deps / Deps indicators", "",
             f"{values['indicator'].nunique()} indicators, {len(values)} values written "
             f"({', '.join(f'{k} {v}' for k, v in values['status'].value_counts().items())}), "
             f"built in {seconds:.1f} s. Each section below counts its own findings.", ""]
    if engine.withheld:
        parts += ["### Chiffres écartés / Withheld figures", ""] + _withheld_lines(engine) + [""]
    for finding in findings:
        parts += [f"### {finding.title}", ""]
        parts += finding.lines or ["- Nothing to report."]
        parts.append("")
    if engine.ratio_checks:
        parts += ["### Ratios du classeur contre leurs composantes / Workbook ratios against "
                  "their parts", ""]
        for check in engine.ratio_checks:
            parts.append(f"- `{check['indicator']}` at {check['level']}: {check['compared']} "
                         f"values compared with numerator / denominator, largest gap "
                         f"{check['max_gap'] * 100:.3f} %, {check['over_1pct']} above 1 %; "
                         f"{check['patched']} merged communes recomputed from their parts.")
        parts.append("")
    zero = _zero_ratio_lines(engine)
    if zero:
        parts += ["### Ratios 0/0 / Zero over zero", ""] + zero + [""]
    parts += ["### Lecture des classeurs / Workbooks read", ""] + _source_lines(engine) + [""]
    coverage = _coverage_lines(engine)
    if coverage:
        parts += ["### Agrégations partielles / Partial aggregations", "",
                  "A territory is computed when at least one member has a figure; these are "
                  "computed from part of their members:", ""] + coverage + [""]
    return "\n".join(parts)
