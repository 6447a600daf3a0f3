"""Reader of Muséofile, the ministry's directory of the Musées de France."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from loaders.places import coordinates
from loaders.places.inputs import (departement_of_postal_code, finish, postal_code,
                                    read_text_csv, require_file, stable_ids, text)

SOURCE = "museofile"
VINTAGE = 2025
FILE = ("musees", "museofile.csv")
COLUMNS = ["Identifiant", "Nom_officiel", "Adresse", "Lieu", "Code_postal", "Ville",
           "Annee_creation", "Coordonnees"]


def read(raw_dir: Path) -> pd.DataFrame:
    """Read every museum; the file has no commune code, only postal code, town and "lat, lon"."""
    path = require_file(raw_dir, *FILE)
    df = read_text_csv(path, COLUMNS, sep="|", encoding="utf-8")
    out = pd.DataFrame(index=df.index)
    out["row"] = df["row"]
    out["name"] = text(df["Nom_officiel"])
    out["source_id"] = text(df["Identifiant"])
    out["match_key"] = out["source_id"]
    out["domain"] = "musees"
    out["type"] = "musee_de_france"
    out["label"] = "musee_de_france"
    out["address"] = text(df["Adresse"])
    out["postal_code"] = postal_code(df["Code_postal"])
    out["commune_name"] = text(df["Ville"])
    out["departement_hint"] = out["postal_code"].map(departement_of_postal_code)
    year = pd.to_numeric(text(df["Annee_creation"]).str.extract(r"^(\d{4})")[0], errors="coerce")
    out["creation_year"] = year
    out = out.join(coordinates.latlon_text_column(df["Coordonnees"]))
    out["place_key"] = stable_ids("musee", out["source_id"], out["name"])
    return finish(out, SOURCE, VINTAGE)
