"""Coordinate parsing for every format of the place sources, including broken cells."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from loaders.places import coordinates


def test_latlon_text_in_brackets():
    lon, lat, problem = coordinates.parse_latlon_text("[46.9362073, -74.6689521]")
    assert problem is None
    assert lat == pytest.approx(46.9362073)
    assert lon == pytest.approx(-74.6689521)


def test_latlon_text_without_space():
    lon, lat, problem = coordinates.parse_latlon_text("[41.934945,8.746763]")
    assert problem is None
    assert (lon, lat) == pytest.approx((8.746763, 41.934945))


def test_latlon_text_without_brackets():
    lon, lat, problem = coordinates.parse_latlon_text("43.7799765873, 2.19017910647")
    assert problem is None
    assert (lon, lat) == pytest.approx((2.19017910647, 43.7799765873))


@pytest.mark.parametrize("text, expected", [
    ("", "empty"),
    (None, "empty"),
    (float("nan"), "empty"),
    ("[45.9; abc]", "unparsable"),
    ("45,930633", "unparsable"),
    ("45,93", "unparsable"),
    ("N 42 41 07.50,W0 00 01.80", "unparsable"),
    ("[91.0, 2.0]", "out_of_range"),
    ("[45.0, 190.0]", "out_of_range"),
    ("[0, 0]", "null_island"),
])
def test_latlon_text_problems(text, expected):
    lon, lat, problem = coordinates.parse_latlon_text(text)
    assert problem == expected
    assert math.isnan(lon)
    assert math.isnan(lat)


def test_pair_with_decimal_comma():
    lon, lat, problem = coordinates.parse_pair("45,930633", "5,727664")
    assert problem is None
    assert (lon, lat) == pytest.approx((5.727664, 45.930633))


def test_pair_with_numbers_and_blanks():
    assert coordinates.parse_pair(48.869654, 2.306873)[:2] == pytest.approx((2.306873, 48.869654))
    assert coordinates.parse_pair(None, "")[2] == "empty"
    assert coordinates.parse_pair("48.8", "east")[2] == "unparsable"


def test_geojson_point_is_lon_first():
    lon, lat, problem = coordinates.parse_geojson_point({"type": "Point", "coordinates": [3.330906, 46.566543]})
    assert problem is None
    assert (lon, lat) == pytest.approx((3.330906, 46.566543))


@pytest.mark.parametrize("geometry, expected", [
    (None, "empty"),
    ({"type": "LineString", "coordinates": [[0, 1], [1, 2]]}, "unparsable"),
    ({"type": "Point", "coordinates": ["x", 2]}, "unparsable"),
    ({"type": "Point", "coordinates": [2]}, "unparsable"),
])
def test_geojson_point_problems(geometry, expected):
    assert coordinates.parse_geojson_point(geometry)[2] == expected


def test_columns_keep_the_index():
    values = pd.Series(["[45.0, 5.0]", "broken"], index=[10, 11])
    frame = coordinates.latlon_text_column(values)
    assert list(frame.index) == [10, 11]
    assert frame.loc[10, "source_lon"] == pytest.approx(5.0)
    assert frame.loc[11, "coordinate_problem"] == "unparsable"
