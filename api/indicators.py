"""Open-data routes for indicators: the catalogue and the values of one indicator.

- `GET /api/v1/indicators`: the visible catalogue (`include_hidden=1` adds the parts used
  only in computations).
- `GET /api/v1/indicators/<id>`: one catalogue entry.
- `GET /api/v1/indicators/<id>/values?level=&year=&format=json|csv|xlsx|geojson`: one value
  per territory of the level, with its status. `year` defaults to the latest one, and
  `dialect=fr` gives a French CSV (`;` and decimal comma).

`lang=fr|en` (default fr) selects the language of labels. An invalid parameter returns HTTP 400
(404 for an unknown indicator) with a JSON message naming the valid choices.
"""

from __future__ import annotations

import json
import logging
import math
from functools import lru_cache

import pandas as pd
from flask import Response, request

from api import bp, params
from api.errors import json_error
from atlas import store
from atlas.cache import memoize
from atlas.catalogue import Indicator, load_catalogue
from atlas.geo import orient_rfc7946
from atlas.i18n import normalize_lang, t
from atlas.tables import to_csv_bytes, to_xlsx_bytes

log = logging.getLogger(__name__)

FORMATS = ("json", "csv", "xlsx", "geojson")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}
# Coordinates of GeoJSON exports are rounded to this grid (degrees, about 10 cm).
GEOJSON_GRID = 1e-6
VALUE_DECIMALS = 6


def _years(indicator: Indicator, level: str | None = None) -> list[int]:
    """Years with stored values (at `level` when given), else the catalogue's."""
    try:
        stored = store.indicator_years(indicator.id, level)
    except store.StoreMissing:
        stored = []
    if stored or level is not None:
        return stored
    return list(indicator.years)


def _describe(indicator: Indicator, lang: str) -> dict:
    described = indicator.to_api(lang, years=_years(indicator))
    described["unit_key"] = indicator.unit
    if indicator.is_categorical:
        described["categories"] = [{"code": str(c["code"]), "label": indicator.category_label(c["code"], lang)}
                                   for c in indicator.categories]
    return described


@bp.get("/api/v1/indicators")
def list_indicators():
    """Return the catalogue as JSON, in catalogue order."""
    lang = normalize_lang(request.args.get("lang"))
    include_hidden = request.args.get("include_hidden") in ("1", "true")
    catalogue = load_catalogue()
    indicators = list(catalogue) if include_hidden else catalogue.visible()
    return [_describe(indicator, lang) for indicator in indicators]


def _lookup(indicator_id: str):
    catalogue = load_catalogue()
    if indicator_id in catalogue:
        return catalogue.get(indicator_id), None
    return None, json_error(404, f"unknown indicator '{indicator_id[:60]}'",
                            valid_indicators=catalogue.ids())


@bp.get("/api/v1/indicators/<indicator_id>")
def describe_indicator(indicator_id: str):
    indicator, error = _lookup(indicator_id)
    if error:
        return error
    return _describe(indicator, normalize_lang(request.args.get("lang")))


def _metadata(indicator: Indicator, level: str, year: int, lang: str) -> dict:
    """Return the metadata rows of an export, with the keys of the page exports (`atlas.export`)."""
    return {
        "indicator": indicator.id,
        "label": indicator.text("label", lang),
        "unit": indicator.unit_label(lang),
        "definition": indicator.text("definition", lang),
        "source": indicator.text("source", lang),
        "year": year,
        "level": t(f"common.level_{level}", lang),
        "notes": indicator.text("notes", lang),
    }


def _values_frame(indicator: Indicator, level: str, year: int, lang: str,
                  fmt: str) -> pd.DataFrame:
    frame = store.indicator_values(indicator.id, level, year)[["code", "name", "value", "status", "category"]]
    frame = frame.copy()
    # Six decimals remove binary noise (4239620.859999999) and keep every published digit.
    frame["value"] = frame["value"].astype("float64").round(VALUE_DECIMALS)
    frame["status"] = frame["status"].astype(str)
    frame["status_label"] = [t(f"common.status_{status}", lang) for status in frame["status"]]
    if indicator.is_categorical:
        frame["category_label"] = [indicator.category_label(c, lang) if isinstance(c, str) else None
                                   for c in frame["category"]]
        if fmt != "json":  # categories carry no number; JSON keeps `value: null` for one schema
            frame = frame.drop(columns="value")
    else:
        frame = frame.drop(columns="category")
    return frame


def _json_number(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


@memoize()
def render_values(indicator_id: str, level: str, year: int, fmt: str, lang: str,
                  dialect: str, stamp: str) -> bytes:
    """Serialise the values of one indicator; `stamp` (the build id) keys the cache."""
    indicator = load_catalogue().get(indicator_id)
    frame = _values_frame(indicator, level, year, lang, fmt)
    if fmt == "json":
        payload = {
            "indicator": indicator.id, "label": indicator.text("label", lang), "level": level,
            "year": year, "unit": indicator.unit_label(lang),
            "unit_key": indicator.unit, "source": indicator.text("source", lang),
            "definition": indicator.text("definition", lang),
            "notes": indicator.text("notes", lang),
            "values": [{**{k: (None if isinstance(v, float) and math.isnan(v) else v)
                           for k, v in row.items() if k != "value"},
                        "value": _json_number(row["value"])}
                       for row in frame.to_dict(orient="records")],
        }
        return json.dumps(payload, ensure_ascii=False).encode("utf-8")
    if fmt == "csv":
        return to_csv_bytes(frame, _metadata(indicator, level, year, lang), dialect)
    if fmt == "xlsx":
        return to_xlsx_bytes({t("export.sheet_data", lang): frame},
                             [_metadata(indicator, level, year, lang)],
                             metadata_sheet=t("export.sheet_metadata", lang))
    return _geojson(indicator, frame, level, year, lang)


@lru_cache(maxsize=8)
def _geometry_json(level: str, stamp: str) -> dict[str, str]:
    """GeoJSON geometry text of every territory of a level, rounded, computed once per build.

    Serialising with shapely in one vectorised call and caching the text keeps a commune-level
    export to string assembly (the geometry is the same for every indicator). Rings follow
    RFC 7946: exterior rings counter-clockwise.
    """
    import geopandas as gpd
    import shapely

    geometry = gpd.read_parquet(store.build_dir() / "geometry" / f"{level}.parquet")
    rounded = orient_rfc7946(shapely.set_precision(geometry.geometry.values, GEOJSON_GRID))
    return dict(zip(geometry["code"].astype(str), shapely.to_geojson(rounded)))


def _geojson(indicator: Indicator, frame: pd.DataFrame, level: str, year: int, lang: str) -> bytes:
    geometries = _geometry_json(level, store.build_stamp())
    metadata = {
        "indicator": indicator.id, "label": indicator.text("label", lang), "level": level,
        "year": year, "unit": indicator.unit_label(lang),
        "source": indicator.text("source", lang), "definition": indicator.text("definition", lang)}
    features = []
    for row in frame.to_dict(orient="records"):
        properties = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        geometry = geometries.get(str(row["code"]), "null")
        features.append('{"type":"Feature","properties":'
                        + json.dumps(properties, ensure_ascii=False) + ',"geometry":' + geometry + "}")
    head = '{"type":"FeatureCollection","metadata":' + json.dumps(metadata, ensure_ascii=False)
    return (head + ',"features":[' + ",".join(features) + "]}").encode("utf-8")


@bp.get("/api/v1/indicators/<indicator_id>/values")
def indicator_values(indicator_id: str):
    """Values of one indicator at one level and year, in the requested format."""
    indicator, error = _lookup(indicator_id)
    if error:
        return error
    lang = normalize_lang(request.args.get("lang"))
    level = params.choice("level", indicator.levels, required=True)
    fmt = params.output_format(FORMATS, "json")
    dialect = params.csv_dialect()

    years = _years(indicator, level)
    stamp = store.build_stamp()
    if not years:
        return json_error(404, f"no values are stored for '{indicator.id}' at level '{level}'",
                          valid_levels=list(indicator.levels))
    year = params.integer("year", default=years[-1], choices=years)

    body = render_values(indicator.id, level, year, fmt, lang, dialect, stamp)
    if fmt == "json":
        return Response(body, mimetype="application/json")
    extension = "xlsx" if fmt == "xlsx" else fmt
    filename = f"{indicator.id}_{level}_{year}.{extension}"
    return Response(body, content_type=MIMETYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
