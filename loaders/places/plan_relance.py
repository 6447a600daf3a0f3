"""Reader of the Plan de relance (France Relance) operations of the ministry of Culture.

Two files describe the same operations: a GeoJSON FeatureCollection (one feature per site, the
source of the points) and a workbook (one row per operation, with postal codes and
départements). The GeoJSON is read, and each feature takes the postal code and département of
its workbook row. An operation spread over several sites ("Meaux, Saint-Denis, Versailles") is
one row in the workbook and one feature per site in the GeoJSON, each with the full amount.
The amount is divided equally between the sites, so that totals count it once.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from loaders.errors import BuildError
from loaders.places import coordinates
from loaders.places.inputs import (check_known, departement_of_postal_code, finish,
                                   normalize_name, read_sheet, require_file, stable_ids, text)

SOURCE = "deps_plan_relance"
VINTAGE = 2021
GEOJSON = ("deps-atlas", "lieux", "PDR.json")
WORKBOOK = ("deps-atlas", "lieux", "PDR 1.xlsx")
SHEET = "Sheet1"
WORKBOOK_COLUMNS = ["Département", "Commune", "Code postal", "Monument/ Etablissement/Lieu",
                    "Montant", "Enveloppe du plan de relance"]
PROPERTIES = ("Lieu", "Adresse", "Commune", "Montant", "Operation", "Enveloppe")
ENVELOPES = {
    "Plan Cathédrales": "pdr_cathedrales",
    "MH non Etat": "pdr_monuments_historiques_hors_etat",
    "CMN": "pdr_monuments_nationaux",
    "Fonds de transition écologique": "pdr_transition_ecologique",
    "Rénovation énergétique - AAP Etat, opérateurs": "pdr_renovation_energetique_etat",
    "Rénovation énergétique - AAP ESR": "pdr_renovation_energetique_enseignement",
    "Musées, archives, archéo": "pdr_musees_archives_archeologie",
    "ESC": "pdr_enseignement_superieur_culture",
    "TIGRE Vague 2": "pdr_tigre",
}


def read_features(path: Path) -> pd.DataFrame:
    """Read the GeoJSON features into properties, `source_lon`, `source_lat`, `coordinate_problem`."""
    try:
        collection = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BuildError(f"cannot read GeoJSON ({error}).", file=str(path),
                         fix="restore the file from the source.")
    features = collection.get("features") if isinstance(collection, dict) else None
    if not isinstance(features, list):
        raise BuildError("not a GeoJSON FeatureCollection.", file=str(path),
                         fix="restore the file from the source.")
    records = []
    for number, feature in enumerate(features, start=1):
        properties = feature.get("properties") or {}
        missing = [p for p in PROPERTIES if p not in properties]
        if missing:
            raise BuildError(f"feature {number} lacks properties {missing}.", file=str(path),
                             fix="every feature needs " + ", ".join(PROPERTIES) + ".")
        lon, lat, problem = coordinates.parse_geojson_point(feature.get("geometry"))
        records.append({**{p: properties[p] for p in PROPERTIES}, "row": number,
                        "source_lon": lon, "source_lat": lat, "coordinate_problem": problem})
    return pd.DataFrame(records)


def _operation_key(communes: pd.Series, amounts: pd.Series) -> pd.Series:
    rounded = pd.to_numeric(amounts, errors="coerce").round().astype("Int64").astype(str)
    return communes.map(normalize_name) + "|" + rounded


def _workbook_hints(path: Path) -> pd.DataFrame:
    """Return the postal codes named in each workbook row, keyed by commune and by place name."""
    df = read_sheet(path, SHEET, WORKBOOK_COLUMNS)

    def codes_of(value) -> list[str]:
        if isinstance(value, (int, float)):
            # Spreadsheets drop the leading zero of 01xxx-09xxx postal codes.
            return [str(int(value)).zfill(5)] if value == value else []
        return re.findall(r"\d{5}", str(value))

    return pd.DataFrame({
        "commune_key": _operation_key(text(df["Commune"]).fillna(""), df["Montant"]),
        "place_key": _operation_key(text(df["Monument/ Etablissement/Lieu"]).fillna(""),
                                    df["Montant"]),
        "postal_codes": df["Code postal"].map(codes_of),
    })


def _lookup(keys: pd.Series, table: pd.DataFrame, key_column: str) -> pd.Series:
    unique = table.drop_duplicates(key_column, keep=False).set_index(key_column)["postal_codes"]
    return keys.map(unique)


def read(raw_dir: Path) -> pd.DataFrame:
    """Read every site of every operation, with its share of the operation's amount."""
    geojson = require_file(raw_dir, *GEOJSON)
    features = read_features(geojson)
    envelopes = text(features["Enveloppe"])
    check_known(envelopes.fillna("<empty>"), ENVELOPES, features["row"], geojson, "Enveloppe",
                what="envelope")

    # Sites of one operation: same place name, operation, amount and envelope.
    operation = ["Lieu", "Operation", "Montant", "Enveloppe"]
    features["sites"] = features.groupby(operation, dropna=False)["row"].transform("size")
    features["site_index"] = features.groupby(operation, dropna=False).cumcount()
    workbook_commune = text(features["Commune"]).fillna("")
    # The GeoJSON repeats "Reims, Metz, Sélestat" on each site: keep the site's own town.
    names = workbook_commune.str.split(r"\s*,\s*")
    commune = [parts[i] if len(parts) == sites and sites > 1 else whole
               for parts, i, sites, whole in zip(names, features["site_index"], features["sites"],
                                                 workbook_commune)]

    hints = _workbook_hints(require_file(raw_dir, *WORKBOOK))
    # Match each feature to its workbook row by town and amount, else by place name and amount.
    by_commune = _lookup(_operation_key(workbook_commune, features["Montant"]), hints, "commune_key")
    by_place = _lookup(_operation_key(text(features["Lieu"]).fillna(""), features["Montant"]),
                       hints, "place_key")
    postal_codes = by_commune.where(by_commune.notna(), by_place)
    if postal_codes.isna().all():
        raise BuildError("no operation of the GeoJSON matches a workbook row.",
                         file=str(require_file(raw_dir, *WORKBOOK)),
                         fix="check that both files describe the same operations.")
    postal = [codes[i] if isinstance(codes, list) and len(codes) == sites and sites > 1
              else (codes[0] if isinstance(codes, list) and codes else None)
              for codes, i, sites in zip(postal_codes, features["site_index"], features["sites"])]

    out = pd.DataFrame(index=features.index)
    out["row"] = features["row"]
    out["name"] = text(features["Lieu"])
    out["domain"] = "plan_de_relance"
    out["type"] = envelopes.map(ENVELOPES)
    out["address"] = text(features["Adresse"])
    out["postal_code"] = pd.Series(postal, index=features.index, dtype="object")
    out["commune_name"] = pd.Series(commune, index=features.index, dtype="object")
    out["departement_hint"] = out["postal_code"].map(departement_of_postal_code)
    out["operation"] = text(features["Operation"])
    out["amount_eur"] = pd.to_numeric(features["Montant"], errors="coerce") / features["sites"]
    for column in ("source_lon", "source_lat", "coordinate_problem"):
        out[column] = features[column]
    out["place_key"] = stable_ids("pdr", pd.Series("", index=out.index),
                                  out["name"].fillna("") + "|" + out["commune_name"].fillna("")
                                  + "|" + out["operation"].fillna(""))
    return finish(out, SOURCE, VINTAGE)
