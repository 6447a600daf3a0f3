"""Replayed map cases: winding order, duplicated codes and shared borders."""

from __future__ import annotations

import json

import geobuf
import geopandas
import numpy as np
import pandas as pd
import shapely

from atlas import geo
from atlas.geo import decode_client_geobuf
from loaders.territories import client, geometry
from tests.territory_build import case_path


def _read_case(name: str) -> geopandas.GeoDataFrame:
    frame = geopandas.read_file(case_path(name))
    frame["code"] = frame["code"].astype("string")
    return frame


def _encode_decode(rows: pd.DataFrame, geometries: pd.Series) -> dict:
    """Run the browser-file encoder and decode its output as the exports do."""
    ordered, geoms = client.ordered_layer(rows, geometries)
    return decode_client_geobuf(client.encode_geobuf(ordered, geoms))


def _signed_area(ring) -> float:
    """Shoelace area in lon/lat: positive for a counter-clockwise ring."""
    coords = np.asarray(ring)
    x, y = coords[:, 0], coords[:, 1]
    return 0.5 * float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))


def test_rfc7946_ring_filled_inside():
    case = json.loads(case_path("winding-rfc7946.geojson").read_text())
    ring = case["features"][0]["geometry"]["coordinates"][0]
    assert _signed_area(ring) > 0  # the case is counter-clockwise, as RFC 7946 orders it
    frame = _read_case("winding-rfc7946.geojson")
    collection = _encode_decode(frame.assign(name="Carré"),
                                pd.Series(frame.geometry.to_numpy(), index=frame["code"]))
    filled = shapely.geometry.shape(collection["features"][0]["geometry"])
    # d3-geo (plotly outline maps) fills the inside of a clockwise ring, the outside otherwise.
    for polygon in filled.geoms:
        assert _signed_area(polygon.exterior.coords) < 0
    assert abs(filled.area - shapely.geometry.shape(case["features"][0]["geometry"]).area) < 1e-9


def test_holes_counter_clockwise():
    square = shapely.Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (1, 2), (2, 2), (2, 1)]])
    oriented = geo.orient_for_maps(square)
    assert _signed_area(oriented.exterior.coords) < 0
    assert _signed_area(oriented.interiors[0].coords) > 0


def test_duplicate_code_keeps_both_parts():
    frame = _read_case("duplicate-territory-code.geojson")
    assert frame["code"].nunique() == 1
    assert len(frame) == 2
    merged = geometry._one_geometry_per_code(frame.assign(geometry=frame.geometry.to_numpy()))
    assert list(merged.index) == ["29155"]
    assert shapely.get_num_geometries(merged.iloc[0]) == 2
    assert merged.iloc[0].area == shapely.area(frame.geometry.to_numpy()).sum()
    collection = _encode_decode(pd.DataFrame({"code": ["29155"], "name": ["Ouessant"]}), merged)
    assert len(collection["features"]) == 1
    drawn = shapely.geometry.shape(collection["features"][0]["geometry"])
    assert drawn.geom_type == "MultiPolygon"
    assert len(drawn.geoms) == 2
    assert abs(drawn.area - merged.iloc[0].area) < 1e-9


def test_shared_border_after_simplification():
    frame = _read_case("shared-border.geojson")
    original = shapely.union_all(frame.geometry.to_numpy())
    simplified = client.simplify_coverage(frame, client.NATIONAL_TOLERANCE)
    a, b = simplified.geometry.to_numpy()
    # The wiggly border is simplified: fewer vertices than the input.
    assert shapely.get_num_coordinates(a) < shapely.get_num_coordinates(frame.geometry.iloc[0])
    assert shapely.coverage_is_valid(simplified.geometry.to_numpy())
    assert shapely.intersection(a, b).area == 0  # no overlap
    union = shapely.union_all([a, b])
    assert union.geom_type == "Polygon"
    assert len(union.interiors) == 0  # no gap
    assert abs(union.area - original.area) < 1e-9
    shared = shapely.intersection(a.boundary, b.boundary)
    assert shared.length > 0.19  # the whole 0.2° border is shared, not only points


def test_encoder_matches_reference_geobuf():
    """The numpy encoder writes the same coordinates as the geobuf package's encoder."""
    polygons = [shapely.Polygon([(0, 0), (1, 0), (1, 1), (0, 1)],
                                [[(0.2, 0.2), (0.4, 0.2), (0.4, 0.4), (0.2, 0.4)]]),
                shapely.MultiPolygon([shapely.box(2, 2, 3, 3), shapely.box(4.12345, 4, 5, 5)]),
                shapely.box(-61.5, 16.1, -61.4, 16.2)]
    rows = pd.DataFrame({"code": ["a", "b", "c"], "name": ["A", "B", "C"]})
    ordered, geoms = client.ordered_layer(rows, pd.Series(polygons, index=["a", "b", "c"]))
    reference = geobuf.decode(geobuf.encode({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": c, "name": n},
         "geometry": json.loads(shapely.to_geojson(g))}
        for c, n, g in zip(ordered["code"], ordered["name"], geoms)]}, client.PRECISION))
    ours = geobuf.decode(client.encode_geobuf(ordered, geoms))
    for mine, theirs in zip(ours["features"], reference["features"]):
        assert mine["properties"] == theirs["properties"]
        assert np.array_equal(shapely.get_coordinates(shapely.geometry.shape(mine["geometry"])),
                              shapely.get_coordinates(shapely.geometry.shape(theirs["geometry"])))


def test_missing_geometry_keeps_alignment():
    rows = pd.DataFrame({"code": ["b", "a"], "name": ["B", "A"]})
    collection = _encode_decode(rows, pd.Series([shapely.box(0, 0, 1, 1)], index=["b"]))
    assert [f["properties"]["code"] for f in collection["features"]] == ["a", "b"]
    assert shapely.geometry.shape(collection["features"][0]["geometry"]).is_empty
