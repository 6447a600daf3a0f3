"""The `places` section of the data-quality report (Markdown)."""

from __future__ import annotations

import pandas as pd

from loaders.places.dedup import MergeResult
from loaders.places.validate import Placement

DISTANCE_BANDS = (0, 10_000, 100_000, 1_000_000, float("inf"))
BAND_LABELS = ("< 10 km", "10-100 km", "100-1 000 km", "> 1 000 km (another continent or ocean)")


def _table(frame: pd.DataFrame, index_name: str) -> str:
    header = "| " + " | ".join([index_name, *map(str, frame.columns)]) + " |"
    rule = "|" + "---|" * (len(frame.columns) + 1)
    rows = ["| " + " | ".join([str(index), *(str(v) for v in row)]) + " |"
            for index, row in zip(frame.index, frame.itertuples(index=False, name=None))]
    return "\n".join([header, rule, *rows])


def _sources_table(records: pd.DataFrame, placement: Placement, merged: MergeResult,
                   places: pd.DataFrame) -> pd.DataFrame:
    read = records["source"].value_counts()
    excluded = placement.excluded["source"].value_counts()
    repeated = pd.Series(merged.facts["repeated_rows"], dtype="int64")
    as_primary = places["sources"].str.split(";").str[0].value_counts()
    in_layer = places["sources"].str.split(";").explode().value_counts()
    table = pd.DataFrame({"read": read, "excluded": excluded, "repeated rows": repeated,
                          "primary in layer": as_primary, "in layer (all)": in_layer})
    return table.reindex(records["source"].unique()).fillna(0).astype(int)


def quality_report(records: pd.DataFrame, placement: Placement, merged: MergeResult,
                   places: pd.DataFrame, values: pd.DataFrame, client_bytes: int) -> str:
    facts = placement.facts
    lines = ["## Lieux culturels / Cultural places", "",
             f"- {len(records)} rows read from {records['source'].nunique()} sources, "
             f"{len(places)} places in the layer, {len(placement.excluded)} rows excluded.",
             f"- Points are checked against the COG 2025 commune boundaries with a tolerance of "
             f"{facts['tolerance_m']:.0f} m.", ""]

    lines += ["### Sources", "", _table(_sources_table(records, placement, merged, places), "source"), ""]

    by_type = places.groupby(["domain", "type"]).size().rename("places").to_frame()
    by_type.index = [f"{d} / {t}" for d, t in by_type.index]
    lines += ["### Lieux par domaine et type / Places per domain and type", "",
              _table(by_type, "domain / type"), ""]

    flags = facts["flags_by_source"].copy()
    flags.columns = [str(c) for c in flags.columns]
    lines += ["### Contrôle des positions / Location checks (before merging sources)", "",
              _table(flags.astype(int), "source"), ""]
    moved = placement.places[placement.places["location_flag"] == "moved_to_centroid"]
    moved = moved[moved["source_distance_m"].notna()]
    if len(moved):
        bands = pd.cut(moved["source_distance_m"], DISTANCE_BANDS, labels=BAND_LABELS, right=False)
        counts = bands.groupby([moved["source"], bands], observed=False).size().unstack(fill_value=0)
        lines += ["Places moved into their commune, by distance from the source point to the "
                  "commune:", "", _table(counts.astype(int), "source"), ""]
    problems = facts["coordinate_problems"]
    if len(problems):
        lines.append("- Coordinates not usable in the source: " + ", ".join(
            f"{source} {problem} {count}" for (source, problem), count in problems.items()) + ".")
    for status, count in facts["bad_code_counts"].items():
        examples = ", ".join(facts["bad_codes"].get(status, []))
        lines.append(f"- Commune codes {status}: {count} (e.g. {examples}).")
    excluded = facts["excluded_by_reason"]
    if len(excluded):
        lines.append("- Excluded rows: " + ", ".join(
            f"{source} {reason} {count}" for (source, reason), count in excluded.items()) + ".")
    disagreements = facts.get("departement_disagreements") or {}
    lines.append("- Points kept in a commune of another département than their postal code, the "
                 "town name being unknown there: "
                 + (", ".join(f"{source} {count}" for source, count in disagreements.items()) or "none") + ".")
    lines.append(f"- Arrondissement written in the source but the point in another one: "
                 f"{facts['arrondissement_disagreements']} (the written code is kept).")
    lines.append("")

    lines += ["### Fusion des sources / Cross-source merges", ""]
    for (primary, secondary), pair in merged.facts["pairs"].items():
        dropped = " (dropped: not in the newer list)" if pair["secondary_only_dropped"] else ""
        lines.append(
            f"- {primary} + {secondary}: {pair['matched_by_key']} merged by key, "
            f"{pair['matched_by_commune_and_name']} by commune and name; {pair['primary_only']} "
            f"only in {primary}, {pair['secondary_only']} only in {secondary}{dropped}; "
            f"{pair['commune_disagreements']} merged pairs placed in different communes (the "
            f"better-located record wins); {pair['secondary_rows_folded']} rows of {secondary} "
            "repeating one key folded into one place.")
    lines.append("")

    recovery = places[places["domain"] == "plan_de_relance"]
    if len(recovery):
        lines += [f"- Plan de relance: {len(recovery)} sites, {recovery['amount_eur'].sum():.0f} € "
                  "in total after dividing multi-site operations between their sites.", ""]

    ok = (values["status"] == "ok").sum()
    lines += [f"- Indicators: {values['indicator'].nunique()} place indicators, {len(values)} values "
              f"({ok} ok).",
              f"- Map file `client/places.pbf`: {client_bytes / 1024:.0f} KiB for {len(places)} points."]
    return "\n".join(lines)
