"""Reader of the private theatres added to the Deps base (Artcena list of private venues)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from loaders.places import coordinates
from loaders.places.inputs import (finish, joined_codes, number, postal_code, read_sheet,
                                   require_file, stable_ids, text)

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
    out = pd.DataFrame(index=df.index)
    out["row"] = df["row"]
    out["name"] = text(df["Nom"])
    out["source_id"] = text(df["Identifiant_Deps"])
    out["domain"] = "spectacle_vivant"
    out["type"] = "theatre_prive"
    out["address"] = text(df["Adresse"])
    # "75000" is not a real postal code of Paris: it only means "Paris".
    out["postal_code"] = postal_code(df["Code_Postal"]).where(lambda s: s != "75000")
    out["commune_raw"] = joined_codes(df["Code_Insee_Arrondt"], df["Code_Insee"])
    out["commune_name"] = text(df["Commune"])
    out["capacity"] = number(df["Jauge_du_theatre"])
    out = out.join(coordinates.latlon_text_column(df["Coordonnées gps"]))
    out["place_key"] = stable_ids("theatre", text(df["Identifiant_origine"]), out["name"])
    return finish(out, SOURCE, VINTAGE)
