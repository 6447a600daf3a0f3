"""Places API on the real build, through the Flask test client of a minimal app."""

from __future__ import annotations

import csv
import gzip
import io
import json

import geobuf
import pandas as pd
import pytest
from flask import Flask

import api
from atlas.cache import init_cache


@pytest.fixture(scope="module")
def client(built_store):
    app = Flask("places_api_test")
    init_cache(app)
    api.register(app)
    return app.test_client()


@pytest.fixture(scope="module")
def places(built_store) -> pd.DataFrame:
    return pd.read_parquet(built_store / "places.parquet")


def test_geojson_of_domain_in_departement(client, places):
    response = client.get("/api/v1/places?domain=cinema&level=departement&code=75")
    assert response.status_code == 200
    assert response.content_type == "application/geo+json"
    collection = response.get_json()
    expected = places[(places["domain"] == "cinema") & (places["departement"] == "75")]
    assert len(collection["features"]) == len(expected)
    assert collection["metadata"]["count"] == len(expected)
    assert "CNC" in collection["metadata"]["source"]
    ids = {f["properties"]["place_id"] for f in collection["features"]}
    assert ids == set(expected["place_id"])


def test_geojson_has_true_coordinates(client, places):
    response = client.get("/api/v1/places?domain=musees&level=departement&code=974")
    features = response.get_json()["features"]
    assert features
    for feature in features:
        lon, lat = feature["geometry"]["coordinates"]
        assert 55 < lon < 56  # La Réunion, not the inset west of Brittany
        assert -22 < lat < -20
    row = places.set_index("place_id").loc[features[0]["properties"]["place_id"]]
    assert features[0]["geometry"]["coordinates"] == pytest.approx([row["lon"], row["lat"]], abs=1e-6)


def test_csv_of_type_in_arrondissement(client, places):
    response = client.get("/api/v1/places?domain=cinema&type=cinema_fixe"
                          "&level=arrondissement_municipal&code=75108&format=csv")
    assert response.status_code == 200
    assert response.content_type.startswith("text/csv")
    text = response.data.decode("utf-8")
    data_lines = [line for line in text.splitlines() if not line.startswith("#")]
    rows = list(csv.DictReader(io.StringIO("\n".join(data_lines))))
    expected = places[(places["type"] == "cinema_fixe") & (places["arrondissement"] == "75108")]
    assert len(rows) == len(expected) == 5  # Paris 8e: Marignan, Balzac, Lincoln...
    assert rows[0]["type_name"] == "Cinéma (salle fixe)"
    assert "# source:" in text


def test_french_csv_dialect(client):
    response = client.get("/api/v1/places?type=zenith&format=csv&dialect=fr")
    text = response.data.decode("utf-8-sig")
    header = text.splitlines()[0]
    assert header.startswith("place_id;name;")
    assert response.data.startswith(b"\xef\xbb\xbf")  # BOM for Excel
    assert len([line for line in text.splitlines() if line.startswith("basilic_")]) == 17


def test_region_filter_counts(client, places):
    response = client.get("/api/v1/places?domain=patrimoine&type=monument_historique&level=region&code=53")
    expected = ((places["type"] == "monument_historique") & (places["region"] == "53")).sum()
    assert len(response.get_json()["features"]) == expected > 0


@pytest.mark.parametrize("query, field, valid", [
    ("domain=theatre", "valid_domains", "spectacle_vivant"),
    ("type=cinema", "valid_types", "cinema_fixe"),
    ("level=canton&code=1", "valid_levels", "epci"),
    ("format=xlsx", "valid_formats", "csv"),
    ("format=csv&dialect=de", "valid_dialects", "fr"),
])
def test_invalid_parameter_names_choices(client, query, field, valid):
    response = client.get(f"/api/v1/places?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert "error" in body
    assert valid in body[field]


def test_type_outside_domain_is_rejected(client):
    response = client.get("/api/v1/places?domain=cinema&type=zenith")
    assert response.status_code == 400
    body = response.get_json()
    assert "spectacle_vivant" in body["error"]
    assert body["valid_types"] == ["cinema_fixe", "cinema_itinerant"]


def test_level_without_code_is_rejected(client):
    response = client.get("/api/v1/places?level=departement")
    assert response.status_code == 400
    assert "code" in response.get_json()["error"]


def test_unknown_territory_is_rejected(client):
    response = client.get("/api/v1/places?level=departement&code=99")
    assert response.status_code == 400
    body = response.get_json()
    assert "99" in body["error"]
    assert body["valid_codes_url"] == "/api/v1/territories?level=departement"


def test_france_takes_code_fr_only(client, places):
    response = client.get("/api/v1/places?level=france&code=XX")
    assert response.status_code == 400
    assert response.get_json()["valid_codes"] == ["FR"]
    assert client.get("/api/v1/places?level=france").status_code == 400  # level alone
    assert client.get("/api/v1/places?code=75").status_code == 400  # code alone
    body = client.get("/api/v1/places?type=zenith&level=france&code=FR").get_json()
    assert body["metadata"]["total"] == (places["type"] == "zenith").sum()


def test_geojson_pages_with_limit_and_offset(client, places):
    """Without a filter GeoJSON returns one page, not the whole 24 MB layer."""
    first = client.get("/api/v1/places").get_json()
    assert len(first["features"]) == 1000  # the documented default
    assert first["metadata"]["total"] == len(places)
    assert first["metadata"]["next"] == "/api/v1/places?offset=1000"
    page = client.get("/api/v1/places?domain=cinema&limit=500&offset=2000").get_json()
    cinemas = places[places["domain"] == "cinema"]
    assert [f["properties"]["place_id"] for f in page["features"]] == \
        cinemas["place_id"].iloc[2000:2500].tolist()
    assert "next" not in page["metadata"]  # the last page
    assert client.get("/api/v1/places?limit=10001").status_code == 400


def test_csv_returns_every_place_by_default(client, places):
    text = client.get("/api/v1/places?format=csv").data.decode("utf-8")
    rows = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert len(rows) == len(places) + 1  # header
    limited = client.get("/api/v1/places?format=csv&limit=5").data.decode("utf-8")
    assert len([line for line in limited.splitlines() if line and not line.startswith("#")]) == 6


def test_taxonomy_lists_domains_in_english(client):
    body = client.get("/api/v1/places/taxonomy?lang=en").get_json()
    domains = {d["id"]: d for d in body["domains"]}
    assert domains["livre_lecture"]["label"] == "Books and reading"
    assert [t["id"] for t in domains["cinema"]["types"]] == ["cinema_fixe", "cinema_itinerant"]
    assert {f["id"] for f in body["location_flags"]} >= {"ok", "moved_to_centroid"}


def test_client_point_file_served_gzipped(client, places):
    response = client.get("/geo/places.pbf", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    collection = geobuf.decode(gzip.decompress(response.data))
    assert len(collection["features"]) == len(places)
    json.dumps(collection["features"][0])  # plain JSON types only
