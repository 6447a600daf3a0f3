"""The built places layer: column contract, counts checked against the raw files, positions."""

from __future__ import annotations

import csv

import geobuf
import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely

from atlas import config, geo
from atlas.places import CENTROID_FLAGS, LOCATION_FLAGS, PLACE_COLUMNS, TYPE_DOMAIN

RAW = config.RAW_DIR


@pytest.fixture(scope="module")
def places(built_store) -> pd.DataFrame:
    path = built_store / "places.parquet"
    assert path.exists(), "places.parquet is missing: run `python -m loaders build`"
    return pd.read_parquet(path)


@pytest.fixture(scope="module")
def communes(built_store) -> gpd.GeoSeries:
    frame = gpd.read_parquet(built_store / "geometry" / "commune.parquet")
    return gpd.GeoSeries(frame.geometry.values, index=frame["code"].values)


def test_columns_follow_contract(places):
    assert list(places.columns) == list(PLACE_COLUMNS)
    assert places["place_id"].is_unique
    assert places["type"].map(TYPE_DOMAIN).eq(places["domain"]).all()
    assert places["location_flag"].isin(LOCATION_FLAGS).all()


def test_every_place_in_a_2025_commune(places, built_store):
    territories = pd.read_parquet(built_store / "territories.parquet")
    communes = set(territories.loc[territories["level"] == "commune", "code"])
    assert places["commune"].isin(communes).all()
    assert places["departement"].notna().all()
    in_cities = places["commune"].isin(["75056", "69123", "13055"])
    assert places.loc[~in_cities, "arrondissement"].isna().all()
    assert places.loc[in_cities, "arrondissement"].notna().mean() > 0.95


def test_coordinates_are_wgs84(places):
    assert places["lon"].notna().all()
    assert places["lat"].notna().all()
    assert places["lon"].between(-62, 56).all()  # Guadeloupe to La Réunion
    assert places["lat"].between(-22, 52).all()


def test_cinema_count_matches_cnc_file(places):
    with open(RAW / "cinema" / "etablissements-cinematographiques.csv", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    cinemas = places[places["domain"] == "cinema"]
    # Every active cinema of 2022 is placed; the older Deps list only adds a second source.
    assert len(cinemas) == len(rows) == 2061
    assert cinemas["screens"].sum() == sum(float(r["écrans"]) for r in rows)
    merged = cinemas["sources"].str.contains("deps_cinemas")
    assert merged.sum() > 1900


def test_zenith_count_matches_basilic(places):
    workbook = openpyxl.load_workbook(
        RAW / "deps-atlas" / "lieux" / "Basilic - Base des lieux culturels (28012021).xlsx",
        read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    column = rows[0].index("Equipement")
    zeniths = sum(1 for row in rows[1:] if row[column] == "Zénith")
    assert (places["type"] == "zenith").sum() == zeniths == 17


def test_museums_merge_both_lists(places):
    with open(RAW / "musees" / "museofile.csv", encoding="utf-8") as handle:
        museofile = {r["Identifiant"] for r in csv.DictReader(handle, delimiter="|")}
    with open(RAW / "musees" / "liste-officielle-museesdf-20220127-data.csv", encoding="utf-8-sig") as handle:
        official = {r["Identifiant Muséofile"] for r in csv.DictReader(handle, delimiter=";")}
    museums = places[places["domain"] == "musees"]
    ids = museums["source_ids"].str.split(";").map(set)
    # One museum per Muséofile id; M1071 (Saint-Pierre-et-Miquelon) is outside the atlas.
    assert len(museums) == len(museofile | official) - 1
    assert ids.map(len).eq(1).all()
    assert (museums["sources"] == "museofile;musees_liste_officielle").sum() == len(museofile & official) - 1


def test_monument_geocoded_abroad_is_moved(places, communes):
    church = places[(places["name"] == "Eglise Saint-André") & (places["commune"] == "17111")].iloc[0]
    assert church["location_flag"] == "moved_to_centroid"
    assert church["source_lon"] == pytest.approx(-74.6689521)
    assert shapely.contains(communes.loc["17111"], shapely.Point(church["lon"], church["lat"]))


def test_points_kept_lie_in_or_near_commune(places, communes):
    kept = places[places["location_flag"] == "ok"].sample(2000, random_state=1)
    inside = shapely.contains(communes.reindex(kept["commune"]).values,
                              shapely.points(kept["lon"].values, kept["lat"].values))
    assert inside.all()
    near = places[places["location_flag"] == "near_commune"]
    assert (near["source_distance_m"] <= 1000).all()


def test_stand_in_points_lie_in_commune(places, communes):
    moved = places[places["location_flag"].isin(CENTROID_FLAGS) & places["arrondissement"].isna()]
    inside = shapely.contains(communes.reindex(moved["commune"]).values,
                              shapely.points(moved["lon"].values, moved["lat"].values))
    assert inside.all()


def test_overseas_points_moved_to_insets(places):
    reunion = places[places["departement"] == "974"]
    assert len(reunion) > 50
    assert (reunion["display_lon"] < -5).all()  # the insets lie west of Brittany
    expected_lon, expected_lat = geo.to_display(reunion["lon"], reunion["lat"], "974")
    assert reunion["display_lon"].to_numpy() == pytest.approx(expected_lon)
    assert reunion["display_lat"].to_numpy() == pytest.approx(expected_lat)
    metropole = places[places["departement"] == "75"]
    assert (metropole["display_lon"] == metropole["lon"]).all()


def test_client_file_has_every_point(places, built_store):
    collection = geobuf.decode((built_store / "client" / "places.pbf").read_bytes())
    features = collection["features"]
    assert len(features) == len(places)
    first = features[0]
    assert set(first["properties"]) <= {"id", "domain", "type", "name", "approximate"}
    by_id = places.set_index("place_id")
    row = by_id.loc[first["properties"]["id"]]
    assert first["geometry"]["coordinates"] == pytest.approx([row["display_lon"], row["display_lat"]], abs=1e-5)


def test_quality_report_counts_flags(built_store):
    report = (built_store / "quality" / "places.md").read_text(encoding="utf-8")
    assert "moved_to_centroid" in report
    assert "another continent" in report
    assert "cnc_cinemas + deps_cinemas" in report
