"""The Markdown data-quality report of the indicator step.

It lists, per workbook and level, what was read and every anomaly with its count and what the
build did about it, then the findings of the cross-checks. The report is written in English
with the French terms of the field; section titles are bilingual like the rest of the report.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from loaders.indicators.checks import Finding
from loaders.indicators.engine import Engine

MAX_LISTED = 12


def _listing(items, limit: int = MAX_LISTED) -> str:
    items = list(items)
    shown = ", ".join(str(i) for i in items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


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
                         f"(row: code): {_listing(f'{r}: {c}' for r, c in read.unknown)}")
        if read.renamed:
            facts.append("names matched to a differently spelled official name: "
                         + _listing(f"« {a} » → « {b} »" for a, b in read.renamed))
        mapping = source.mapping
        if mapping is not None:
            if mapping.renamed:
                facts.append(f"{mapping.renamed} old commune codes moved to their 2025 commune")
            if mapping.merged:
                facts.append(f"{len(mapping.merged)} 2025 communes gather several rows "
                             f"({_listing(k + ' ← ' + '+'.join(v) for k, v in mapping.merged.items())})")
            if mapping.not_applicable:
                facts.append(f"{len(mapping.not_applicable)} of them get « sans objet » (the "
                             "figure cannot be combined)")
            if mapping.unplaced:
                facts.append(f"**{len(mapping.unplaced)} old codes divided between several 2025 "
                             f"communes left out**: {_listing(mapping.unplaced)}")
        if source.uncovered:
            facts.append("départements without any figure, read as not covered (« non "
                         f"disponible »): {_listing(source.uncovered)}")
        if source.absent:
            facts.append(f"{source.absent} territories of the level have no row "
                         f"(status `{engine.catalogue.get(source.indicator).input.get('absent', 'missing')}`)")
        if source.absent_above:
            facts.append(f"**{len(source.absent_above)} of them are above the publication "
                         f"threshold, so « non disponible »**: {_listing(source.absent_above)}")
        lines.append(f"- `{source.indicator}` at {source.level} — `{source.workbook}` › "
                     f"{source.sheet}: " + "; ".join(facts) + ".")
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
    total = sum(f.anomalies for f in findings)
    parts = ["## Indicateurs Deps / Deps indicators", "",
             f"{values['indicator'].nunique()} indicators, {len(values)} values written "
             f"({', '.join(f'{k} {v}' for k, v in values['status'].value_counts().items())}), "
             f"{total} anomalies found by the cross-checks, built in {seconds:.1f} s.", ""]
    if engine.withheld:
        parts += ["### Chiffres retenus / Withheld figures", ""]
        parts += [f"- `{i}` at {level}: {reason}; every figure of the level is published as "
                  "« non disponible »." for i, level, reason in engine.withheld]
        parts.append("")
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
    parts += ["### Lecture des classeurs / Workbooks read", ""] + _source_lines(engine) + [""]
    coverage = _coverage_lines(engine)
    if coverage:
        parts += ["### Agrégations partielles / Partial aggregations", "",
                  "A territory is computed when at least one member has a figure; these are "
                  "computed from part of their members:", ""] + coverage + [""]
    return "\n".join(parts)
