"""Final shape of the places layer: ids, territory columns, display coordinates, column types."""

from __future__ import annotations

import numpy as np
import pandas as pd

from atlas import geo
from atlas.places import LEVEL_COLUMNS, PLACE_COLUMNS, TYPE_DOMAIN
from loaders.errors import BuildError

FLOAT_COLUMNS = ("lon", "lat", "display_lon", "display_lat", "source_lon", "source_lat",
                 "source_distance_m", "screens", "seats", "admissions", "admissions_previous",
                 "surface_m2", "capacity", "amount_eur")
INT_COLUMNS = ("vintage", "creation_year")


def display_coordinates(places: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Move overseas points into the map insets, as `atlas.geo` does for the territories."""
    lon = places["lon"].to_numpy(dtype="float64").copy()
    lat = places["lat"].to_numpy(dtype="float64").copy()
    departement = places["departement"].astype(str).to_numpy()
    for code in geo.INSETS:
        mask = departement == code
        if mask.any():
            lon[mask], lat[mask] = geo.to_display(lon[mask], lat[mask], code)
    return lon, lat


def finish_layer(places: pd.DataFrame, territories: pd.DataFrame) -> pd.DataFrame:
    """Return the layer with the columns of `PLACE_COLUMNS`, sorted by domain, type and id."""
    out = places.copy()
    out["place_id"] = out["place_key"]
    duplicated = out["place_id"].duplicated(keep=False)
    if duplicated.any():
        first = out[duplicated].iloc[0]
        raise BuildError(f"place id '{first['place_id']}' is given to {int(duplicated.sum())} places.",
                         file=str(first["source"]), row=int(first["row"]),
                         fix="make the reader's stable_ids key unique for that source.")
    wrong_domain = out["type"].map(TYPE_DOMAIN) != out["domain"]
    if wrong_domain.any():
        first = out[wrong_domain].iloc[0]
        raise BuildError(f"type '{first['type']}' is not in domain '{first['domain']}'.",
                         file=str(first["source"]), row=int(first["row"]),
                         fix="fix the reader's domain and type mapping.")

    communes = territories[territories["level"] == "commune"].set_index("code")
    levels = [column for column in LEVEL_COLUMNS.values() if column in communes.columns
              and column != "commune"]
    for column in levels:
        out[column] = out["commune"].map(communes[column]).astype("object")
    out["commune_name"] = out["commune"].map(communes["name"]).astype("object")
    out["display_lon"], out["display_lat"] = display_coordinates(out)

    for column in PLACE_COLUMNS:
        if column not in out.columns:
            out[column] = None
    for column in FLOAT_COLUMNS:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
    for column in INT_COLUMNS:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("Int64")
    out["multiplex"] = out["multiplex"].astype("boolean")
    text_columns = [c for c in PLACE_COLUMNS if c not in FLOAT_COLUMNS + INT_COLUMNS + ("multiplex",)]
    for column in text_columns:
        out[column] = out[column].astype("string")
    out = out.sort_values(["domain", "type", "place_id"], kind="stable").reset_index(drop=True)
    return out
