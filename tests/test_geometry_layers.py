"""Geometry outputs of the territories step, checked on the real commune layer."""

from __future__ import annotations

import json


import numpy as np
import pandas as pd
import pytest
import shapely

from atlas import geo
from atlas.geo import decode_client_geobuf
from loaders.territories import client
from tests.territory_build import (territories_frame, territory_build,  # noqa: F401
                                   territory_report)

RESTORED_WITHOUT_POLYGON = {"15031", "15035", "15047", "15171"}
SAMPLE_DEPARTEMENTS = ("01", "15", "29", "2A", "69", "974")


@pytest.fixture(scope="module")
def communes(territory_build):
    return geo.read_geometry("commune", territory_build)


@pytest.fixture(scope="module")
def client_collections(territory_build):
    return {level: decode_client_geobuf((territory_build / "client" / f"{level}.pbf").read_bytes())
            for level in ("commune", "departement", "region", "epci", "zone_emploi", "aav",
                          "france", "arrondissement_municipal")}


def test_every_commune_has_geometry(communes, territories_frame, territory_report):
    codes = set(territories_frame.loc[territories_frame["level"] == "commune", "code"])
    drawn = set(communes.loc[~communes.geometry.is_empty, "code"])
    assert codes - drawn == RESTORED_WITHOUT_POLYGON
    for code in RESTORED_WITHOUT_POLYGON:
        assert code in territory_report
    assert communes.crs.to_epsg() == 4326
    assert communes.geometry.is_valid.all()


def test_commune_union_equals_departement(territory_build, communes, territories_frame):
    deps_full = geo.read_geometry("departement", territory_build).set_index("code").geometry
    deps_client = {f["properties"]["code"]: shapely.geometry.shape(f["geometry"]) for f in
                   decode_client_geobuf((territory_build / "client" / "departement.pbf").read_bytes())
                   ["features"]}
    dep_of = communes["code"].map(geo.departement_of_commune)
    for dep in SAMPLE_DEPARTEMENTS:
        union = shapely.union_all(communes.geometry[dep_of == dep].to_numpy())
        assert abs(deps_full[dep].area - union.area) / union.area < 1e-6, dep
        if dep not in geo.INSETS:
            # The simplified département drawn in the browser keeps its area within 0.1 %.
            assert abs(deps_client[dep].area - union.area) / union.area < 1e-3, dep


def _holes(geometry):
    rings = [shapely.Polygon(ring) for polygon in getattr(geometry, "geoms", [geometry])
             for ring in polygon.interiors]
    return shapely.union_all(rings) if rings else shapely.Polygon()


def test_no_gap_between_neighbours(communes):
    simplified = client.simplify_coverage(communes, client.NATIONAL_TOLERANCE)
    # No overlap and identical shared edges over the whole country.
    assert shapely.coverage_is_valid(simplified.geometry.to_numpy())
    dep_of = communes["code"].map(geo.departement_of_commune)
    for dep in SAMPLE_DEPARTEMENTS:
        before = shapely.union_all(communes.geometry[dep_of == dep].to_numpy())
        after = shapely.union_all(simplified.geometry[dep_of == dep].to_numpy())
        # A gap between neighbours would be a hole of the union that the source did not have.
        new_gaps = shapely.difference(_holes(after), _holes(before))
        eroded = shapely.buffer(new_gaps, -client.NATIONAL_TOLERANCE / 2)
        assert eroded.is_empty, dep


def test_client_features_follow_territories(client_collections, territories_frame):
    for level, collection in client_collections.items():
        expected = sorted(territories_frame.loc[territories_frame["level"] == level, "code"])
        codes = [f["properties"]["code"] for f in collection["features"]]
        assert codes == expected, level
        assert all("name" in f["properties"] for f in collection["features"]), level


def test_client_rings_clockwise(client_collections):
    for level in ("departement", "region"):
        for feature in client_collections[level]["features"]:
            geometry = shapely.geometry.shape(feature["geometry"])
            for polygon in getattr(geometry, "geoms", [geometry]):
                assert not polygon.exterior.is_ccw, feature["properties"]["code"]
                assert all(ring.is_ccw for ring in polygon.interiors)


def test_overseas_in_their_frames(client_collections):
    features = {f["properties"]["code"]: f for f in client_collections["departement"]["features"]}
    for dep, inset in geo.INSETS.items():
        shape = shapely.geometry.shape(features[dep]["geometry"])
        assert shapely.box(*inset.frame).contains(shape), dep
    metro = shapely.geometry.shape(features["29"]["geometry"])
    assert metro.bounds[0] > -5.2  # Finistère keeps its true coordinates


def test_insets_json(territory_build):
    payload = json.loads((territory_build / "client" / "insets.json").read_text())
    assert [i["departement"] for i in payload["insets"]] == list(geo.DROM)
    for item in payload["insets"]:
        assert item["frame"] == list(geo.INSETS[item["departement"]].frame)


def test_departement_files(territory_build, territories_frame):
    files = sorted((territory_build / "client").glob("commune-*.pbf"))
    assert len(files) == 101
    part = decode_client_geobuf((territory_build / "client" / "commune-971.pbf").read_bytes())
    codes = [f["properties"]["code"] for f in part["features"]]
    expected = territories_frame[(territories_frame["level"] == "commune")
                                 & (territories_frame["departement"] == "971")]["code"]
    assert codes == sorted(expected)


def test_arrondissement_geometry(territory_build):
    arm = geo.read_geometry("arrondissement_municipal", territory_build)
    assert len(arm) == 45
    assert not arm.geometry.is_empty.any()


def test_empty_geometry_has_no_lengths():
    """The browser's geobuf decoder misreads the feature after `lengths=[0]`."""
    import pandas as pd
    import shapely
    from geobuf import geobuf_pb2

    from loaders.territories.client import encode_geobuf, ordered_layer

    territories = pd.DataFrame({"code": ["01", "02", "03"], "name": ["a", "b", "c"]})
    square = shapely.box(0, 0, 1, 1)
    two_squares = shapely.MultiPolygon([shapely.box(2, 2, 3, 3), shapely.box(4, 4, 5, 5)])
    rows, geoms = ordered_layer(territories, pd.Series({"01": square, "03": two_squares}))
    data = geobuf_pb2.Data()
    data.ParseFromString(encode_geobuf(rows, geoms))
    features = data.feature_collection.features

    assert len(features) == 3
    assert list(features[1].geometry.lengths) == []
    assert list(features[1].geometry.coords) == []
    assert list(features[2].geometry.lengths)[:2] == [2, 1]
    assert len(features[0].geometry.coords) == 8

    decoded = decode_client_geobuf(data.SerializeToString())["features"]
    assert decoded[1]["geometry"]["coordinates"] == []
    assert len(decoded[2]["geometry"]["coordinates"]) == 2
