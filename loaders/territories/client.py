"""Browser geometry files: simplified, in display coordinates, encoded as geobuf.

National layers come from one simplification of the whole commune coverage
(`shapely.coverage_simplify`, which simplifies each shared border once so neighbours keep
matching), then dissolved level by level. Per-département commune files keep the source
resolution for maps restricted to one département or région.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import geopandas
import numpy as np
import pandas as pd
import shapely

from geobuf import geobuf_pb2

from atlas import geo

log = logging.getLogger(__name__)

# Degrees. Legible to about zoom 8, and the national commune file stays near 1.6 MB gzipped.
NATIONAL_TOLERANCE = 0.005
# Decimals kept in geobuf coordinates: 1e-4 degree is about 11 m, far below the tolerance.
PRECISION = 4
MULTIPOLYGON = 5  # geometry type number in the geobuf schema


def simplify_coverage(communes: geopandas.GeoDataFrame, tolerance: float
                      ) -> geopandas.GeoDataFrame:
    """Simplify the commune coverage so that every shared border is simplified once."""
    simplified = shapely.coverage_simplify(communes.geometry.to_numpy(), tolerance,
                                           simplify_boundary=True)
    return communes.set_geometry(simplified)


def to_display(frame: geopandas.GeoDataFrame, departements: pd.Series
               ) -> geopandas.GeoDataFrame:
    """Move the overseas territories of `frame` into their insets.

    `departements` gives the département of each row (aligned on `frame`'s index); rows of
    metropolitan France are left unchanged.
    """
    geoms = frame.geometry.to_numpy().copy()
    for dep in geo.INSETS:
        rows = np.flatnonzero((departements == dep).to_numpy())
        if len(rows):
            geoms[rows] = geo.to_display_geometry(geoms[rows], dep)
    return frame.set_geometry(geoms)


def ordered_layer(territories: pd.DataFrame, geometries: pd.Series
                  ) -> tuple[pd.DataFrame, np.ndarray]:
    """Territories of one level sorted by code, with their geometry oriented for maps.

    `territories` has code and name; `geometries` maps code to a shapely geometry in display
    coordinates. A territory without geometry gets an empty MultiPolygon, so the features
    stay aligned one-to-one with the territories of the level.
    """
    rows = geo.order_by_code(territories[["code", "name"]])
    aligned = geometries.reindex(rows["code"]).astype(object)
    geoms = aligned.where(aligned.notna(), shapely.MultiPolygon()).to_numpy()
    return rows, geo.orient_for_maps(geoms)


def encode_geobuf(rows: pd.DataFrame, geoms: np.ndarray, precision: int = PRECISION) -> bytes:
    """Encode polygons as a geobuf FeatureCollection with `code` and `name` properties.

    Same message as the `geobuf` package's encoder (every geometry typed MultiPolygon, rings
    without their closing point, coordinates delta-encoded per ring), but the coordinates are
    quantised and delta-encoded with numpy, which is about ten times faster on 35,000 communes.
    """
    _, coords, offsets = shapely.to_ragged_array(geoms)
    if len(offsets) == 3:
        ring_offsets, polygon_offsets, geometry_offsets = offsets
    else:  # only Polygons: one polygon per geometry
        ring_offsets, polygon_offsets = offsets
        geometry_offsets = np.arange(len(polygon_offsets))
    quantised = np.round(coords * 10 ** precision).astype(np.int64)

    # Drop the closing point of each ring, then delta-encode within each ring.
    ring_sizes = np.diff(ring_offsets) - 1
    keep = np.ones(len(quantised), dtype=bool)
    keep[ring_offsets[1:] - 1] = False
    points = quantised[keep]
    deltas = points.copy()
    deltas[1:] -= points[:-1]
    starts = np.concatenate([[0], np.cumsum(ring_sizes)[:-1]]).astype(np.int64)
    deltas[starts[ring_sizes > 0]] = points[starts[ring_sizes > 0]]
    flat = deltas.ravel().tolist()
    point_offsets = np.concatenate([[0], np.cumsum(ring_sizes)]) * 2
    ring_sizes = ring_sizes.tolist()
    rings_per_polygon = np.diff(polygon_offsets).tolist()

    data = geobuf_pb2.Data()
    data.dimensions = 2
    data.precision = precision
    data.keys.extend(["code", "name"])
    for index, (code, name) in enumerate(zip(rows["code"], rows["name"])):
        feature = data.feature_collection.features.add()
        feature.properties.extend([0, 0, 1, 1])
        feature.values.add().string_value = str(code)
        feature.values.add().string_value = str(name)
        geometry = feature.geometry
        geometry.type = MULTIPOLYGON
        first_polygon, last_polygon = geometry_offsets[index], geometry_offsets[index + 1]
        first_ring, last_ring = polygon_offsets[first_polygon], polygon_offsets[last_polygon]
        if last_polygon == first_polygon:
            # A territory without geometry keeps its feature (features stay aligned with the
            # territory list) but gets no `lengths`: the JavaScript geobuf decoder misreads the
            # next feature after `lengths=[0]`, although the Python decoder accepts it.
            continue
        if not (last_polygon - first_polygon == 1 and last_ring - first_ring == 1):
            lengths = [int(last_polygon - first_polygon)]
            for polygon in range(first_polygon, last_polygon):
                lengths.append(rings_per_polygon[polygon])
                start = polygon_offsets[polygon]
                lengths.extend(ring_sizes[start:start + rings_per_polygon[polygon]])
            geometry.lengths.extend(lengths)
        geometry.coords.extend(flat[point_offsets[first_ring]:point_offsets[last_ring]])
    return data.SerializeToString()


def write_layer(territories: pd.DataFrame, geometries: pd.Series, path: Path) -> tuple[int, int]:
    """Write one geobuf layer; return (number of features, size in bytes)."""
    rows, geoms = ordered_layer(territories, geometries)
    data = encode_geobuf(rows, geoms)
    path.write_bytes(data)
    return len(rows), len(data)


def write_insets(path: Path) -> None:
    """Describe each inset (transform and frame) for code that draws the frames."""
    payload = {"crs_of_transform": "EPSG:3857",
               "formula": "display = scale * mercator(lon, lat) + translate",
               "insets": [inset.as_dict() for inset in geo.INSETS.values()]}
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
