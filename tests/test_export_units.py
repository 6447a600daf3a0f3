"""Pure parts of the exports: print sizes, geometry for plotly, file names, query normalisation."""

from __future__ import annotations

import json

import pytest
import shapely

from atlas.export.carte import label_lines
from atlas.export.geometry import shapes_from_features
from atlas.export.registry import ExportView
from atlas.export.renderer import compact_svg
from atlas.export.service import export_filename, metadata_mapping, normalized_query
from atlas.export.sizes import SizeError, parse_size
from tests.territory_build import case_path



def _case(name: str) -> list[dict]:
    return json.loads(case_path(name).read_text(encoding="utf-8"))["features"]


# Sizes


def test_size_default_keeps_view_size_and_doubles_png():
    size = parse_size({}, 800, 560)
    assert (size.width, size.height) == (800, 560)
    assert size.pixel_size("png") == (1600, 1120)
    assert size.pixel_size("svg") == (800, 560)


def test_size_note_is_16_cm_at_300_dpi():
    size = parse_size({"preset": "note"}, 800, 560)
    assert size.width == 605  # 16 cm at 96 CSS pixels per inch
    assert size.height == round(605 * 560 / 800)
    assert size.pixel_size("png")[0] == 1890  # 16 cm at 300 dpi
    assert size.pixel_size("pdf")[0] == 605


def test_size_slide_is_16_9():
    size = parse_size({"preset": "slide"}, 800, 560)
    assert (size.width, size.height) == (1280, 720)
    assert size.pixel_size("png") == (1920, 1080)


def test_size_width_cm_uses_300_dpi():
    size = parse_size({"width_cm": "8,5"}, 900, 600)
    assert size.width == round(8.5 / 2.54 * 96)
    assert round(size.width * size.png_scale) == round(8.5 / 2.54 * 300)


def test_size_width_pixels_applies_to_every_format():
    size = parse_size({"width": "2400"}, 800, 400)
    assert size.pixel_size("png") == (2400, 1200)
    assert size.pixel_size("svg") == (2400, 1200)
    assert size.width == 1600  # wider layouts would shrink the text


@pytest.mark.parametrize("params, parameter, reason", [
    ({"width": "abc"}, "width", "invalid"),
    ({"width": "10"}, "width", "invalid"),
    ({"width": "nan"}, "width", "invalid"),
    ({"width_cm": "200"}, "width_cm", "invalid"),
    ({"preset": "poster"}, "preset", "invalid"),
    ({"width": "800", "preset": "note"}, "preset", "conflict"),
])
def test_size_rejects_bad_values(params, parameter, reason):
    with pytest.raises(SizeError) as caught:
        parse_size(params, 800, 560)
    assert caught.value.parameter == parameter
    assert caught.value.reason == reason
    assert caught.value.choices


# Geometry prepared for plotly (d3-geo winding, one shape per code)


def _signed_area(ring) -> float:
    coords = list(ring.coords)
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(coords, coords[1:])) / 2


def test_geometry_counter_clockwise_ring_becomes_clockwise():
    features = _case("winding-rfc7946.geojson")
    original = shapely.geometry.shape(features[0]["geometry"])
    assert _signed_area(original.exterior) > 0  # the case file is counter-clockwise
    shapes = shapes_from_features(features)
    assert shapes.codes == ("01001",)
    assert _signed_area(shapes.geometries[0].exterior) < 0
    written = json.loads(shapes.geojson_features[0])
    assert written["id"] == "01001"
    assert _signed_area(shapely.geometry.shape(written["geometry"]).exterior) < 0


def test_geometry_duplicate_code_keeps_both_parts():
    shapes = shapes_from_features(_case("duplicate-territory-code.geojson"))
    assert shapes.codes == ("29155",)
    merged = shapes.geometries[0]
    assert merged.geom_type == "MultiPolygon"
    assert len(merged.geoms) == 2
    assert merged.area == pytest.approx(0.1 * 0.1 + 0.05 * 0.05, rel=1e-6)


def test_geometry_feature_without_shape_is_skipped():
    features = _case("winding-rfc7946.geojson") + [
        {"type": "Feature", "properties": {"code": "99999"}, "geometry": None}]
    assert shapes_from_features(features).codes == ("01001",)


# Map labels


def test_label_lines_break_after_hyphens():
    options = label_lines("Auvergne-Rhône-Alpes")
    assert options[0] == ["Auvergne-Rhône-Alpes"]
    assert options[1] == ["Auvergne-", "Rhône-Alpes"]
    assert label_lines("Nord") == [["Nord"]]


# Service helpers


def test_normalized_query_sorts_and_drops_defaults():
    first = normalized_query({"level": "region", "indicator": "x", "lang": "fr", "code": ""})
    second = normalized_query({"indicator": "x", "level": "region"})
    assert first == second == "indicator=x&level=region"
    assert normalized_query({"lang": "en"}) == "lang=en"


def test_export_filename_is_ascii_and_readable():
    name = export_filename("carte", "png", {"indicator": "dépenses_culture", "level": "région",
                                            "year": "2019", "code": "<script>"})
    assert name == "atlas-carte-depenses-culture-region-script-2019.png"


def test_metadata_mapping_numbers_several_rows():
    assert metadata_mapping([{"source": "Deps"}]) == {"source": "Deps"}
    assert metadata_mapping([{"source": "A"}, {"source": "B"}]) == {"1.source": "A", "2.source": "B"}


def test_compact_svg_touches_path_data_only():
    svg = b'<path d="M143.9272435995324,214.07275640046282Z" style="opacity: 0.754321"/>'
    assert compact_svg(svg) == b'<path d="M143.9,214.0Z" style="opacity: 0.754321"/>'


def test_registry_view_without_module_is_unavailable():
    view = ExportView("missing", table="atlas.no_such_module:table", figures="atlas.no_such_module:figures")
    assert view.formats() == ()


# Status hatches


def _square_hatch(pattern: str):
    from atlas import geo
    from atlas.export.hatching import hatch_trace

    square = shapely.box(2.0, 46.0, 3.0, 47.0)
    (x0, x1), _ = geo.mercator([2.0, 3.0], [46.0, 46.0])
    # Ten hatch spacings across the square's width.
    pixels_per_metre = 10 * 8.0 / (x1 - x0)
    return hatch_trace([square], pattern, "#737373", pixels_per_metre)


def test_hatch_horizontal_lines_stay_inside():
    trace = _square_hatch("horizontal")
    lons = [value for value in trace.lon if value is not None]
    lats = [value for value in trace.lat if value is not None]
    assert min(lons) >= 2.0 - 1e-6
    assert max(lons) <= 3.0 + 1e-6
    assert min(lats) >= 46.0 - 1e-6
    assert max(lats) <= 47.0 + 1e-6
    segments = list(trace.lon).count(None)
    # The square is about 1.44 times taller than wide in Web Mercator at 46°N.
    assert 12 <= segments <= 16


def test_hatch_cross_has_two_directions():
    diagonal = _square_hatch("diagonal")
    cross = _square_hatch("cross")
    assert list(cross.lon).count(None) > list(diagonal.lon).count(None) * 1.8


def test_hatch_dots_and_unknown_pattern():
    dots = _square_hatch("dots")
    assert dots.mode == "markers"
    assert 100 <= len(dots.lon) <= 200
    assert _square_hatch("zigzag") is None


def test_tab_not_ready_is_retried(monkeypatch):
    """A render sent to a tab still reloading is tried again; other failures are not."""
    from atlas.export import renderer as renderer_module
    from atlas.export.renderer import ExportFailed, RendererPool

    monkeypatch.setattr(renderer_module, "TAB_NOT_READY_PAUSE", 0.0)
    pool = RendererPool()
    calls = []

    def flaky(*args):
        calls.append(args)
        if len(calls) < 3:
            raise ExportFailed("the renderer rejected the figure: ReferenceError: kaleido_scopes is not defined")
        return b"PNG"

    monkeypatch.setattr(pool, "_render_once", flaky)
    assert pool._render_with(None, None, {}, "png", 10, 10, 1.0, "test") == b"PNG"
    assert len(calls) == 3

    def broken(*args):
        calls.append(args)
        raise ExportFailed("the renderer rejected the figure: bad trace type")

    calls.clear()
    monkeypatch.setattr(pool, "_render_once", broken)
    with pytest.raises(ExportFailed):
        pool._render_with(None, None, {}, "png", 10, 10, 1.0, "test")
    assert len(calls) == 1
