"""Map geometry helpers: overseas insets, feature order, winding, and reading geometry files.

Display coordinates: on national maps the five overseas départements are drawn in frames west
of metropolitan France. The transform of each is a uniform scale and a translation in Web
Mercator (EPSG:3857) metres, so shapes keep their look on a Mercator map; display coordinates
are then expressed again as longitude/latitude. Metropolitan coordinates are unchanged.

Winding: the browser files and every GeoJSON built for charts have clockwise exterior rings and
counter-clockwise holes. d3-geo, which draws plotly's `go.Choropleth`, fills the outside of a
counter-clockwise ring (the RFC 7946 order), while Leaflet and MapLibre draw either order.
GeoJSON served by the open-data API (`application/geo+json`) follows RFC 7946 §3.1.6 instead:
counter-clockwise exteriors, clockwise holes (`orient_rfc7946`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from atlas import config

log = logging.getLogger(__name__)

EARTH_RADIUS = 6378137.0  # Web Mercator sphere radius, metres
DROM = ("971", "972", "973", "974", "976")
DROM_NAMES = {"971": "Guadeloupe", "972": "Martinique", "973": "Guyane", "974": "La Réunion",
              "976": "Mayotte"}

# True extent of each overseas département (lon/lat), rounded outwards from the commune layer.
SOURCE_BOUNDS = {
    "971": (-61.86, 15.80, -60.96, 16.55),
    "972": (-61.27, 14.36, -60.78, 14.91),
    "973": (-54.65, 2.06, -51.55, 5.80),
    "974": (55.18, -21.42, 55.87, -20.84),
    "976": (44.98, -13.04, 45.33, -12.60),
}
# Frames: equal squares stacked from the top, over the Atlantic west of Brittany, between the
# south coast of Ireland (51.4° N) and the north coast of Spain (43.4° N).
FRAME_SIZE = 210_000.0  # side, Web Mercator metres
FRAME_GAP = 15_000.0
FRAME_RIGHT_LON = -6.0
FRAME_TOP_LAT = 51.0
FRAME_PADDING = 0.08  # share of the side left empty on each edge


def mercator(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Project longitude/latitude (degrees) to Web Mercator metres."""
    lon = np.asarray(lon, dtype="float64")
    lat = np.clip(np.asarray(lat, dtype="float64"), -85.05, 85.05)
    x = EARTH_RADIUS * np.radians(lon)
    y = EARTH_RADIUS * np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))
    return x, y


def inverse_mercator(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Return longitude/latitude (degrees) of Web Mercator metres."""
    x = np.asarray(x, dtype="float64")
    y = np.asarray(y, dtype="float64")
    lon = np.degrees(x / EARTH_RADIUS)
    lat = np.degrees(2 * np.arctan(np.exp(y / EARTH_RADIUS)) - np.pi / 2)
    return lon, lat


@dataclass(frozen=True)
class Inset:
    """Inset of an overseas département: display = scale * mercator(true) + translate."""

    departement: str
    name: str
    scale: float
    translate: tuple[float, float]  # Web Mercator metres
    frame: tuple[float, float, float, float]  # west, south, east, north in display lon/lat
    source_bounds: tuple[float, float, float, float]

    def as_dict(self) -> dict:
        return {"departement": self.departement, "name": self.name, "crs": "EPSG:3857",
                "scale": self.scale, "translate": list(self.translate),
                "frame": list(self.frame), "source_bounds": list(self.source_bounds)}


def _build_insets() -> dict[str, Inset]:
    right, top = mercator(FRAME_RIGHT_LON, FRAME_TOP_LAT)
    left = right - FRAME_SIZE
    insets = {}
    for position, dep in enumerate(DROM):
        frame_top = top - position * (FRAME_SIZE + FRAME_GAP)
        frame_bottom = frame_top - FRAME_SIZE
        west, south, east, north = SOURCE_BOUNDS[dep]
        (sx0, sx1), (sy0, sy1) = mercator([west, east], [south, north])
        usable = FRAME_SIZE * (1 - 2 * FRAME_PADDING)
        scale = float(min(usable / (sx1 - sx0), usable / (sy1 - sy0)))
        centre_x, centre_y = (left + right) / 2, (frame_top + frame_bottom) / 2
        translate = (float(centre_x - scale * (sx0 + sx1) / 2),
                     float(centre_y - scale * (sy0 + sy1) / 2))
        (fw, fe), (fs, fn) = inverse_mercator([left, right], [frame_bottom, frame_top])
        insets[dep] = Inset(dep, DROM_NAMES[dep], scale, translate,
                            (round(float(fw), 6), round(float(fs), 6), round(float(fe), 6),
                             round(float(fn), 6)), SOURCE_BOUNDS[dep])
    return insets


INSETS: dict[str, Inset] = _build_insets()


def departement_of_commune(code: str) -> str:
    """Return the département code of a commune or arrondissement code (`97101` -> `971`)."""
    return code[:3] if code.startswith("97") else code[:2]


def to_display(lon, lat, departement: str) -> tuple[np.ndarray, np.ndarray]:
    """Convert true lon/lat arrays of points in `departement` to display coordinates.

    Points of metropolitan départements are returned unchanged (as float arrays).
    """
    inset = INSETS.get(departement)
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    if inset is None:
        return lon, lat
    x, y = mercator(lon, lat)
    return inverse_mercator(inset.scale * x + inset.translate[0],
                            inset.scale * y + inset.translate[1])


def to_display_geometry(geometry, departement: str):
    """Return `geometry` (shapely, lon/lat) in display coordinates for `departement`."""
    if departement not in INSETS:
        return geometry

    def move(coords: np.ndarray) -> np.ndarray:
        lon, lat = to_display(coords[:, 0], coords[:, 1], departement)
        return np.column_stack([lon, lat])

    return shapely.transform(geometry, move)


def orient_for_maps(geometry):
    """Orient rings for d3-geo: clockwise exteriors, counter-clockwise holes."""
    return shapely.orient_polygons(geometry, exterior_cw=True)


def orient_rfc7946(geometry):
    """Orient rings for GeoJSON files (RFC 7946): counter-clockwise exteriors, clockwise holes."""
    return shapely.orient_polygons(geometry, exterior_cw=False)


def order_by_code(frame: pd.DataFrame) -> pd.DataFrame:
    """Sort rows by territory code, the order of the features in the browser files."""
    return frame.sort_values("code", kind="stable").reset_index(drop=True)


def align_to_features(values: pd.Series, feature_codes) -> np.ndarray:
    """Return `values` (indexed by code) as an array in the order of `feature_codes`.

    Codes without a value give NaN, so a class array always has one entry per feature.
    """
    return values.reindex(pd.Index(feature_codes)).to_numpy()


def geometry_path(level: str, build_dir: Path | None = None) -> Path:
    return Path(build_dir or config.BUILD_DIR) / "geometry" / f"{level}.parquet"


def read_geometry(level: str, build_dir: Path | None = None):
    """Read `geometry/<level>.parquet` as a GeoDataFrame (true coordinates, EPSG:4326)."""
    import geopandas

    path = geometry_path(level, build_dir)
    if not path.exists():
        raise FileNotFoundError(f"{path} not found; run `python -m loaders build` first")
    return geopandas.read_parquet(path)


def decode_client_geobuf(blob: bytes) -> dict:
    """Decode a browser geobuf file into a GeoJSON dict.

    A territory without geometry is written with no coordinates and no `lengths`, the only form
    the JavaScript decoder reads correctly; the Python decoder would take it for one polygon and
    fail, so such features are marked as having zero polygons before decoding.
    """
    import geobuf
    from geobuf import geobuf_pb2

    data = geobuf_pb2.Data()
    data.ParseFromString(blob)
    patched = False
    for feature in data.feature_collection.features:
        geometry = feature.geometry
        if not geometry.coords and not geometry.lengths and not geometry.geometries:
            geometry.lengths.append(0)
            patched = True
    return geobuf.decode(data.SerializeToString() if patched else blob)


def read_client_geojson(level: str, build_dir: Path | None = None) -> dict:
    """Decode `client/<level>.pbf` into a GeoJSON dict in display coordinates (for exports)."""
    path = Path(build_dir or config.BUILD_DIR) / "client" / f"{level}.pbf"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found; run `python -m loaders build` first")
    return decode_client_geobuf(path.read_bytes())
