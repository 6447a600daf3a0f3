"""Reader of the addresses of public libraries (Observatoire de la lecture publique)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from loaders.places import coordinates
from loaders.places.inputs import (departement_of_postal_code, finish, postal_code,
                                   read_text_csv, require_file, stable_ids, text)

SOURCE = "olp_bibliotheques"
# NOTE: the file gives no reference year; its activity fields look like the 2019 survey.
VINTAGE = 2019
FILE = ("offre-culturelle-misc", "adresses_des_bibliotheques_publiques_prepared.csv")
COLUMNS = ["Code_bib", "nom_de_l_etablissement", "Adresse", "CP", "Ville",
           "Longitude", "Latitude", "type_adresse"]
# `type_adresse` as place types. The 24 rows typed "0" are libraries of large networks (a
# city's branch libraries) and are counted as libraries open to the public.
ADDRESS_TYPES = {
    "Bâtiment ouvert": "bibliotheque",
    "0": "bibliotheque",
    "Bibliothèque départementale": "bibliotheque_departementale",
    "Bibliobus": "bibliobus",
    "Lieu uniquement administratif": "lieu_lecture_non_ouvert",
    "Réserve de documents non ouverte au public": "lieu_lecture_non_ouvert",
}


def read(raw_dir: Path) -> pd.DataFrame:
    """Read every library address; the file has no commune code, only postal code and town."""
    path = require_file(raw_dir, *FILE)
    df = read_text_csv(path, COLUMNS, sep=",", encoding="utf-8")
    out = pd.DataFrame(index=df.index)
    out["row"] = df["row"]
    out["name"] = text(df["nom_de_l_etablissement"])
    out["source_id"] = text(df["Code_bib"])
    out["match_key"] = out["source_id"]
    out["domain"] = "livre_lecture"
    kinds = text(df["type_adresse"])
    out["type"] = kinds.map(ADDRESS_TYPES).fillna("bibliotheque")
    out["address"] = text(df["Adresse"])
    out["postal_code"] = postal_code(df["CP"])
    out["commune_name"] = text(df["Ville"])
    # `code_departement` is the département of the body that reports the library (the Moselle
    # service lists libraries of Meurthe-et-Moselle), so the postal code gives the hint.
    out["departement_hint"] = out["postal_code"].map(departement_of_postal_code)
    out = out.join(coordinates.pair_columns(df["Latitude"], df["Longitude"]))
    out["place_key"] = stable_ids("bib", out["source_id"], out["name"])
    return finish(out, SOURCE, VINTAGE)
