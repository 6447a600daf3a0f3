"""Reader of the list of festivals in France (panorama 2019-2021 of the ministry of Culture)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd

from loaders.places import coordinates
from loaders.places.inputs import (check_known, departement_of_postal_code, finish, postal_code,
                                   read_text_csv, require_file, stable_ids, text)

SOURCE = "festivals"
VINTAGE = 2021
FILE = ("offre-culturelle-misc", "festivals_nettoye.csv")
COLUMNS = ["Nom du festival", "Département principal de déroulement",
           "Code postal (de la commune principale de déroulement)",
           "Année de création du festival", "Discipline dominante", "Identifiant", "Géocodage xy"]
DISCIPLINES = {
    "Musique": "festival_musique",
    "Spectacle vivant": "festival_spectacle_vivant",
    "Livre, littérature": "festival_livre",
    "Cinéma, audiovisuel": "festival_cinema",
    "Arts visuels, arts numériques": "festival_arts_visuels",
    "Pluridisciplinaire": "festival_pluridisciplinaire",
}
FIRST_YEAR, LAST_YEAR = 1800, VINTAGE
_EXCEL_EPOCH = date(1899, 12, 30)


def creation_year(value) -> int | None:
    """Parse the creation year: "2005", or a date "dd/mm/yyyy ..." as some cells were typed.

    A year typed into a date-formatted cell shows up as a date in 1905 (Excel day 2005 is
    27 June 1905): the day number since Excel's epoch is then the year that was meant.
    """
    if value is None or (isinstance(value, float) and value != value):
        return None
    cleaned = str(value).strip()
    if re.fullmatch(r"\d{4}", cleaned):
        year = int(cleaned)
    else:
        match = re.match(r"^(\d{2})/(\d{2})/(\d{4})", cleaned)
        if not match:
            return None
        day, month, year = (int(g) for g in match.groups())
        if year < 1906:
            year = (date(year, month, day) - _EXCEL_EPOCH).days
    return year if FIRST_YEAR <= year <= LAST_YEAR else None


def read(raw_dir: Path) -> pd.DataFrame:
    """Read every festival; the commune code is embedded in `Identifiant` (FEST_<code>_<n>)."""
    path = require_file(raw_dir, *FILE)
    df = read_text_csv(path, COLUMNS, sep=";", encoding="utf-8")
    disciplines = text(df["Discipline dominante"])
    check_known(disciplines, DISCIPLINES, df["row"], path, "Discipline dominante",
                what="discipline")
    out = pd.DataFrame(index=df.index)
    out["row"] = df["row"]
    out["name"] = text(df["Nom du festival"])
    out["source_id"] = text(df["Identifiant"])
    out["domain"] = "festivals"
    out["type"] = disciplines.map(DISCIPLINES).fillna("festival_pluridisciplinaire")
    out["postal_code"] = postal_code(df["Code postal (de la commune principale de déroulement)"])
    out["commune_raw"] = out["source_id"].str.extract(r"^FEST_([0-9AB]{4,5})_", flags=re.I)[0]
    out["departement_hint"] = out["postal_code"].map(departement_of_postal_code)
    out["creation_year"] = df["Année de création du festival"].map(creation_year)
    out = out.join(coordinates.latlon_text_column(df["Géocodage xy"]))
    out["place_key"] = stable_ids("fest", out["source_id"], out["name"])
    return finish(out, SOURCE, VINTAGE)
