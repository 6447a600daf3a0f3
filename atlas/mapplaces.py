"""Place layers of the map: which layers a selection makes, their counts, and popup contents."""

from __future__ import annotations

import math
from functools import lru_cache

import pandas as pd

from atlas import places, store
from atlas.formatting import format_number
from atlas.i18n import t

# Attributes shown in a place popup when present, in this order, with their number format.
POPUP_ATTRIBUTES = (
    ("screens", "number"), ("seats", "number"), ("admissions", "number"), ("surface_m2", "number"),
    ("capacity", "number"), ("creation_year", "year"), ("amount_eur", "euros"), ("operation", "text"),
    ("owner", "text"), ("protection_regime", "text"),
)


@lru_cache(maxsize=2)
def _places_of_build(stamp: str) -> pd.DataFrame | None:
    return store.read_optional("places.parquet")


def places_frame() -> pd.DataFrame | None:
    """Return the places table of the current build, read once per build; None when not built."""
    return _places_of_build(store.build_stamp())


def layer_specs(selection: list[str] | tuple[str, ...], lang: str) -> list[dict]:
    """Describe one layer per chosen domain or type, in the order chosen: id, label, colour."""
    specs = []
    for item in selection or ():
        if item in places.DOMAIN_IDS:
            specs.append({"id": item, "label": t(f"places.domain_{item}", lang),
                          "color": places.domain_color(item), "column": "domain"})
        elif item in places.TYPE_IDS:
            specs.append({"id": item, "label": t(f"places.type_{item}", lang),
                          "color": places.domain_color(places.domain_of(item)), "column": "type"})
    return specs


def layer_counts(frame: pd.DataFrame | None, specs: list[dict]) -> list[int]:
    """Number of places of each layer (0 for every layer when places are not built)."""
    if frame is None:
        return [0] * len(specs)
    return [int((frame[spec["column"]] == spec["id"]).sum()) for spec in specs]


def _is_present(value) -> bool:
    if value is None or value is pd.NA:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return str(value).strip() != ""


def popup_rows(place: dict, lang: str) -> list[tuple[str, str]]:
    """(label, text) pairs of a place popup: type, address, then the attributes it has."""
    rows = [(t("carte.place_type", lang), t(f"places.type_{place['type']}", lang))]
    address = " ".join(str(part) for part in (place.get("address"), place.get("postal_code"),
                                              place.get("commune_name")) if _is_present(part))
    if address:
        rows.append((t("carte.place_address", lang), address))
    if _is_present(place.get("label")) and place["label"] in places.LABELS:
        rows.append((t("carte.place_label", lang), t(f"places.label_{place['label']}", lang)))
    for column, kind in POPUP_ATTRIBUTES:
        value = place.get(column)
        if not _is_present(value):
            continue
        if kind == "number":
            text = format_number(float(value), 0, lang)
        elif kind == "euros":
            text = format_number(float(value), 0, lang) + "\u00a0€"
        elif kind == "year":
            text = str(int(float(value)))
        else:
            text = str(value)
        rows.append((t(f"carte.place_{column}", lang), text))
    if place.get("location_flag") in places.CENTROID_FLAGS:
        rows.append((t("carte.place_location", lang), t("carte.place_approximate", lang)))
    return rows
