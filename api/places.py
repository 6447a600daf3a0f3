"""Open-data routes for cultural places.

- `GET /api/v1/places?domain=&type=&level=&code=&format=geojson|csv`: the places of a domain
  and type in a territory. GeoJSON (the default) has true WGS84 coordinates and a `metadata`
  member; CSV follows `dialect=intl|fr` and ends with `#` metadata lines. Without filters every
  place is returned.
- `GET /api/v1/places/taxonomy`: domains, types, labels and location flags with their names.

The map's point file is `client/places.pbf`, served like the territory geometry at
`/geo/places.pbf` (display coordinates: overseas points moved into the insets).

`lang=fr|en` (default fr) selects the language of names. An invalid parameter returns HTTP 400
with a JSON message naming the valid choices; an unknown territory returns 404.
"""

from __future__ import annotations

import json
import logging

from flask import Response, request

from api import bp
from api.errors import json_error
from atlas import places as taxonomy
from atlas import store
from atlas.cache import memoize
from atlas.formatting import format_number
from atlas.i18n import normalize_lang, t
from atlas.tables import FRENCH, INTERNATIONAL, to_csv_bytes

log = logging.getLogger(__name__)

FORMATS = ("geojson", "csv")
DIALECTS = (INTERNATIONAL, FRENCH)
MIMETYPES = {"geojson": "application/geo+json", "csv": "text/csv; charset=utf-8"}
MAX_PARAMETER_LENGTH = 60


def _clip(value: str | None) -> str | None:
    return value[:MAX_PARAMETER_LENGTH] if value else value


def _flag_label(flag: str, lang: str) -> str:
    tolerance = format_number(taxonomy.LOCATION_TOLERANCE_M, 0, lang)
    return t(f"places.flag_{flag}", lang, tolerance=tolerance)


def _metadata(selected, domain: str | None, type_: str | None, level: str | None,
              code: str | None, lang: str) -> dict:
    sources = sorted({source for value in selected["sources"].dropna()
                      for source in str(value).split(";")})
    count = len(selected)
    return {
        "domain": domain or "",
        "domain_label": t(f"places.domain_{domain}", lang) if domain else "",
        "type": type_ or "",
        "type_label": t(f"places.type_{type_}", lang) if type_ else "",
        "level": level or "",
        "code": code or "",
        "count": count,
        "coordinates": "WGS84 (EPSG:4326), longitude/latitude",
        "source": "; ".join(t(f"places.source_{source}", lang) for source in sources),
        "location_flags": "; ".join(f"{flag}: {_flag_label(flag, lang)}"
                                    for flag in taxonomy.LOCATION_FLAGS),
    }


@memoize()
def render_places(domain: str | None, type_: str | None, level: str | None, code: str | None,
                  fmt: str, lang: str, dialect: str, stamp: str) -> bytes:
    """Serialise the selected places; `stamp` (the build id) keys the cache."""
    selected = taxonomy.filter_places(store.places(), domain, type_, level, code)
    metadata = _metadata(selected, domain, type_, level, code, lang)
    if fmt == "csv":
        return to_csv_bytes(taxonomy.export_frame(selected, lang), metadata, dialect)
    collection = taxonomy.to_geojson(selected)
    collection = {"type": collection["type"], "metadata": metadata,
                  "features": collection["features"]}
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@bp.get("/api/v1/places/taxonomy")
def places_taxonomy():
    """Domains and types with names and colours, label ids and location flags."""
    lang = normalize_lang(request.args.get("lang"))
    return {
        "domains": taxonomy.taxonomy(lang),
        "labels": [{"id": label, "label": t(f"places.label_{label}", lang)}
                   for label in taxonomy.LABELS],
        "location_flags": [{"id": flag, "label": _flag_label(flag, lang)}
                           for flag in taxonomy.LOCATION_FLAGS],
    }


@bp.get("/api/v1/places")
def list_places():
    """Places filtered by domain, type and territory, as GeoJSON or CSV."""
    lang = normalize_lang(request.args.get("lang"))
    domain = _clip(request.args.get("domain")) or None
    type_ = _clip(request.args.get("type")) or None
    level = _clip(request.args.get("level")) or None
    code = _clip(request.args.get("code")) or None

    if domain and domain not in taxonomy.DOMAIN_IDS:
        return json_error(400, f"unknown domain '{domain}'", valid_domains=list(taxonomy.DOMAIN_IDS))
    if type_ and type_ not in taxonomy.TYPE_DOMAIN:
        valid = (next(d.types for d in taxonomy.DOMAINS if d.id == domain) if domain
                 else taxonomy.TYPE_IDS)
        return json_error(400, f"unknown type '{type_}'", valid_types=list(valid))
    if level and level not in taxonomy.FILTER_LEVELS:
        return json_error(400, f"unknown level '{level}'", valid_levels=list(taxonomy.FILTER_LEVELS))
    problem = taxonomy.check_filters(domain, type_, level, code)
    if problem:
        valid = {"valid_types": list(next(d.types for d in taxonomy.DOMAINS if d.id == domain))} \
            if domain and type_ else {}
        return json_error(400, problem, **valid)

    fmt = request.args.get("format", "geojson")
    if fmt not in FORMATS:
        return json_error(400, f"unknown format '{_clip(fmt)}'", valid_formats=list(FORMATS))
    dialect = request.args.get("dialect", INTERNATIONAL)
    if dialect not in DIALECTS:
        return json_error(400, f"unknown CSV dialect '{_clip(dialect)}'", valid_dialects=list(DIALECTS))

    try:
        stamp = store.build_stamp()
        if level and level != "france" and store.territory(level, code) is None:
            return json_error(404, f"unknown {level} code '{code}'")
    except store.StoreMissing as missing:
        log.error("places requested but the build is missing: %s", missing)
        return json_error(503, "the places are not built yet")

    body = render_places(domain, type_, level, code, fmt, lang, dialect, stamp)
    parts = ["lieux", domain, type_, level, code]
    filename = "_".join(p for p in parts if p) + (".geojson" if fmt == "geojson" else ".csv")
    return Response(body, content_type=MIMETYPES[fmt],
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})
