"""Reader of the cinemas of the Deps facilities base (CNC list as the Deps received it)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from loaders.places.inputs import deps_base_columns, finish, number, read_sheet, require_file, stable_ids, text

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
    # Code_Insee_Arrondt is the arrondissement municipal in Paris, Lyon and Marseille.
    out = deps_base_columns(df, id_column="Identifiant", commune_columns=("Code_Insee_Arrondt", "Code_Insee"),
                            commune_name_column="Ville corrigé", coordinates_column="Coordonnées GPS")
    out["match_key"] = text(df["Identifiant_origine"])
    out["domain"] = "cinema"
    out["type"] = text(df["Type_Cinema"]).str.upper().map(CINEMA_TYPES).fillna("cinema_fixe")
    out["label"] = (text(df["Nom_Label"]) == "Art et Essai").map({True: "art_et_essai", False: None})
    out["address"] = text(df["Adresse"])
    out["seats"] = number(df["Nombre_de_fauteuils_de_cinema"])
    out["screens"] = number(df["Nombre_de_salles_de_cinema"])
    out["place_key"] = stable_ids("cine", "cnc-" + out["match_key"].fillna(""), out["name"])
    return finish(out, SOURCE, VINTAGE)
