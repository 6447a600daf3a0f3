"""Reader of the archive services (Service interministériel des archives de France, via the Deps)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from loaders.places import coordinates
from loaders.places.inputs import (check_known, finish, joined_codes, postal_code, read_sheet, require_file,
                                   stable_ids, text)

SOURCE = "deps_archives"
VINTAGE = 2021
FILE = ("deps-atlas", "lieux", "Archives.xlsx")
SHEET = "Feuil1"
COLUMNS = ["Precision_equipement", "Nom", "Adresse", "Code_Postal", "Commune", "Code_Insee",
           "Code_Insee_Arrondt", "Identifiant_Deps", "Coordonnées gps"]
ARCHIVE_TYPES = {
    "Archives nationales": "archives_nationales",
    "Archives régionales": "archives_regionales",
    "Archives départementales": "archives_departementales",
    "Archives communales": "archives_communales",
}


def read(raw_dir: Path) -> pd.DataFrame:
    """Read every archive service; an unknown kind stops the build.

    The kind is read from `Precision_equipement`, a typed value. `Filtre_atlas` shows the same
    kind but is a spreadsheet formula, whose cached result a reader may not get.
    """
    path = require_file(raw_dir, *FILE)
    df = read_sheet(path, SHEET, COLUMNS)
    kinds = text(df["Precision_equipement"])
    check_known(kinds.fillna("<empty>"), ARCHIVE_TYPES, df["row"], path, "Precision_equipement",
                SHEET, what="archive kind")
    out = pd.DataFrame(index=df.index)
    out["row"] = df["row"]
    out["name"] = text(df["Nom"])
    out["source_id"] = text(df["Identifiant_Deps"])
    out["domain"] = "archives"
    out["type"] = kinds.map(ARCHIVE_TYPES)
    out["address"] = text(df["Adresse"])
    out["postal_code"] = postal_code(df["Code_Postal"])
    out["commune_raw"] = joined_codes(df["Code_Insee_Arrondt"], df["Code_Insee"])
    out["commune_name"] = text(df["Commune"])
    out = out.join(coordinates.latlon_text_column(df["Coordonnées gps"]))
    out["place_key"] = stable_ids("arch", out["source_id"], out["name"])
    return finish(out, SOURCE, VINTAGE)
