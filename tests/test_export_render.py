"""Exports rendered for real: every view in every format from a real query string, through the
app's `/export/...` route, the system Chromium, the real build in data/build.

Also: a missing browser gives a clear 503 and never a download, renders time out, the pool
survives 20 exports in a row and 4 at once, and outline maps fill counter-clockwise rings
inside.
"""

from __future__ import annotations

import io
import json
import re
import threading
import urllib.request
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import openpyxl
import plotly.graph_objects as go
import psutil
import pytest

from atlas import store
from atlas.classify import STATUS_STYLES
from atlas.export import renderer
from atlas.export.geometry import shapes_from_features
from atlas.export.renderer import ExportBusy, ExportTimeout, PoolSettings, RendererPool, reset_pool
from atlas.urlstate import build_href
from tests.territory_build import case_path

SVG_NS = "{http://www.w3.org/2000/svg}"
IMAGE_FORMATS = ("png", "svg", "pdf")
DATA_FORMATS = ("csv", "xlsx")


@pytest.fixture(scope="module")
def client(built_store):
    from app import server

    reset_pool()
    with server.test_client() as test_client:
        yield test_client
    reset_pool()


def _query(params: dict) -> str:
    return build_href("", params)


class ViewQueries(dict):
    """One real query string per view, written by each page's own URL writer on first use."""

    def __missing__(self, view: str) -> str:
        from atlas.compare import parse_params as parse_comparison, to_query as comparison_query
        from atlas.evolution_params import parse_params as parse_evolution, to_query as evolution_query
        from atlas.mapstate import parse_state, state_query

        if view == "carte":
            state = parse_state({"level": "region"})
            assert state is not None, "no map indicator in the build"
            query = _query(state_query(state))
        elif view == "comparaison":
            query = _query(comparison_query(parse_comparison({"t": "region:76,departement:34"})))
        elif view == "evolution":
            query = _query(evolution_query(parse_evolution({"t": "departement:34,region:76"})))
        else:
            query = _query({"level": "departement", "code": "34"})
        self[view] = query
        return query


@pytest.fixture(scope="module")
def view_queries(built_store) -> ViewQueries:
    return ViewQueries()


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", data))


def _svg_text(root) -> str:
    """All text of an SVG, lines (tspans) joined by spaces."""
    pieces = [" ".join(part.strip() for part in text.itertext()) for text in root.iter(f"{SVG_NS}text")]
    return re.sub(r"\s+", " ", " ".join(pieces))


def _get(client, url: str, status: int = 200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code, response.data[:400])
    return response


@pytest.mark.parametrize("fmt", IMAGE_FORMATS + DATA_FORMATS)
@pytest.mark.parametrize("view", ("carte", "comparaison", "evolution", "portrait"))
def test_view_exports_in_format(client, view_queries, view, fmt):
    query = view_queries[view]
    response = _get(client, f"/export/{view}.{fmt}{query}")
    data = response.data
    disposition = response.headers["Content-Disposition"]
    assert f'filename="atlas-{view}' in disposition
    assert disposition.endswith(f'.{fmt}"')
    if fmt == "png":
        width, height = _png_size(data)
        assert width >= 1000
        assert height >= 400
        assert len(data) > 10_000
    elif fmt == "svg":
        root = ET.fromstring(data)
        assert root.tag == f"{SVG_NS}svg"
        texts = _svg_text(root)
        assert "Atlas Culture des territoires" in texts  # the source line carries the atlas name
        assert "Source" in texts
    elif fmt == "pdf":
        assert data[:5] == b"%PDF-"
        assert _pdf_pages(data) >= 1
        assert len(data) > 5_000
    elif fmt == "csv":
        text = data.decode("utf-8")
        header = text.splitlines()[0]
        assert "," in header
        assert ";" not in header
        assert "# source:" in text or "source" in text.lower()
    else:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        assert book.sheetnames[0] == "Données"
        assert "Métadonnées" in book.sheetnames
        rows = list(book["Métadonnées"].values)
        header = [str(cell).lower() for cell in rows[0]]
        assert "source" in header
        sources = [row[header.index("source")] for row in rows[1:]]
        assert sources and all(sources)


def test_csv_french_dialect(client, view_queries):
    response = _get(client, f"/export/carte.csv{view_queries['carte']}&sep=fr")
    assert response.data.startswith("\ufeff".encode())  # BOM, so that Excel reads the accents
    lines = response.data.decode("utf-8-sig").splitlines()
    assert lines[0].split(";")[:3] == ["level", "code", "name"]
    values = [line.split(";")[4] for line in lines[1:] if line and not line.startswith("#")]
    assert any("," in value for value in values)  # decimal comma
    assert not any("." in value for value in values)


def test_carte_svg_has_one_path_per_territory(client, view_queries):
    for level in ("region", "departement"):
        query = view_queries["carte"].replace("level=region", f"level={level}")
        data = _get(client, f"/export/carte.svg{query}").data
        root = ET.fromstring(data)
        paths = [path for path in root.iter(f"{SVG_NS}path")
                 if "choroplethlocation" in (path.get("class") or "")]
        expected = len(store.territories_of(level))
        assert len(paths) == expected, level
        texts = [text.text or "" for text in root.iter(f"{SVG_NS}text")]
        assert any(re.search(r"\(\d+\)$", text) for text in texts), "legend counts missing"


def test_carte_selected_territory_is_outlined(client, view_queries):
    query = view_queries["carte"] + "&code=76"
    root = ET.fromstring(_get(client, f"/export/carte.svg{query}").data)
    paths = [path for path in root.iter(f"{SVG_NS}path") if "choroplethlocation" in (path.get("class") or "")]
    assert len(paths) == len(store.territories_of("region")) + 1
    assert "Occitanie" in _svg_text(root)


def test_carte_pdf_is_vector(client, view_queries):
    data = _get(client, f"/export/carte.pdf{view_queries['carte']}&preset=note").data
    assert data[:5] == b"%PDF-"
    assert b"/Subtype /Image" not in data  # paths and text, no embedded raster


def test_note_preset_png_width(client, view_queries):
    # 16 cm at 300 dpi.
    data = _get(client, f"/export/carte.png{view_queries['carte']}&preset=note").data
    assert _png_size(data)[0] == 1890


def test_slide_preset_png_is_16_9(client, view_queries):
    data = _get(client, f"/export/comparaison.png{view_queries['comparaison']}&preset=slide").data
    assert _png_size(data) == (1920, 1080)


def test_several_charts_make_an_a4_pdf(client, view_queries):
    data = _get(client, f"/export/comparaison.pdf{view_queries['comparaison']}").data
    assert re.search(rb"/MediaBox\s*\[0 0 59[45]\.?\d* 84[12]\.?\d*\]", data), "not A4"


def test_repeated_export_is_cached(client, view_queries):
    query = view_queries["carte"] + "&width=1234"
    first = _get(client, f"/export/carte.png{query}")
    params = query.lstrip("?").split("&")
    reordered = "?" + "&".join(reversed(params))
    second = _get(client, f"/export/carte.png{reordered}")
    assert second.headers["X-Export-Cache"] == "hit"
    assert second.data == first.data


@pytest.mark.parametrize("url, parameter", [
    ("/export/carte.png?width=abc", "width"),
    ("/export/carte.png?width=800&preset=note", "preset"),
    ("/export/carte.png?preset=poster", "preset"),
    ("/export/carte.gif", "format"),
    ("/export/carte.csv?sep=tab", "sep"),
    ("/export/comparaison.png?chart=99", "chart"),
    ("/export/comparaison.png?chart=%C2%B2", "chart"),
])
def test_bad_parameter_gets_400_naming_choices(client, url, parameter):
    response = _get(client, url, 400)
    body = response.get_json()
    assert body["parameter"] == parameter
    assert body["choices"]
    assert parameter in body["error"]


def test_unknown_view_gets_404_listing_views(client):
    body = _get(client, "/export/inconnue.png", 404).get_json()
    assert "carte" in body["views"]
    assert "carte" in body["error"]


def test_overlong_query_is_rejected(client):
    body = _get(client, "/export/carte.png?indicator=" + "x" * 10_000, 400).get_json()
    assert body["parameter"] == "query"
    assert "4000" in body["error"]


def test_invalid_page_parameters_fall_back(client):
    url = "/export/carte.csv?indicator=unknown&level=../../etc/passwd&year=abc&code=%3Cscript%3E"
    response = _get(client, url)
    assert b"<script>" not in response.data


# Missing browser


def test_missing_browser_gives_clear_503_without_download(client, view_queries, monkeypatch, tmp_path):
    import choreographer.cli
    import kaleido

    def forbidden(*args, **kwargs):
        raise AssertionError("a browser download was attempted")

    for module, name in ((kaleido, "get_chrome"), (kaleido, "get_chrome_sync"),
                         (choreographer.cli, "get_chrome"), (choreographer.cli, "get_chrome_sync")):
        monkeypatch.setattr(module, name, forbidden)
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-chromium"))
    reset_pool()
    try:
        # A size no other test requests, so the cache cannot return a stored image.
        url = f"/export/carte.png{view_queries['carte']}&width=777"
        body = _get(client, url, 503).get_json()
        assert body["reason"] == "no_browser"
        assert "Chromium" in body["error"]
        html = client.get(url, headers={"Accept": "text/html"})
        assert html.status_code == 503
        assert html.mimetype == "text/html"
        assert "Chromium" in html.get_data(as_text=True)
        # Data downloads do not need the browser.
        _get(client, f"/export/carte.csv{view_queries['carte']}")
    finally:
        reset_pool()


def test_browser_path_resolution(monkeypatch, tmp_path):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "missing"))
    assert renderer.browser_path() is None
    monkeypatch.delenv("BROWSER_PATH")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert renderer.browser_path() is None


# Pool behaviour


def _bar_figure() -> go.Figure:
    return go.Figure(go.Bar(x=["a", "b", "c"], y=[3, 1, 2]))


def test_render_timeout_restarts_browser():
    pool = RendererPool(PoolSettings(size=1, render_timeout=0.001, queue_wait=5))
    try:
        with pytest.raises(ExportTimeout):
            pool.render(_bar_figure(), "png", 400, 300)
        assert pool.restarts == 1
        assert not pool.running
    finally:
        pool.close()


def test_busy_pool_rejects_after_queue_wait():
    pool = RendererPool(PoolSettings(size=1, queue_wait=0.2))
    assert pool._slots.acquire(timeout=1)  # an export in progress holds the only slot
    try:
        with pytest.raises(ExportBusy):
            pool.render(_bar_figure(), "png", 400, 300)
    finally:
        pool._slots.release()
        pool.close()


def test_browser_recycled_after_render_limit():
    pool = RendererPool(PoolSettings(size=1, recycle_after=2))
    try:
        pool.render(_bar_figure(), "svg", 400, 300)
        first_browser = pool.browser_pids()
        pool.render(_bar_figure(), "svg", 400, 300)
        assert pool.browser_pids() == first_browser
        pool.render(_bar_figure(), "svg", 400, 300)
        assert pool.browser_pids() != first_browser
        assert pool.restarts == 0  # a planned recycle is not a failure restart
    finally:
        pool.close()


def _browser_processes(pool: RendererPool) -> list[psutil.Process]:
    processes = []
    for pid in pool.browser_pids():
        parent = psutil.Process(pid)
        processes += [parent, *parent.children(recursive=True)]
    return processes


def test_twenty_in_a_row_and_four_at_once(built_store):
    from atlas.export.carte import build_map_figure
    from atlas.mapstate import parse_state

    figure = build_map_figure(parse_state({"level": "departement"}))
    pool = RendererPool(PoolSettings(size=2, render_timeout=30, queue_wait=60))
    try:
        first = pool.render(figure, "svg", 800, 560)
        baseline = len(_browser_processes(pool))
        for _ in range(19):
            assert pool.render(figure, "svg", 800, 560)[:4] == b"<svg"
        with ThreadPoolExecutor(max_workers=4) as executor:
            results = list(executor.map(lambda fmt: pool.render(figure, fmt, 800, 560),
                                        ("png", "svg", "pdf", "png")))
        assert [len(result) > 1000 for result in results] == [True] * 4
        assert first[:4] == b"<svg"
        assert pool.restarts == 0
        # No tab or renderer process is leaked by the 24 renders.
        assert len(_browser_processes(pool)) <= baseline + 1
        processes = _browser_processes(pool)
    finally:
        pool.close()
    _, alive = psutil.wait_procs(processes, timeout=10)
    assert not alive, "browser processes left after close"


def test_four_exports_at_once_through_gunicorn(live_server, view_queries):
    def fetch(width: int) -> tuple[int, bytes]:
        url = f"{live_server}/export/carte.png{view_queries['carte']}&width={width}"
        with urllib.request.urlopen(url, timeout=120) as response:
            return response.status, response.read()

    with ThreadPoolExecutor(max_workers=4) as executor:
        results = list(executor.map(fetch, (901, 902, 903, 904)))
    for (status, data), width in zip(results, (901, 902, 903, 904)):
        assert status == 200
        assert _png_size(data)[0] == width


# Winding order in a real render


def _location_paths(svg: bytes) -> list[str]:
    root = ET.fromstring(svg)
    return [path.get("d") for path in root.iter(f"{SVG_NS}path")
            if "choroplethlocation" in (path.get("class") or "")]


def _x_extent(d: str) -> float:
    numbers = [float(value) for value in re.findall(r"-?\d+(?:\.\d+)?", d)]
    xs = numbers[0::2]
    return max(xs) - min(xs)


def _case_figure(features: list[dict], codes: list[str]) -> go.Figure:
    figure = go.Figure(go.Choropleth(
        geojson={"type": "FeatureCollection", "features": features}, locations=codes, z=[1] * len(codes),
        featureidkey="properties.code", showscale=False))
    figure.update_geos(fitbounds="locations", visible=False)
    return figure


def _case_features(name: str) -> tuple[list[dict], list[dict]]:
    """Features of a replay case as the file has them, and as the export prepares them."""
    raw = json.loads(case_path(name).read_text(encoding="utf-8"))["features"]
    prepared = [json.loads(text) for text in shapes_from_features(raw).geojson_features]
    for feature in prepared:
        feature["properties"] = {"code": feature["id"]}
    return raw, prepared


def test_counter_clockwise_ring_is_filled_inside():
    raw, prepared = _case_features("winding-rfc7946.geojson")
    pool = RendererPool(PoolSettings(size=1))
    try:
        width = 600
        fixed = _location_paths(pool.render(_case_figure(prepared, ["01001"]), "svg", width, 400))
        # Control: the ring as the file has it is drawn as the whole sphere minus the square.
        inverted = _location_paths(pool.render(_case_figure(raw, ["01001"]), "svg", width, 400))
    finally:
        pool.close()
    assert len(fixed) == 1
    assert _x_extent(fixed[0]) < width / 2
    assert fixed[0].count("M") == 1
    assert inverted and (_x_extent(inverted[0]) >= width / 2 or inverted[0].count("M") > 1)


def test_duplicate_code_draws_both_parts():
    _, prepared = _case_features("duplicate-territory-code.geojson")
    pool = RendererPool(PoolSettings(size=1))
    try:
        paths = _location_paths(pool.render(_case_figure(prepared, ["29155"]), "svg", 600, 400))
    finally:
        pool.close()
    assert len(paths) == 1
    assert paths[0].count("M") == 2  # both parts in the one path of the territory


def test_pool_threads_are_daemons():
    pool = RendererPool(PoolSettings(size=1))
    try:
        pool.render(_bar_figure(), "svg", 400, 300)
        assert any(thread.name == "export-renderer" and thread.daemon for thread in threading.enumerate())
    finally:
        pool.close()


def test_carte_statuses_are_hatched(client, view_queries):
    from urllib.parse import parse_qsl

    from atlas.mapstate import parse_state

    query = view_queries["carte"].replace("level=region", "level=commune") + "&scope=departement:34"
    state = parse_state(dict(parse_qsl(query.lstrip("?"))))
    statuses = store.indicator_values(state.indicator, "commune", state.year)["status"]
    # The test needs territories whose status is not a value.
    assert (statuses.astype("object") != "ok").any()
    root = ET.fromstring(_get(client, f"/export/carte.svg{query}").data)
    line_colors = {", ".join(str(int(style["line"][i:i + 2], 16)) for i in (1, 3, 5))
                   for style in STATUS_STYLES.values()}
    hatch_lines = [path for path in root.iter(f"{SVG_NS}path")
                   if "js-line" in (path.get("class") or "")
                   and any(color in (path.get("style") or "") for color in line_colors)]
    assert hatch_lines, "no hatch drawn over statuses"
    assert list(root.iter(f"{SVG_NS}pattern")), "legend symbols have no hatch pattern"


def test_browser_recycled_above_memory_limit():
    pool = RendererPool(PoolSettings(size=1, max_memory_mb=1.0))
    try:
        for _ in range(renderer.MEMORY_CHECK_EVERY):
            pool.render(_bar_figure(), "svg", 400, 300)
        first_browser = pool.browser_pids()
        assert first_browser
        pool.render(_bar_figure(), "svg", 400, 300)
        assert pool.browser_pids() != first_browser
        assert pool.restarts == 0
    finally:
        pool.close()
