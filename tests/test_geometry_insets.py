"""Pure inset transform and feature-order helpers of atlas.geo."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from atlas import geo

METRO_BOUNDS = (-5.2, 41.3, 9.6, 51.1)


def test_metropolitan_points_unchanged():
    lon, lat = geo.to_display([2.35, -4.5], [48.85, 48.4], "75")
    assert np.allclose(lon, [2.35, -4.5])
    assert np.allclose(lat, [48.85, 48.4])


def test_overseas_points_inside_frames():
    for dep, inset in geo.INSETS.items():
        west, south, east, north = inset.source_bounds
        lon, lat = geo.to_display([west, east, (west + east) / 2], [south, north,
                                                                     (south + north) / 2], dep)
        frame = shapely.box(*inset.frame)
        for x, y in zip(lon, lat):
            assert frame.covers(shapely.Point(x, y)), dep


def test_mercator_round_trip():
    x, y = geo.mercator([-61.5, 55.5, 2.0], [16.2, -21.1, 48.8])
    lon, lat = geo.inverse_mercator(x, y)
    assert np.allclose(lon, [-61.5, 55.5, 2.0])
    assert np.allclose(lat, [16.2, -21.1, 48.8])


def test_frames_do_not_overlap_france():
    frames = [shapely.box(*inset.frame) for inset in geo.INSETS.values()]
    metro = shapely.box(*METRO_BOUNDS)
    for i, frame in enumerate(frames):
        assert not frame.intersects(metro)
        for other in frames[i + 1:]:
            assert not frame.intersects(other)


def test_display_geometry_keeps_shape():
    square = shapely.box(55.3, -21.2, 55.4, -21.1)
    moved = geo.to_display_geometry(square, "974")
    assert moved.is_valid
    assert moved.area > square.area  # La Réunion is enlarged in its inset


def test_departement_of_commune():
    assert geo.departement_of_commune("97101") == "971"
    assert geo.departement_of_commune("2A004") == "2A"
    assert geo.departement_of_commune("75101") == "75"


def test_align_to_features():
    values = pd.Series({"01": 1.0, "03": 3.0})
    assert np.allclose(geo.align_to_features(values, ["01", "02", "03"]), [1.0, np.nan, 3.0],
                       equal_nan=True)
