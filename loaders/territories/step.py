"""Build step `territories`: territory reference, commune-code crosswalk and geometry.

Writes `territories.parquet`, `crosswalk.parquet`, `geometry/<level>.parquet` and the browser
files in `client/`, and reports its findings in `quality/territories.md`.
"""

from __future__ import annotations

import logging
import time

import pandas as pd

from loaders.territories import communes as communes_module
from loaders.territories import crosswalk as crosswalk_module
from loaders.territories import table, zonings

log = logging.getLogger(__name__)

# Yearly commune lists used to date the changes after the INSEE movements file (1943-2019).
COMMUNE_LISTS = (("v0.7.0", 2019), ("v1.1.1", 2021), ("v2.3.1", 2022), ("v4.1.0", 2024),
                 ("v5.3.0", 2025))
# Years without a commune list, known through their EPCI member lists.
EPCI_LISTS = (("v0.8.0", 2020), ("v3.1.1", 2023))


def run(ctx) -> None:
    started = time.perf_counter()
    report = ["## Territoires / Territories", ""]

    admin = communes_module.read_admin_reference(ctx.raw)
    current = set(admin.communes["code"])

    snapshots = [crosswalk_module.read_commune_snapshot(
        ctx.raw("decoupage-administratif", version, "communes.json.gz"), year)
        for version, year in COMMUNE_LISTS]
    snapshots += [crosswalk_module.read_epci_member_snapshot(
        ctx.raw("decoupage-administratif", version, "epci.json.gz"), year)
        for version, year in EPCI_LISTS]
    movements = crosswalk_module.read_movements(
        ctx.raw("insee-cog2019-and-pop1876-2015-vizoR", "mvtcommune-01012019.csv"))
    latest = max(snapshots, key=lambda s: s.year)
    crosswalk, cw_facts = crosswalk_module.build_crosswalk(
        movements, snapshots, current,
        dict(zip(admin.arrondissements["code"], admin.arrondissements["commune"])),
        latest.old_codes)
    ctx.write_parquet(crosswalk, "crosswalk.parquet")
    report += _crosswalk_section(crosswalk, cw_facts)

    population_2022 = _population_2022(ctx)
    communes_index = pd.Index(sorted(current))
    zone_emploi = zonings.read_zones_emploi(ctx.raw, crosswalk, population_2022,
                                            communes_index, snapshots)
    aav = zonings.read_aires_attraction(ctx.raw, crosswalk, population_2022, communes_index,
                                        snapshots)
    communes = admin.communes.copy()
    communes["zone_emploi"] = communes["code"].map(zone_emploi.membership).astype("string")
    communes["aav"] = communes["code"].map(aav.membership).astype("string")

    territories = table.build_territory_table(
        communes, admin.arrondissements,
        {"region": admin.regions, "departement": admin.departements,
         "zone_emploi": zone_emploi.names, "epci": admin.epci, "aav": aav.names})
    ctx.write_parquet(territories, "territories.parquet")
    report += _territory_section(territories, admin.findings + zone_emploi.findings
                                 + aav.findings)

    log.info("territories and crosswalk built in %.1f s", time.perf_counter() - started)
    ctx.report("territories", "\n".join(report))


def _population_2022(ctx) -> pd.Series:
    """Population of each COG 2022 commune (legal population 2020), to settle zone conflicts."""
    records = crosswalk_module.read_json(
        ctx.raw("decoupage-administratif", "v2.3.1", "communes.json.gz"))
    return pd.Series({r["code"]: r.get("population") or 0 for r in records
                      if r.get("type") == "commune-actuelle"}, dtype="float64")


def _crosswalk_section(crosswalk: pd.DataFrame, facts: dict) -> list[str]:
    counts = crosswalk["change_type"].value_counts()
    lines = ["### Table de passage des codes communes / Commune-code crosswalk", "",
             f"- {len(crosswalk)} rows, {crosswalk['old_code'].nunique()} distinct old codes, "
             f"{facts['codes_seen']} codes seen in the COG history 1943-2025.",
             "- Change types: " + ", ".join(f"{k} {v}" for k, v in counts.items()) + "."]
    splits = crosswalk.groupby("old_code")["new_code"].nunique()
    splits = splits[splits > 1]
    if len(splits):
        lines.append(f"- {len(splits)} old codes were divided between several 2025 communes "
                     f"(no single target): {', '.join(splits.index[:30])}.")
    if facts["unmapped"]:
        lines.append(f"- {len(facts['unmapped'])} codes of the history cannot be mapped to a "
                     f"2025 commune: {', '.join(facts['unmapped'][:50])}.")
    if facts["filled_from_anciens_codes"]:
        lines.append(f"- {len(facts['filled_from_anciens_codes'])} codes mapped only through "
                     f"the `anciensCodes` of the 2025 list: "
                     f"{', '.join(facts['filled_from_anciens_codes'][:30])}.")
    if facts["anciens_codes_disagreements"]:
        sample = "; ".join(f"{old} -> {new} in anciensCodes, {found} here"
                           for old, new, found in facts["anciens_codes_disagreements"][:20])
        lines.append(f"- {len(facts['anciens_codes_disagreements'])} codes where the history "
                     f"and the 2025 `anciensCodes` disagree: {sample}.")
    return lines + [""]


def _territory_section(territories: pd.DataFrame, findings: list[str]) -> list[str]:
    counts = territories["level"].value_counts()
    lines = ["### Référentiel / Reference", "",
             "- Territories per level: " + ", ".join(f"{k} {v}" for k, v in counts.items())
             + "."]
    communes = territories[territories["level"] == "commune"]
    for level in table.PARENT_LEVELS:
        missing = communes[communes[level].isna()]
        if len(missing):
            lines.append(f"- {len(missing)} communes without {level}: " + ", ".join(
                f"{c} {n}" for c, n in zip(missing["code"], missing["name"])) + ".")
    lines += [f"- {finding}" for finding in findings]
    return lines + [""]
