"""Small multiples of a comparison: neighbourhoods, zoom, geometry size, shared classes."""

from __future__ import annotations

import json
import math

import numpy as np
import plotly
import pytest
import shapely

from atlas.compare import build_comparison
from atlas.compare_maps import (MAX_NEIGHBOURS, neighbours, prepare_for_map, small_multiples, view_box,
                                zoom_for)

CHAIN = "commune:69123,epci:200046977,departement:69,region:84"


def _squares():
    """Nine unit squares in a 3 x 3 grid, codes A to I, row by row from the south-west."""
    codes, geometries = [], []
    for row in range(3):
        for column in range(3):
            codes.append("ABCDEFGHI"[row * 3 + column])
            geometries.append(shapely.box(column, row, column + 1, row + 1))
    return np.array(codes), np.array(geometries, dtype=object), shapely.bounds(np.array(geometries, dtype=object))


def test_neighbours_of_the_centre_square():
    codes, _, bounds = _squares()
    found = neighbours(codes, bounds, "E")
    assert found[0] == 4
    assert sorted(found) == list(range(9))


def test_neighbours_nearest_first_and_limited():
    codes, _, bounds = _squares()
    found = neighbours(codes, bounds, "A", limit=3)
    assert found[0] == 0
    assert set(found[1:]) == {1, 3}


def test_neighbours_unknown_code():
    codes, _, bounds = _squares()
    assert neighbours(codes, bounds, "Z") == []


def test_view_box_margin():
    _, _, bounds = _squares()
    box = view_box(bounds, 4)
    assert box == pytest.approx((0.4, 0.4, 2.6, 2.6))


def test_zoom_for_smaller_box_zooms_in():
    _, wide = zoom_for((4.0, 45.0, 6.0, 46.5))
    centre, narrow = zoom_for((4.7, 45.7, 4.9, 45.85))
    assert narrow > wide
    assert centre["lon"] == pytest.approx(4.8)
    assert 45.7 < centre["lat"] < 45.85


def test_prepare_for_map_clips_large_territories():
    big = shapely.box(-5, 40, 10, 52)
    small = shapely.box(4.8, 45.7, 4.9, 45.8)
    prepared = prepare_for_map([small, big], (4.7, 45.6, 5.0, 45.9))
    minx, miny, maxx, maxy = shapely.bounds(prepared[1])
    assert minx >= 4.6
    assert maxx <= 5.1
    assert shapely.equals(prepared[0], small)


@pytest.fixture(scope="module")
def maps(built_store):
    return small_multiples(build_comparison({"t": CHAIN, "indicators": "depenses_culturelles_communes_par_habitant"}))


def test_one_map_per_selected_territory(maps):
    assert [panel.key for panel in maps.panels] == CHAIN.split(",")
    assert maps.year is not None


def test_selected_territory_first_and_outlined(maps):
    for panel in maps.panels:
        choropleth, outline = panel.figure["data"]
        assert choropleth["locations"][0] == panel.key.split(":")[1]
        assert 1 < len(choropleth["locations"]) <= MAX_NEIGHBOURS
        assert outline["type"] == "scattermap"
        assert len(outline["lon"]) > 3


def test_maps_need_no_network(maps):
    for panel in maps.panels:
        assert panel.figure["layout"]["map"]["style"] == "white-bg"


def test_one_legend_per_level_with_matching_classes(maps):
    assert [legend.level for legend in maps.legends] == ["commune", "epci", "departement", "region"]
    for legend, panel in zip(maps.legends, maps.panels):
        z = panel.figure["data"][0]["z"]
        classes = {value for value in z if value < len(legend.classes)}
        assert classes <= set(range(len(legend.classes)))
        assert 1 <= len(legend.classes) <= 9


def test_statuses_get_grey_not_a_class_colour(maps):
    commune = maps.panels[0].figure["data"][0]
    legend = maps.legends[0]
    # Small communes have no published spending: they are drawn as a status, after the classes.
    assert any(value >= len(legend.classes) for value in commune["z"])
    assert legend.statuses


def test_map_json_stays_small(maps):
    for panel in maps.panels:
        size = len(json.dumps(panel.figure, cls=plotly.utils.PlotlyJSONEncoder))
        assert size < 250_000, f"{panel.key}: {size} bytes"
        assert not math.isnan(panel.figure["layout"]["map"]["zoom"])
