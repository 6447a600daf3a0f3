"""Reader of the cinemas of the Deps facilities base (CNC list as the Deps received it)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from loaders.places import coordinates
from loaders.places.inputs import (finish, joined_codes, number, postal_code, read_sheet,
                                   require_file, stable_ids, text)

SOURCE = "deps_cinemas"
VINTAGE = 2021
FILE = ("deps-atlas", "lieux", "Base Equipements DEPS_last_fix_address cinema.xlsx")
SHEET = "Feuil1"
COLUMNS = ["Identifiant", "Nom", "Adresse", "Code_Postal", "Ville corrigé", "Code_Insee",
           "Code_Insee_Arrondt", "Nom_Label", "Type_Cinema", "Nombre_de_fauteuils_de_cinema",
           "Nombre_de_salles_de_cinema", "Identifiant_origine", "Coordonnées GPS"]
CINEMA_TYPES = {"FIXE": "cinema_fixe", "ITINERANT": "cinema_itinerant"}


def read(raw_dir: Path) -> pd.DataFrame:
    """Read every cinema; `Identifiant_origine` is the CNC establishment number."""
    path = require_file(raw_dir, *FILE)
    df = read_sheet(path, SHEET, COLUMNS)
    out = pd.DataFrame(index=df.index)
    out["row"] = df["row"]
    out["name"] = text(df["Nom"])
    out["source_id"] = text(df["Identifiant"])
    out["match_key"] = text(df["Identifiant_origine"])
    out["domain"] = "cinema"
    out["type"] = text(df["Type_Cinema"]).str.upper().map(CINEMA_TYPES).fillna("cinema_fixe")
    out["label"] = (text(df["Nom_Label"]) == "Art et Essai").map({True: "art_et_essai", False: None})
    out["address"] = text(df["Adresse"])
    out["postal_code"] = postal_code(df["Code_Postal"])
    # Code_Insee_Arrondt is the arrondissement municipal in Paris, Lyon and Marseille.
    out["commune_raw"] = joined_codes(df["Code_Insee_Arrondt"], df["Code_Insee"])
    out["commune_name"] = text(df["Ville corrigé"])
    out["seats"] = number(df["Nombre_de_fauteuils_de_cinema"])
    out["screens"] = number(df["Nombre_de_salles_de_cinema"])
    out = out.join(coordinates.latlon_text_column(df["Coordonnées GPS"]))
    out["place_key"] = stable_ids("cine", "cnc-" + out["match_key"].fillna(""), out["name"])
    return finish(out, SOURCE, VINTAGE)
