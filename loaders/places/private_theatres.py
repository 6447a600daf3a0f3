"""Reader of the private theatres added to the Deps base (Artcena list of private venues)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from loaders.places.inputs import deps_base_columns, finish, number, read_sheet, require_file, stable_ids, text

SOURCE = "deps_theatres_prives"
VINTAGE = 2021
FILE = ("deps-atlas", "lieux", "Equipements_ajouter.xlsx")
SHEET = "Feuil2"
COLUMNS = ["Nom", "Adresse", "Code_Postal", "Commune", "Code_Insee", "Code_Insee_Arrondt",
           "Jauge_du_theatre", "Identifiant_origine", "Identifiant_Deps", "Coordonnées gps"]


def read(raw_dir: Path) -> pd.DataFrame:
    """Read every theatre; `Jauge_du_theatre` is the number of seats."""
    path = require_file(raw_dir, *FILE)
    df = read_sheet(path, SHEET, COLUMNS)
    out = deps_base_columns(df, id_column="Identifiant_Deps", commune_columns=("Code_Insee_Arrondt", "Code_Insee"),
                            commune_name_column="Commune", coordinates_column="Coordonnées gps")
    out["domain"] = "spectacle_vivant"
    out["type"] = "theatre_prive"
    out["address"] = text(df["Adresse"])
    # "75000" is not a real postal code of Paris: it only means "Paris".
    out["postal_code"] = out["postal_code"].where(out["postal_code"] != "75000")
    out["capacity"] = number(df["Jauge_du_theatre"])
    out["place_key"] = stable_ids("theatre", text(df["Identifiant_origine"]), out["name"])
    return finish(out, SOURCE, VINTAGE)
