"""Reader of the historic monuments (monuments historiques) of the Deps facilities base."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from loaders.places.inputs import deps_base_columns, finish, read_sheet, require_file, stable_ids, text

SOURCE = "deps_monuments"
VINTAGE = 2021
FILE = ("deps-atlas", "lieux", "Base Equipements DEPS_last_fix_address.xlsx")
SHEET = "Sheet1"
COLUMNS = ["Identifiant", "Nom", "Adresse", "Adresse corrigé", "Code_Postal", "Ville corrigé",
           "Code_Insee", "Nom_Label", "Proprietaire_Monument_historique", "Coordonnées GPS"]

# Protection written in `Nom_Label`, as label ids.
PROTECTIONS = {
    "Classé MH": "mh_classe",
    "Classé MH partiellement": "mh_classe_partiel",
    "Inscrit MH": "mh_inscrit",
    "Inscrit MH partiellement": "mh_inscrit_partiel",
    "Non renseigné": "mh_non_renseigne",
}


def read(raw_dir: Path) -> pd.DataFrame:
    """Read every monument; several commune codes ("35257 ; 35191") are kept as written."""
    path = require_file(raw_dir, *FILE)
    df = read_sheet(path, SHEET, COLUMNS)
    out = deps_base_columns(df, id_column="Identifiant", commune_columns=("Code_Insee",),
                            commune_name_column="Ville corrigé", coordinates_column="Coordonnées GPS")
    out["domain"] = "patrimoine"
    out["type"] = "monument_historique"
    out["label"] = text(df["Nom_Label"]).map(PROTECTIONS)
    # The corrected address is the geocoder's input. It is kept only when it stayed in France,
    # because some were resolved abroad, such as "lac Clion, Québec, Canada".
    corrected = text(df["Adresse corrigé"])
    out["address"] = text(df["Adresse"]).fillna(corrected.where(corrected.str.endswith(", France", na=False)))
    out["owner"] = text(df["Proprietaire_Monument_historique"])
    out["place_key"] = stable_ids("mh", out["source_id"], out["name"])
    return finish(out, SOURCE, VINTAGE)
