"""Hostile requests and export formats of the open-data API, on the real build.

Every bad parameter must give a JSON 4xx that names the valid choices. Exports must keep
codes as text, statuses apart from numbers, and the metadata next to the data.
"""

from __future__ import annotations

import io
import json

import openpyxl
import pandas as pd
import pytest

from atlas import store

VALUES = "/api/v1/indicators/densite_population/values"


@pytest.mark.parametrize("query, status, choices", [
    ("?level=../../etc/passwd", 400, "valid_levels"),
    ("?level=%3Cscript%3Ealert(1)%3C/script%3E", 400, "valid_levels"),
    ("?level=REGION", 400, "valid_levels"),
    ("?level=region%00", 400, "valid_levels"),
    ("?level=", 400, "valid_levels"),
    ("?level=region&year=abc", 400, "valid_years"),
    ("?level=region&year=-2017", 400, "valid_years"),
    ("?level=region&year=2017.0", 400, "valid_years"),
    ("?level=region&year=1999", 400, "valid_years"),
    ("?level=region&format=pdf", 400, "valid_formats"),
    ("?level=region&format=csv&dialect=de", 400, "valid_dialects"),
    ("?level=region&year=" + "9" * 100, 400, "valid_years"),
])
def test_bad_value_parameters_give_json(client, query, status, choices):
    response = client.get(VALUES + query)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body[choices]
    assert len(body["error"]) < 200  # the echoed value is clipped


def test_unknown_indicator_lists_ids(client):
    response = client.get("/api/v1/indicators/%3Cscript%3E/values?level=region")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert "densite_population" in response.get_json()["valid_indicators"]


def test_unknown_language_falls_back_to_french(client):
    body = client.get(VALUES + "?level=region&lang=xx").get_json()
    assert body["label"] == "Densité de population"
    assert body["values"][0]["status_label"] == "donnée disponible"


def test_french_csv_dialect(client):
    response = client.get(VALUES + "?level=departement&format=csv&dialect=fr")
    assert response.status_code == 200
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "code;name;value;status;status_label"
    data = [line for line in lines[1:] if not line.startswith("#")]
    assert len(data) == 101
    assert data[0].startswith("01;Ain;111,6")
    metadata = [line for line in lines if line.startswith("# ")]
    assert any(line.startswith("# source: Insee") for line in metadata)
    assert "# year: 2017" in metadata
    frame = pd.read_csv(io.StringIO(text), sep=";", decimal=",", comment="#", dtype={"code": str})
    assert {"2A", "2B", "971", "976"} <= set(frame["code"])
    assert frame.loc[frame["code"] == "2A", "value"].iloc[0] == pytest.approx(39.17299, rel=1e-5)


def test_international_csv_dialect(client):
    raw = client.get(VALUES + "?level=region&format=csv").get_data()
    assert not raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8").splitlines()
    assert lines[0] == "code,name,value,status,status_label"
    assert lines[1].split(",")[0] == "01"


def test_csv_statuses_carry_no_number(client):
    text = client.get("/api/v1/indicators/depenses_culturelles_communes/values"
                      "?level=commune&format=csv&dialect=fr").get_data().decode("utf-8-sig")
    frame = pd.read_csv(io.StringIO(text), sep=";", decimal=",", comment="#", dtype={"code": str})
    assert len(frame) == len(store.territories_of("commune"))
    assert frame.loc[frame["status"] != "ok", "value"].isna().all()
    assert set(frame.loc[frame["status"] == "not_published", "status_label"]) == {"non publié"}


@pytest.mark.parametrize("lang, sheets", [("fr", ["Données", "Métadonnées"]),
                                          ("en", ["Data", "Metadata"])])
def test_xlsx_has_data_and_metadata(client, lang, sheets):
    response = client.get(VALUES + f"?level=departement&format=xlsx&lang={lang}")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == sheets
    data = list(book[sheets[0]].iter_rows(values_only=True))
    assert data[0] == ("code", "name", "value", "status", "status_label")
    assert len(data) == 102
    assert {row[0] for row in data[1:]} >= {"01", "2A", "971"}
    assert all(isinstance(row[0], str) for row in data[1:])
    metadata = list(book[sheets[1]].iter_rows(values_only=True))
    header, row = metadata[0], metadata[1]
    fields = dict(zip(header, row))
    assert fields["indicator"] == "densite_population"
    assert fields["source"].startswith("Insee")
    assert str(fields["year"]) == "2017"


@pytest.mark.parametrize("level", ["region", "departement", "epci"])
def test_geojson_one_feature_per_territory(client, level):
    response = client.get(f"/api/v1/indicators/depenses_culturelles_communes/values"
                          f"?level={level}&format=geojson")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    collection = json.loads(response.get_data())
    assert collection["type"] == "FeatureCollection"
    assert collection["metadata"]["indicator"] == "depenses_culturelles_communes"
    codes = [f["properties"]["code"] for f in collection["features"]]
    assert len(codes) == len(set(codes)) == len(store.territories_of(level))
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in collection["features"])

    values = client.get(f"/api/v1/indicators/depenses_culturelles_communes/values?level={level}")
    expected = {row["code"]: (row["value"], row["status"]) for row in values.get_json()["values"]}
    for feature in collection["features"]:
        properties = feature["properties"]
        assert (properties["value"], properties["status"]) == expected[properties["code"]]


@pytest.mark.parametrize("text", ["st etienne", "saint-etienne", "St Étienne", "SAINT ETIENNE",
                                  "Saint-Étienne", "ST. ETIENNE", "st-etienne"])
def test_search_spelling_variants(client, text):
    response = client.get("/api/v1/territories", query_string={"level": "commune", "q": text})
    assert response.status_code == 200
    assert response.get_json()[0]["code"] == "42218"


@pytest.mark.parametrize("text", ["%", "_", "*", ".", "'", "<script>"])
def test_search_punctuation_finds_nothing(client, text):
    response = client.get("/api/v1/territories", query_string={"level": "commune", "q": text})
    assert response.status_code == 200
    assert response.get_json() == []


@pytest.mark.parametrize("query, choices", [
    ("?level=foo", "valid_levels"),
    ("?level=commune%00", "valid_levels"),
    ("", "valid_levels"),
])
def test_territories_bad_level(client, query, choices):
    response = client.get("/api/v1/territories" + query)
    assert response.status_code == 400
    assert response.get_json()[choices]


@pytest.mark.parametrize("name", ["%2e%2e", "..", "REGION", "region.pbf", "commune-2a", "a%00b"])
def test_geometry_bad_names(client, name):
    response = client.get(f"/geo/{name}.pbf")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
