"""Map geometry for vector exports: one oriented shape per territory, as a GeoJSON file.

The shapes come from the browser geometry files (`client/<level>.pbf`: simplified, overseas
départements already moved into their insets), so an exported map draws what the screen map
draws. Two corrections are applied for plotly's `go.Choropleth`, which draws with d3-geo:
- rings are oriented clockwise (exteriors) and counter-clockwise (holes), because d3-geo
  fills the outside of a counter-clockwise exterior ring (the RFC 7946 order);
- features sharing one territory code are merged into one shape, because plotly draws only
  the first feature it finds for a location.

The GeoJSON is written once per build and level to a local file, and figures refer to it by
its `file://` URL, which the export browser reads (plotly.js fetches a string `geojson`).
Putting 35,000 commune shapes inside the figure instead costs about 11 s of plotly.py
validation per export. Communes are simplified again for print (`PRINT_TOLERANCE`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import urllib.parse
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import shapely

from atlas import geo, store

log = logging.getLogger(__name__)

# Coordinates are rounded to 1e-4 degree (about 10 m), far below a printed pixel.
PRECISION = 4
# Extra simplification of dense levels, in degrees: 0.01 degree is about one pixel of a
# national map printed 16 cm wide at 300 dpi. Shared borders stay shared (coverage simplify).
PRINT_TOLERANCE = {"commune": 0.01}
CACHE_DIR = Path(os.environ.get("ATLAS_EXPORT_CACHE_DIR", Path(tempfile.gettempdir()) / "atlas-export"))


@dataclass(frozen=True)
class LevelShapes:
    """Territory shapes of one level in display coordinates, sorted by code."""

    codes: tuple[str, ...]
    geometries: np.ndarray  # shapely geometries, aligned with `codes`
    geojson_features: tuple[str, ...]  # one GeoJSON Feature (JSON text) per code, `id` = code

    def feature_collection_text(self) -> str:
        return '{"type":"FeatureCollection","features":[' + ",".join(self.geojson_features) + "]}"

    def feature_collection(self) -> dict:
        return json.loads(self.feature_collection_text())


def shapes_from_features(features: list[dict], tolerance: float = 0.0) -> LevelShapes:
    """Merge GeoJSON features by their `code` property (or id), simplify, orient and round them.

    Features without a geometry are skipped.
    """
    by_code: dict[str, list] = {}
    for feature in features:
        properties = feature.get("properties") or {}
        code = str(properties.get("code") or feature.get("id") or "")
        if not code or not feature.get("geometry"):
            continue
        by_code.setdefault(code, []).append(shapely.geometry.shape(feature["geometry"]))
    codes = tuple(sorted(by_code))
    merged = []
    for code in codes:
        parts = by_code[code]
        if len(parts) == 1:
            merged.append(parts[0])
        else:
            # Several features with one code: keep every part (a union would also drop slivers
            # that the simplification left between them).
            polygons = []
            for part in parts:
                polygons.extend(shapely.get_parts(part))
            merged.append(shapely.MultiPolygon(polygons))
    geometries = np.asarray(merged, dtype=object)
    if tolerance:
        geometries = shapely.coverage_simplify(geometries, tolerance)
    geometries = shapely.set_precision(geometries, 10 ** -PRECISION, mode="pointwise")
    geometries = geo.orient_for_maps(geometries)
    texts = shapely.to_geojson(geometries)
    features_json = tuple(
        f'{{"type":"Feature","id":{json.dumps(code)},"properties":{{}},"geometry":{text}}}'
        for code, text in zip(codes, texts)
    )
    return LevelShapes(codes, geometries, features_json)


@dataclass(frozen=True)
class LevelGeometry:
    """Shapes of one level and the URL of their GeoJSON file."""

    shapes: LevelShapes
    url: str

    @property
    def codes(self) -> tuple[str, ...]:
        return self.shapes.codes

    @property
    def geometries(self) -> np.ndarray:
        return self.shapes.geometries

    def subset(self, codes) -> LevelGeometry:
        """Return the shapes of `codes` only (same GeoJSON file), in code order."""
        selected = set(codes)
        mask = np.fromiter((code in selected for code in self.codes), dtype=bool, count=len(self.codes))
        subset_codes = tuple(code for code, keep in zip(self.codes, mask) if keep)
        return LevelGeometry(LevelShapes(subset_codes, self.geometries[mask], ()), self.url)


def write_geojson(shapes: LevelShapes, path: Path) -> None:
    """Write the shapes atomically, so concurrent workers never read a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, suffix=".part",
                                     delete=False) as handle:
        handle.write(shapes.feature_collection_text())
    os.replace(handle.name, path)


@lru_cache(maxsize=6)
def _level_geometry(name: str, tolerance: float, stamp: str) -> LevelGeometry:
    collection = geo.read_client_geojson(name)
    shapes = shapes_from_features(collection.get("features") or [], tolerance)
    folder = CACHE_DIR / hashlib.sha1(f"{store.build_dir()}|{stamp}".encode()).hexdigest()[:16]
    path = folder / f"{name}-{tolerance:g}.geojson"
    write_geojson(shapes, path)
    log.info("export geometry %s: %d territories written to %s (build %s)", name, len(shapes.codes),
             path, stamp)
    return LevelGeometry(shapes, path.as_uri())


def level_geometry(name: str, tolerance: float | None = None) -> LevelGeometry:
    """Shapes of the browser geometry file `name` (a level, or `commune-<dep>`) and their GeoJSON
    file, prepared once per build and process.

    `tolerance` defaults to the print simplification of national maps (`PRINT_TOLERANCE`).
    The file is written again when something (a /tmp cleaner) removed it.
    """
    if tolerance is None:
        tolerance = PRINT_TOLERANCE.get(name, 0.0)
    geometry = _level_geometry(name, float(tolerance), store.build_stamp())
    path = Path(urllib.parse.unquote(urllib.parse.urlparse(geometry.url).path))
    if not path.exists():
        log.warning("export geometry file %s is gone; writing it again", path)
        write_geojson(geometry.shapes, path)
    return geometry
