"""`/api/v1/territories` and `/geo/<name>.pbf` through Flask's test client."""

from __future__ import annotations

import gzip

import geobuf
import pytest
from flask import Flask

from atlas import config, store
from tests.territory_build import territory_build  # noqa: F401


@pytest.fixture(scope="module")
def client(territory_build):
    previous = config.BUILD_DIR
    config.BUILD_DIR = territory_build
    store.reset()
    import api
    import api.territories  # noqa: F401 (adds the routes to the blueprint)

    app = Flask(__name__)
    app.register_blueprint(api.bp)
    yield app.test_client()
    config.BUILD_DIR = previous
    store.reset()


def test_list_regions(client):
    response = client.get("/api/v1/territories?level=region")
    assert response.status_code == 200
    body = response.get_json()
    assert len(body) == 18
    assert body[0] == {"code": "01", "name": "Guadeloupe", "level": "region", "parents": {}}


def test_search_communes(client):
    body = client.get("/api/v1/territories?level=commune&q=st%20etienne").get_json()
    first = body[0]
    assert first["code"] == "42218"
    assert first["parents"]["departement"] == "42"
    assert first["parents"]["region"] == "84"


def test_search_all_levels(client):
    body = client.get("/api/v1/territories?q=Lyon&limit=50").get_json()
    levels = {item["level"] for item in body}
    assert {"commune", "aav", "zone_emploi"} <= levels


@pytest.mark.parametrize("query", ["level=canton", "level=../../etc/passwd", "",
                                   "level=commune&limit=0", "level=commune&limit=abc",
                                   "q=" + "a" * 200])
def test_bad_parameters(client, query):
    response = client.get(f"/api/v1/territories?{query}")
    assert response.status_code == 400
    assert "error" in response.get_json()


def test_geo_gzip(client):
    response = client.get("/geo/departement.pbf", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "max-age=" in response.headers["Cache-Control"]
    collection = geobuf.decode(gzip.decompress(response.data))
    assert len(collection["features"]) == 101


def test_geo_etag(client):
    first = client.get("/geo/region.pbf")
    assert "Content-Encoding" not in first.headers
    etag = first.headers["ETag"]
    again = client.get("/geo/region.pbf", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_geo_versioned_is_immutable(client):
    from api.territories import geometry_url

    url = geometry_url("region")
    assert "?v=" in url
    response = client.get(url)
    assert "immutable" in response.headers["Cache-Control"]
    assert "immutable" not in client.get("/geo/region.pbf?v=old").headers["Cache-Control"]


def test_geo_departement_file(client):
    response = client.get("/geo/commune-2A.pbf")
    assert response.status_code == 200
    codes = [f["properties"]["code"] for f in geobuf.decode(response.data)["features"]]
    assert codes == sorted(codes)
    assert all(code.startswith("2A") for code in codes)


@pytest.mark.parametrize("name", ["..%2Fterritories", "nope", "commune-999", "COMMUNE"])
def test_geo_unknown_names(client, name):
    assert client.get(f"/geo/{name}.pbf").status_code == 404
