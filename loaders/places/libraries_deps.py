"""Reader of the geolocated public libraries of the Deps (Service du livre et de la lecture)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from loaders.places.inputs import deps_base_columns, finish, number, read_sheet, require_file, stable_ids, text

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
    # Code_Insee_Arrondt is the arrondissement municipal, or the commune déléguée or associée
    # of the library. The mapping to COG 2025 handles both.
    out = deps_base_columns(df, id_column="Identifiant_Deps", commune_columns=("Code_Insee_Arrondt", "Code_Insee"),
                            commune_name_column="Commune", coordinates_column="Coordonnées GPS [lat,lon]")
    out["match_key"] = text(df["code_bib"])
    out["domain"] = "livre_lecture"
    out["type"] = "bibliotheque"
    out["address"] = text(df["Adresse"])
    out["surface_m2"] = number(df["Surface_Bibliotheque"])
    out["place_key"] = stable_ids("bib", out["match_key"], out["name"])
    return finish(out, SOURCE, VINTAGE)
