"""Reader of the geolocated public libraries of the Deps (Service du livre et de la lecture)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from loaders.places import coordinates
from loaders.places.inputs import (finish, joined_codes, number, postal_code, read_sheet,
                                   require_file, stable_ids, text)

SOURCE = "deps_bibliotheques"
VINTAGE = 2021
FILE = ("deps-atlas", "lieux", "Geoloc Biblios.xlsx")
SHEET = "Sheet1"
COLUMNS = ["Identifiant_Deps", "Nom", "Adresse", "Code_Postal", "Commune", "Code_Insee",
           "Code_Insee_Arrondt", "Surface_Bibliotheque", "code_bib", "Coordonnées GPS [lat,lon]"]


def read(raw_dir: Path) -> pd.DataFrame:
    """Read every library; `code_bib` is the library code of the Observatoire de la lecture publique."""
    path = require_file(raw_dir, *FILE)
    df = read_sheet(path, SHEET, COLUMNS)
    out = pd.DataFrame(index=df.index)
    out["row"] = df["row"]
    out["name"] = text(df["Nom"])
    out["source_id"] = text(df["Identifiant_Deps"])
    out["match_key"] = text(df["code_bib"])
    out["domain"] = "livre_lecture"
    out["type"] = "bibliotheque"
    out["address"] = text(df["Adresse"])
    out["postal_code"] = postal_code(df["Code_Postal"])
    # Code_Insee_Arrondt is the arrondissement municipal, or the commune déléguée or associée
    # of the library. The mapping to COG 2025 handles both.
    out["commune_raw"] = joined_codes(df["Code_Insee_Arrondt"], df["Code_Insee"])
    out["commune_name"] = text(df["Commune"])
    out["surface_m2"] = number(df["Surface_Bibliotheque"])
    out = out.join(coordinates.latlon_text_column(df["Coordonnées GPS [lat,lon]"]))
    out["place_key"] = stable_ids("bib", out["match_key"], out["name"])
    return finish(out, SOURCE, VINTAGE)
