"""Reader of the list of sites patrimoniaux remarquables (SPR), one row per SPR and commune."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from loaders.places.inputs import finish, read_text_csv, require_file, stable_ids, text

SOURCE = "spr"
# The latest creation date in the list is in September 2023.
VINTAGE = 2023
FILE = ("offre-culturelle-misc", "sites_patrimoniaux_remarquables.csv")
COLUMNS = ["Commune", "Code INSEE", "numéro du SPR", "SPR initial\n(régime de création)",
           "SPR initial\n(date de création)", "Code département"]


def read(raw_dir: Path) -> pd.DataFrame:
    """Read every SPR; the list has no coordinates, so each is placed inside its commune.

    An SPR spanning several communes is listed once per commune, under the same number; each
    row becomes one place, so counts are SPR-commune pairs.
    """
    path = require_file(raw_dir, *FILE)
    df = read_text_csv(path, COLUMNS, sep=";", encoding="utf-8-sig")
    out = pd.DataFrame(index=df.index)
    out["row"] = df["row"]
    out["source_id"] = text(df["numéro du SPR"])
    commune = text(df["Commune"])
    out["name"] = ("Site patrimonial remarquable de " + commune.str.title()).where(commune.notna())
    out["domain"] = "patrimoine"
    out["type"] = "site_patrimonial_remarquable"
    out["commune_raw"] = text(df["Code INSEE"])
    out["commune_name"] = commune
    out["departement_hint"] = text(df["Code département"])
    out["protection_regime"] = text(df["SPR initial\n(régime de création)"])
    created = pd.to_datetime(text(df["SPR initial\n(date de création)"]), errors="coerce",
                             format="%Y-%m-%d")
    out["creation_year"] = created.dt.year
    out["coordinate_problem"] = "empty"
    out["place_key"] = stable_ids("spr", out["source_id"].fillna("") + "-" + out["commune_raw"].fillna(""),
                                  out["name"])
    return finish(out, SOURCE, VINTAGE)
