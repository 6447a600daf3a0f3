"""Errors of the whole API blueprint: parameters, unknown routes and methods, missing build.

Every response under `/api/` and `/export/` must be JSON, whatever went wrong, and name what
the caller can use instead.
"""

from __future__ import annotations

import json
import shutil

import pytest
from flask import Flask

import api
from atlas import config, store
from atlas.cache import init_cache


def make_client():
    app = Flask("api_errors_test")
    init_cache(app)
    api.register(app)
    return app.test_client()


@pytest.fixture(scope="module")
def client(built_store):
    store.reset()
    return make_client()


VALUES = "/api/v1/indicators/densite_population/values?level=region"


@pytest.mark.parametrize("url, choices", [
    (VALUES + "&year=%C2%B2", "valid_years"),  # "²": str.isdigit() accepts it, int() does not
    (VALUES + "&year=%D9%A3", "valid_years"),  # Arabic-Indic digit three
    (VALUES + "&year=" + "9" * 4400, "valid_years"),  # beyond Python's int() digit limit
    ("/api/v1/territories?level=region&limit=%C2%B2", "valid_range"),
    ("/api/v1/territories?level=region&limit=" + "9" * 4400, "valid_range"),
    ("/api/v1/territories?level=region&limit=0", "valid_range"),
    ("/api/v1/places?domain=cinema&limit=%C2%B2", "valid_range"),
    ("/api/v1/places?domain=cinema&offset=-1", "valid_range"),
])
def test_non_ascii_or_huge_integers_give_400(client, url, choices):
    response = client.get(url)
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body[choices]
    assert len(body["error"]) < 200


@pytest.mark.parametrize("url, field", [
    (VALUES + "&format=pdf", "valid_formats"),
    (VALUES + "&format=csv&dialect=de", "valid_dialects"),
    ("/api/v1/places?format=pdf", "valid_formats"),
    ("/api/v1/places?format=csv&dialect=de", "valid_dialects"),
])
def test_format_and_dialect_checked_alike(client, url, field):
    response = client.get(url)
    assert response.status_code == 400
    body = response.get_json()
    assert "fr" in body[field] or "csv" in body[field]


@pytest.mark.parametrize("path", [
    "/api/v1/nothing", "/api/v2/indicators", "/api/v1/indicators/", "/api/",
    "/api/v1/indicators/densite%2Fpopulation/values", "/export/nothing",
])
def test_unknown_path_gives_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    routes = response.get_json()["routes"]
    assert "GET /api/v1/indicators/<indicator_id>/values" in routes
    assert "GET /export/<view>.<fmt>" in routes


@pytest.mark.parametrize("method, path", [
    ("POST", "/api/v1/indicators"), ("DELETE", "/api/v1/indicators/densite_population"),
    ("PUT", "/api/v1/territories"), ("POST", "/export/"),
])
def test_wrong_method_gives_json_405(client, method, path):
    response = client.open(path, method=method)
    assert response.status_code == 405
    assert response.mimetype == "application/json"
    assert response.get_json()["allowed_methods"] == ["GET", "HEAD"]
    assert response.headers["Allow"] == "GET, HEAD"


def test_unknown_path_with_post_gives_404(client):
    response = client.post("/api/v1/nothing")
    assert response.status_code == 404
    assert response.mimetype == "application/json"


@pytest.fixture()
def partial_build(tmp_path, built_store):
    """A build with territories and values but without places.parquet, under its own stamp."""
    build = tmp_path / "build"
    build.mkdir()
    for name in ("territories.parquet", "values"):
        (build / name).symlink_to(built_store / name)
    manifest = json.loads((built_store / "manifest.json").read_text(encoding="utf-8"))
    manifest["built_at"] = "partial-build-test"
    (build / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    previous = config.BUILD_DIR
    config.BUILD_DIR = build
    store.reset()
    yield build
    config.BUILD_DIR = previous
    store.reset()


def test_places_without_places_file_give_503(partial_build):
    client = make_client()
    for url in ("/api/v1/places?domain=cinema", "/api/v1/places?format=csv",
                "/geo/places/cinema.pbf"):
        response = client.get(url)
        assert response.status_code == 503, url
        assert response.mimetype == "application/json"
        assert "python -m loaders build" in response.get_json()["error"]
    assert client.get(VALUES).status_code == 200  # the rest of the build still serves


def test_every_route_gives_503_without_build(partial_build):
    shutil.rmtree(partial_build)
    store.reset()
    client = make_client()
    for url in (VALUES, "/api/v1/territories?level=region", "/api/v1/places?domain=cinema",
                "/api/v1/territories?q=rennes"):
        response = client.get(url)
        assert response.status_code == 503, url
        assert response.mimetype == "application/json"
        assert "make run" in response.get_json()["error"]
