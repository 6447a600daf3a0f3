"""Open-data routes for cultural places.

- `GET /api/v1/places?domain=&type=&level=&code=&format=geojson|csv&limit=&offset=`: the
  places of a domain and type in a territory. `level` and `code` go together (`france` takes
  `FR`); an unknown code is a 400. GeoJSON (the default) has true WGS84 coordinates and a
  `metadata` member. It returns at most `limit` places (default 1000, maximum 10000) from
  `offset`, and its metadata give the `total` and the URL of the `next` page. CSV follows
  `dialect=intl|fr`, ends with `#` metadata lines and returns every selected place unless
  `limit` is given.
- `GET /api/v1/places/taxonomy`: domains, types, labels and location flags with their names.

The map's point file is `client/places.pbf`, served like the territory geometry at
`/geo/places.pbf` (display coordinates: overseas points moved into the insets).

`lang=fr|en` (default fr) selects the language of names. An invalid parameter, an unknown
territory included, returns HTTP 400 with a JSON message naming the valid choices.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import urlencode

from flask import Response, request

from api import bp, params
from api.errors import json_error
from atlas import places as taxonomy
from atlas import store
from atlas.cache import memoize
from atlas.formatting import format_number
from atlas.i18n import normalize_lang, t
from atlas.tables import to_csv_bytes

log = logging.getLogger(__name__)

FORMATS = ("geojson", "csv")
MIMETYPES = {"geojson": "application/geo+json", "csv": "text/csv; charset=utf-8"}
MAX_PARAMETER_LENGTH = 60
# A page of GeoJSON: the whole layer is about 24 MB, a page of 1000 points about 0.6 MB.
DEFAULT_GEOJSON_LIMIT = 1000
MAX_LIMIT = 10_000
MAX_OFFSET = 10_000_000


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
                  fmt: str, lang: str, dialect: str, stamp: str, limit: int | None = None,
                  offset: int = 0, next_url: str = "") -> bytes:
    """Serialise the selected places from `offset`, at most `limit` of them (None: all).

    `stamp` (the build id) keys the cache; `next_url` is the URL of the following page.
    """
    matching = taxonomy.filter_places(store.places(), domain, type_, level, code)
    selected = matching.iloc[offset:None if limit is None else offset + limit]
    metadata = _metadata(selected, domain, type_, level, code, lang)
    metadata.update(total=len(matching), offset=offset)
    if limit is not None:
        metadata["limit"] = limit
        if offset + limit < len(matching):
            metadata["next"] = next_url
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


def _page_url(offset: int) -> str:
    """Return the URL of this request with another `offset`."""
    query = [(key, value) for key, value in request.args.items(multi=True) if key != "offset"]
    return request.path + "?" + urlencode(query + [("offset", str(offset))])


def _check_territory(level: str | None, code: str | None) -> None:
    """Raise `BadParameter` unless `level` and `code` are both absent or name a territory."""
    if not level and not code:
        return
    if not level or not code:
        raise params.BadParameter("'level' and 'code' go together: give both or neither",
                                  valid_levels=list(taxonomy.FILTER_LEVELS))
    if store.territory(level, code) is None:
        message = f"unknown {level} code '{params.clip(code)}'"
        if level == "france":
            raise params.BadParameter(message, valid_codes=["FR"])
        raise params.BadParameter(message, valid_codes_url=f"/api/v1/territories?level={level}")


@bp.get("/api/v1/places")
def list_places():
    """Places filtered by domain, type and territory, as GeoJSON or CSV."""
    lang = normalize_lang(request.args.get("lang"))
    domain = params.choice("domain", taxonomy.DOMAIN_IDS)
    type_ = _clip(request.args.get("type")) or None
    level = params.choice("level", taxonomy.FILTER_LEVELS)
    code = _clip(request.args.get("code")) or None

    if type_ and type_ not in taxonomy.TYPE_DOMAIN:
        valid = (next(d.types for d in taxonomy.DOMAINS if d.id == domain) if domain
                 else taxonomy.TYPE_IDS)
        return json_error(400, f"unknown type '{type_}'", valid_types=list(valid))
    problem = taxonomy.check_filters(domain, type_, level, code)
    if problem:
        valid = {"valid_types": list(next(d.types for d in taxonomy.DOMAINS if d.id == domain))} \
            if domain and type_ else {}
        return json_error(400, problem, **valid)
    _check_territory(level, code)

    fmt = params.output_format(FORMATS, "geojson")
    dialect = params.csv_dialect()
    default_limit = DEFAULT_GEOJSON_LIMIT if fmt == "geojson" else None
    limit = params.integer("limit", default=default_limit, minimum=1, maximum=MAX_LIMIT)
    offset = params.integer("offset", default=0, maximum=MAX_OFFSET)

    stamp = store.build_stamp()
    next_url = _page_url(offset + limit) if limit is not None else ""
    body = render_places(domain, type_, level, code, fmt, lang, dialect, stamp, limit, offset,
                         next_url)
    parts = ["lieux", domain, type_, level, code]
    filename = "_".join(p for p in parts if p) + (".geojson" if fmt == "geojson" else ".csv")
    return Response(body, content_type=MIMETYPES[fmt],
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})
