"""Reader of the CNC list of active cinemas with their 2022 and 2021 admissions."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from loaders.places import coordinates
from loaders.places.inputs import finish, number, read_text_csv, require_file, stable_ids, text

SOURCE = "cnc_cinemas"
VINTAGE = 2022
FILE = ("cinema", "etablissements-cinematographiques.csv")
COLUMNS = ["N° auto", "nom", "adresse", "code INSEE", "commune", "DEP", "écrans", "fauteuils",
           "entrées 2022", "entrées 2021", "AE", "label Art et Essai", "genre", "multiplexe",
           "latitude", "longitude"]
CINEMA_TYPES = {"FIXE": "cinema_fixe", "ITINERANT": "cinema_itinerant"}
# Sub-labels of the Art et Essai classification, as the CNC abbreviates them.
SUB_LABELS = {"JP": "jeune_public", "RD": "recherche_decouverte", "PR": "patrimoine_repertoire"}


def _sub_labels(code: str | None) -> str | None:
    if not isinstance(code, str):
        return None
    found = [name for abbreviation, name in SUB_LABELS.items() if abbreviation in code]
    return ";".join(found) or None


def read(raw_dir: Path) -> pd.DataFrame:
    """Read every cinema; the commune code is the arrondissement in Paris, Lyon and Marseille."""
    path = require_file(raw_dir, *FILE)
    df = read_text_csv(path, COLUMNS, sep=";", encoding="utf-8-sig")
    out = pd.DataFrame(index=df.index)
    out["row"] = df["row"]
    out["name"] = text(df["nom"])
    out["source_id"] = text(df["N° auto"])
    out["match_key"] = out["source_id"]
    out["domain"] = "cinema"
    out["type"] = text(df["genre"]).str.upper().map(CINEMA_TYPES).fillna("cinema_fixe")
    out["label"] = (text(df["AE"]) == "OUI").map({True: "art_et_essai", False: None})
    out["art_et_essai_labels"] = text(df["label Art et Essai"]).map(_sub_labels)
    out["address"] = text(df["adresse"])
    out["commune_raw"] = text(df["code INSEE"])
    out["commune_name"] = text(df["commune"])
    out["departement_hint"] = text(df["DEP"])
    out["screens"] = number(df["écrans"])
    out["seats"] = number(df["fauteuils"])
    out["admissions"] = number(df["entrées 2022"])
    out["admissions_previous"] = number(df["entrées 2021"])
    out["multiplex"] = text(df["multiplexe"]) == "OUI"
    out = out.join(coordinates.pair_columns(df["latitude"], df["longitude"]))
    out["place_key"] = stable_ids("cine", "cnc-" + out["source_id"].fillna(""), out["name"])
    return finish(out, SOURCE, VINTAGE)
