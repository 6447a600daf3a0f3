"""Open-data API of indicators on the real build, through a Flask test client."""

import io
import json

import openpyxl
import pytest


def test_catalogue_lists_visible_indicators(client):
    response = client.get("/api/v1/indicators")
    assert response.status_code == 200
    by_id = {item["id"]: item for item in response.json}
    assert "depenses_culturelles_communes_par_habitant" in by_id
    assert "population_depenses_communes" not in by_id  # hidden part of a ratio
    item = by_id["densite_population"]
    for key in ("id", "label", "theme", "unit", "levels", "years", "source", "definition"):
        assert key in item
    assert item["years"] == [2017]
    assert item["label"] == "Densité de population"


def test_catalogue_in_english_with_hidden(client):
    response = client.get("/api/v1/indicators?lang=en&include_hidden=1")
    by_id = {item["id"]: item for item in response.json}
    assert by_id["densite_population"]["label"] == "Population density"
    assert "population_depenses_communes" in by_id


def test_values_json(client):
    response = client.get("/api/v1/indicators/depenses_culturelles_communes/values"
                          "?level=commune&year=2019")
    assert response.status_code == 200
    body = response.json
    assert body["indicator"] == "depenses_culturelles_communes"
    assert body["level"] == "commune"
    assert body["year"] == 2019
    assert body["unit"] == "€"
    assert "DGFiP" in body["source"]
    rows = {row["code"]: row for row in body["values"]}
    assert rows["75056"]["value"] == pytest.approx(494_714_817.81)
    assert rows["75056"]["name"] == "Paris"
    assert rows["01001"]["status"] == "not_published"
    assert rows["01001"]["value"] is None


def test_values_france_code(client):
    response = client.get("/api/v1/indicators/part_actifs_secteurs_culturels/values?level=france")
    assert response.status_code == 200
    assert [row["code"] for row in response.json["values"]] == ["FR"]


def test_values_csv_has_source(client):
    response = client.get("/api/v1/indicators/depenses_ministere_culture/values"
                          "?level=departement&format=csv")
    assert response.status_code == 200
    assert response.content_type.startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8")
    lines = text.splitlines()
    assert lines[0].startswith("code,name,value,status")
    assert any(line.startswith("01,Ain,4239620.86") for line in lines)
    assert any(line.startswith("# source: Ministère de la Culture") for line in lines[-10:])


def test_values_csv_french_dialect(client):
    response = client.get("/api/v1/indicators/depenses_ministere_culture/values"
                          "?level=departement&format=csv&dialect=fr")
    text = response.data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("code;name;value;status")
    assert any(line.startswith("01;Ain;4239620,86") for line in text.splitlines())


def test_values_xlsx_has_metadata_sheet(client):
    response = client.get("/api/v1/indicators/densite_population/values?level=region&format=xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert len(book.sheetnames) == 2
    data, meta = book[book.sheetnames[0]], book[book.sheetnames[1]]
    assert [c.value for c in data[1]][:4] == ["code", "name", "value", "status"]
    assert data.max_row == 19  # header + 18 régions
    header = [c.value for c in meta[1]]
    row = dict(zip(header, [c.value for c in meta[2]]))
    assert row["source"].startswith("Insee")
    assert str(row["year"]) == "2017"
    assert row["definition"]


def test_values_geojson_joins_geometry(client):
    response = client.get("/api/v1/indicators/densite_population/values?level=region&format=geojson")
    assert response.status_code == 200
    collection = json.loads(response.data)
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == 18
    feature = next(f for f in collection["features"] if f["properties"]["code"] == "11")
    assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert feature["properties"]["status"] == "ok"
    assert feature["properties"]["value"] > 900  # Île-de-France, about 1,000 inhabitants/km²
    assert collection["metadata"]["year"] == 2017


def test_categorical_values_carry_labels(client):
    response = client.get("/api/v1/indicators/grille_densite/values?level=commune&lang=en")
    rows = {row["code"]: row for row in response.json["values"]}
    assert rows["76458"]["category"] == "4"
    assert rows["76458"]["category_label"] == "Very sparse"
    assert rows["76458"]["value"] is None


@pytest.mark.parametrize("url, status, key, expected", [
    ("/api/v1/indicators/unknown/values?level=region", 404, "valid_indicators", "densite_population"),
    ("/api/v1/indicators/densite_population/values?level=canton", 400, "valid_levels", "commune"),
    ("/api/v1/indicators/densite_population/values", 400, "valid_levels", "region"),
    ("/api/v1/indicators/niveau_de_vie_median/values?level=region", 400, "valid_levels", "commune"),
    ("/api/v1/indicators/densite_population/values?level=region&year=1999", 400, "valid_years", 2017),
    ("/api/v1/indicators/densite_population/values?level=region&year=abc", 400, "valid_years", 2017),
    ("/api/v1/indicators/densite_population/values?level=region&format=pdf", 400, "valid_formats", "geojson"),
    ("/api/v1/indicators/densite_population/values?level=region&format=csv&dialect=x", 400, "valid_dialects", "fr"),
])
def test_invalid_parameters_name_valid_choices(client, url, status, key, expected):
    response = client.get(url)
    assert response.status_code == status
    assert response.is_json
    assert "error" in response.json
    assert expected in response.json[key]


def test_describe_one_indicator(client):
    response = client.get("/api/v1/indicators/taux_de_pauvrete")
    assert response.status_code == 200
    assert response.json["unit"] == "%"
    assert response.json["levels"] == ["commune"]


@pytest.mark.parametrize("level", ["region", "departement"])
def test_geojson_rings_follow_rfc7946(client, level):
    """Exterior rings counter-clockwise, holes clockwise (RFC 7946 §3.1.6)."""
    import shapely
    from shapely.geometry import shape

    response = client.get(f"/api/v1/indicators/densite_population/values?level={level}"
                          "&format=geojson")
    rings = 0
    for feature in json.loads(response.data)["features"]:
        geometry = shape(feature["geometry"])
        for polygon in getattr(geometry, "geoms", [geometry]):
            assert shapely.is_ccw(polygon.exterior), feature["properties"]["code"]
            assert not any(shapely.is_ccw(hole) for hole in polygon.interiors)
            rings += 1
    assert rings >= 18


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_categorical_exports_carry_unit_label(client, lang):
    """A category has no unit: every export writes the unit label, never the key `categorie`."""
    base = f"/api/v1/indicators/grille_densite/values?level=commune&lang={lang}"
    assert client.get(base).json["unit"] == ""
    assert client.get(base).json["unit_key"] == "categorie"
    text = client.get(base + "&format=csv").data.decode("utf-8")
    assert "# unit: \n" in text
    assert "categorie" not in text
    geojson = json.loads(client.get(base + "&format=geojson").data)
    assert geojson["metadata"]["unit"] == ""
    book = openpyxl.load_workbook(io.BytesIO(client.get(base + "&format=xlsx").data))
    meta = book[book.sheetnames[1]]
    row = dict(zip([c.value for c in meta[1]], [c.value for c in meta[2]]))
    assert row["unit"] in ("", None)  # an empty cell reads back as None
    described = client.get(f"/api/v1/indicators/grille_densite?lang={lang}").json
    assert described["unit"] == ""
