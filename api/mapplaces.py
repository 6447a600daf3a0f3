"""Place points of one domain or type for the map (`/geo/places/<filter>.pbf`).

The map stacks one clustered layer per chosen domain or type. Clustering runs in the browser on
the points a layer loads, so each layer gets only its own points (display coordinates, with the
overseas points in their insets); cluster counts then match the legend. `/geo/places.pbf` keeps
serving every point at once.
"""

from __future__ import annotations

import gzip
import logging
import threading
from functools import lru_cache

from flask import Response, request

from api import bp
from api.errors import NOT_BUILT, json_error
from atlas import places, store
from atlas.mapplaces import places_frame

log = logging.getLogger(__name__)

_lock = threading.Lock()
MAX_AGE = 86400


@lru_cache(maxsize=64)
def _subset(filter_id: str, stamp: str) -> bytes | None:
    """Gzipped geobuf of the places of one domain or type; None when places are not built."""
    from loaders.places.client import client_geobuf

    frame = places_frame()
    if frame is None:
        return None
    column = "domain" if filter_id in places.DOMAIN_IDS else "type"
    subset = frame[frame[column] == filter_id]
    data = client_geobuf(subset)
    log.info("places layer %s encoded: %d points, %d bytes (build %s)", filter_id, len(subset), len(data), stamp)
    return gzip.compress(data, compresslevel=6, mtime=0)


def subset_bytes(filter_id: str) -> bytes | None:
    with _lock:
        return _subset(filter_id, store.build_stamp())


@bp.get("/geo/places/<filter_id>.pbf")
def place_layer(filter_id: str):
    """Serve the points of one place domain or type as gzipped geobuf."""
    if filter_id not in places.DOMAIN_IDS and filter_id not in places.TYPE_IDS:
        return json_error(404, f"unknown place domain or type '{filter_id[:40]}'")
    body = subset_bytes(filter_id)  # StoreMissing becomes a 503 in api.errors
    if body is None:
        log.error("places layer %s requested but places.parquet is not built", filter_id)
        return json_error(503, NOT_BUILT)
    headers = {"Cache-Control": f"public, max-age={MAX_AGE}", "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(body, mimetype="application/x-protobuf", headers=headers)
    return Response(gzip.decompress(body), mimetype="application/x-protobuf", headers=headers)
