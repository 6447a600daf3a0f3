"""Territory list and search (`/api/v1/territories`) and the browser geometry (`/geo/<name>.pbf`)."""

from __future__ import annotations

import gzip
import json
import logging
import re
import threading
from functools import lru_cache

import pandas as pd
from flask import Response, request

from api import bp, params
from api.errors import json_error
from atlas import config, store
from atlas import territories as territory_search

log = logging.getLogger(__name__)

LEVELS = config.LEVELS + ("arrondissement_municipal",)
MAX_QUERY_LENGTH = 100
DEFAULT_SEARCH_LIMIT = 20
MAX_SEARCH_LIMIT = 100
# A level name, optionally followed by a département code (commune-2A, commune-971).
GEO_NAME = re.compile(r"^[a-z_]{3,30}(-[0-9]{2,3}|-2[AB])?$")
# Geometry changes only with a build: a day is safe, and `?v=<build>` URLs never change.
GEO_MAX_AGE = 86400
GEO_IMMUTABLE_MAX_AGE = 31536000
_gzip_lock = threading.Lock()


@bp.get("/api/v1/territories")
def list_territories():
    """List the territories of a level, or search them by name or code with `q`."""
    text = request.args.get("q")
    level = params.choice("level", LEVELS, required=not text)
    if text is not None and len(text) > MAX_QUERY_LENGTH:
        return json_error(400, f"the parameter 'q' is longer than {MAX_QUERY_LENGTH} characters",
                          max_length=MAX_QUERY_LENGTH)
    limit = params.integer("limit", default=DEFAULT_SEARCH_LIMIT, minimum=1,
                           maximum=MAX_SEARCH_LIMIT)

    territories = store.territories()
    if text:
        rows = territory_search.search(territories, text, level=level, limit=limit)
        return _territories_json(rows)
    body = _level_json(level, store.build_stamp() if store.is_built() else "")
    return Response(body, mimetype="application/json")


def _territories_json(rows) -> list[dict]:
    """Serialise territory rows as `{"code", "name", "level", "parents"}` dicts."""
    columns = [c for c in territory_search.PARENT_COLUMNS if c in rows.columns]
    result = []
    for record in rows[["code", "name", "level", *columns]].itertuples(index=False, name=None):
        code, name, level, *parents = record
        result.append({"code": code, "name": name, "level": level,
                       "parents": {column: value for column, value in zip(columns, parents)
                                   if value is not None and not pd.isna(value)}})
    return result


@lru_cache(maxsize=16)
def _level_json(level: str, stamp: str) -> bytes:
    """Serialise the whole list of a level once per build (`stamp` is part of the key)."""
    return json.dumps(_territories_json(store.territories_of(level)), ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


@bp.get("/geo/<name>.pbf")
def geometry_file(name: str):
    """Serve a geobuf file of `client/`, gzip-compressed when the browser accepts it."""
    if not GEO_NAME.match(name):
        return json_error(404, "unknown geometry file")
    path = store.build_dir() / "client" / f"{name}.pbf"
    if not path.is_file():
        return json_error(404, f"geometry file '{name}.pbf' not found")

    version = geometry_version() or str(path.stat().st_mtime_ns)
    etag = f'"{name}-{version}"'
    immutable = request.args.get("v") == version
    cache_control = (f"public, max-age={GEO_IMMUTABLE_MAX_AGE}, immutable" if immutable
                     else f"public, max-age={GEO_MAX_AGE}")
    headers = {"ETag": etag, "Cache-Control": cache_control, "Vary": "Accept-Encoding"}
    if etag in request.headers.get("If-None-Match", ""):
        return Response(status=304, headers=headers)

    if "gzip" in request.headers.get("Accept-Encoding", ""):
        body = _gzipped(str(path), version)
        headers["Content-Encoding"] = "gzip"
    else:
        body = path.read_bytes()
    return Response(body, mimetype="application/x-protobuf", headers=headers)


def geometry_version() -> str | None:
    """Return the build id in URL-safe form, or None before the first build."""
    if not store.is_built():
        return None
    return re.sub(r"[^0-9A-Za-z]", "", store.build_stamp())


def geometry_url(name: str) -> str:
    """Return the URL of a browser geometry file, versioned so browsers may cache it for good."""
    version = geometry_version()
    return f"/geo/{name}.pbf" + (f"?v={version}" if version else "")


def _gzipped(path: str, stamp: str) -> bytes:
    with _gzip_lock:
        return _gzip_file(path, stamp)


@lru_cache(maxsize=32)
def _gzip_file(path: str, stamp: str) -> bytes:
    """Compress a file once per build (`stamp` is part of the cache key)."""
    with open(path, "rb") as handle:
        return gzip.compress(handle.read(), compresslevel=9, mtime=0)
