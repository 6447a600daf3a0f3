"""Reader of the official list of the Musées de France (27 January 2022)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from loaders.places import coordinates
from loaders.places.inputs import finish, postal_code, read_text_csv, require_file, stable_ids, text

SOURCE = "musees_liste_officielle"
VINTAGE = 2022
FILE = ("musees", "liste-officielle-museesdf-20220127-data.csv")
COLUMNS = ["Identifiant Muséofile", "Commune", "Nom officiel du musée", "Adresse", "Code Postal",
           "Latitude", "Longitude", "REF_Deps"]


def read(raw_dir: Path) -> pd.DataFrame:
    """Read every museum; `REF_Deps` is the commune code followed by a 2-digit index."""
    path = require_file(raw_dir, *FILE)
    df = read_text_csv(path, COLUMNS, sep=";", encoding="utf-8-sig")
    out = pd.DataFrame(index=df.index)
    out["row"] = df["row"]
    out["name"] = text(df["Nom officiel du musée"])
    out["source_id"] = text(df["Identifiant Muséofile"])
    out["match_key"] = out["source_id"]
    out["domain"] = "musees"
    out["type"] = "musee_de_france"
    out["label"] = "musee_de_france"
    out["address"] = text(df["Adresse"])
    out["postal_code"] = postal_code(df["Code Postal"])
    reference = text(df["REF_Deps"])
    out["commune_raw"] = reference.where(reference.str.len() == 7).str[:5]
    out["commune_name"] = text(df["Commune"])
    out = out.join(coordinates.pair_columns(df["Latitude"], df["Longitude"]))
    out["place_key"] = stable_ids("musee", out["source_id"], out["name"])
    return finish(out, SOURCE, VINTAGE)
