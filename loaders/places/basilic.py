"""Reader of Basilic, the Deps base of cultural places: Zéniths and Unesco World Heritage sites."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from loaders.places import coordinates
from loaders.places.inputs import (check_known, finish, joined_codes, postal_code, read_sheet,
                                   require_file, stable_ids, text)

SOURCE = "deps_basilic"
VINTAGE = 2021
FILE = ("deps-atlas", "lieux", "Basilic - Base des lieux culturels (28012021).xlsx")
SHEET = "Sheet1"
COLUMNS = ["Identifiant_Deps", "Equipement", "Nom", "Adresse", "Code_Postal", "Commune",
           "Code_Insee", "Code_Insee_Arrondt", "Coordonnées GPS [lat,lon]"]
KINDS = {
    "Zénith": ("spectacle_vivant", "zenith", None),
    "Patrimoine mondial Unesco": ("patrimoine", "patrimoine_mondial", "patrimoine_mondial"),
}


def read(raw_dir: Path) -> pd.DataFrame:
    """Read every place; an `Equipement` outside KINDS stops the build."""
    path = require_file(raw_dir, *FILE)
    df = read_sheet(path, SHEET, COLUMNS)
    kinds = text(df["Equipement"])
    check_known(kinds.fillna("<empty>"), KINDS, df["row"], path, "Equipement", SHEET,
                what="kind of place")
    out = pd.DataFrame(index=df.index)
    out["row"] = df["row"]
    out["name"] = text(df["Nom"])
    out["source_id"] = text(df["Identifiant_Deps"])
    out["domain"] = kinds.map(lambda k: KINDS[k][0])
    out["type"] = kinds.map(lambda k: KINDS[k][1])
    out["label"] = kinds.map(lambda k: KINDS[k][2])
    out["address"] = text(df["Adresse"])
    out["postal_code"] = postal_code(df["Code_Postal"])
    # Code_Insee_Arrondt sometimes holds only the département ("65"); validation drops it.
    out["commune_raw"] = joined_codes(df["Code_Insee_Arrondt"], df["Code_Insee"])
    out["commune_name"] = text(df["Commune"])
    out = out.join(coordinates.latlon_text_column(df["Coordonnées GPS [lat,lon]"]))
    out["place_key"] = stable_ids("basilic", out["source_id"], out["name"])
    return finish(out, SOURCE, VINTAGE)
