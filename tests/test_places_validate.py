"""Placement of crafted records in the real COG 2025 communes (geometry of the real build)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from loaders.places import coordinates
from loaders.places.inputs import finish
from loaders.places.validate import Reference, commune_candidates, place_records


@pytest.fixture(scope="module")
def reference(built_store) -> Reference:
    return Reference(
        territories=pd.read_parquet(built_store / "territories.parquet"),
        crosswalk=pd.read_parquet(built_store / "crosswalk.parquet"),
        communes=gpd.read_parquet(built_store / "geometry" / "commune.parquet"),
        arrondissements=gpd.read_parquet(built_store / "geometry" / "arrondissement_municipal.parquet"),
    )


def records(*rows: dict) -> pd.DataFrame:
    """Reader records from short dicts; `text` is parsed like a "[lat, lon]" cell."""
    frame = pd.DataFrame(list(rows))
    parsed = coordinates.latlon_text_column(frame["text"].astype(object))
    frame = frame.drop(columns="text").join(parsed)
    frame["place_key"] = [f"test_{i}" for i in range(len(frame))]
    frame["domain"] = frame.get("domain", "patrimoine")
    frame["type"] = frame.get("type", "monument_historique")
    frame["row"] = range(2, len(frame) + 2)
    return finish(frame, "test_source", 2021)


def placed_row(placement, name: str) -> pd.Series:
    return placement.places.set_index("name").loc[name]


def test_point_inside_commune_is_ok(reference):
    placement = place_records(records(
        {"name": "Médiathèque", "commune_raw": "01004", "text": "[45.958067, 5.358614]"}), reference)
    row = placed_row(placement, "Médiathèque")
    assert row["commune"] == "01004"
    assert row["location_flag"] == "ok"
    assert row["lon"] == pytest.approx(5.358614)


def test_code_that_lost_its_leading_zero(reference):
    # A spreadsheet stored 01004 as the number 1004.
    placement = place_records(records(
        {"name": "Médiathèque", "commune_raw": "1004", "text": "[45.958067, 5.358614]"}), reference)
    row = placed_row(placement, "Médiathèque")
    assert row["commune"] == "01004"
    assert row["location_flag"] == "ok"


def test_point_on_another_continent_moves_to_commune(reference):
    # The real Clion church (17111) was geocoded to a lake in Québec.
    placement = place_records(records(
        {"name": "Eglise Saint-André", "commune_raw": "17111", "text": "[46.9362073, -74.6689521]"}),
        reference)
    row = placed_row(placement, "Eglise Saint-André")
    assert row["commune"] == "17111"
    assert row["location_flag"] == "moved_to_centroid"
    assert row["source_distance_m"] > 5_000_000
    assert row["source_lon"] == pytest.approx(-74.6689521)
    polygon = reference.commune_geometry.loc["17111"]
    assert shapely.contains(polygon, shapely.Point(row["lon"], row["lat"]))


def test_unparsable_coordinates_use_commune(reference):
    placement = place_records(records(
        {"name": "Archives", "commune_raw": "01053", "text": "[46.2; east]"}), reference)
    row = placed_row(placement, "Archives")
    assert row["coordinate_problem"] == "unparsable"
    assert row["location_flag"] == "no_coordinates_centroid"
    assert shapely.contains(reference.commune_geometry.loc["01053"], shapely.Point(row["lon"], row["lat"]))


def test_point_just_outside_is_near_commune(reference):
    polygon = reference.commune_geometry.loc["01053"]
    west, _, _, _ = polygon.bounds
    inside = shapely.point_on_surface(polygon)
    # 0.005 degree (about 400 m) west of the westernmost point of the commune.
    lon, lat = west - 0.005, shapely.get_y(inside)
    placement = place_records(records(
        {"name": "Chapelle", "commune_raw": "01053", "text": f"[{lat}, {lon}]"}), reference)
    row = placed_row(placement, "Chapelle")
    assert row["commune"] == "01053"
    assert row["location_flag"] == "near_commune"
    assert row["lon"] == pytest.approx(lon)
    assert 0 < row["source_distance_m"] <= reference.tolerance_m


def test_old_code_maps_to_new_commune(reference):
    crosswalk = reference.crosswalk
    merged = crosswalk[crosswalk["change_type"] == "commune_nouvelle"].iloc[0]
    placement = place_records(records(
        {"name": "Lavoir", "commune_raw": str(merged["old_code"]), "text": None}), reference)
    assert placed_row(placement, "Lavoir")["commune"] == merged["new_code"]


def test_arrondissement_code_keeps_arrondissement(reference):
    placement = place_records(records(
        {"name": "Cinéma", "commune_raw": "75108", "text": "[48.869654, 2.306873]"}), reference)
    row = placed_row(placement, "Cinéma")
    assert row["commune"] == "75056"
    assert row["arrondissement"] == "75108"
    assert row["location_flag"] == "ok"


def test_paris_without_arrondissement_gets_it_from_point(reference):
    placement = place_records(records(
        {"name": "Bataclan", "commune_raw": "75056", "text": "[48.86306, 2.370966]"}), reference)
    assert placed_row(placement, "Bataclan")["arrondissement"] == "75111"


def test_no_code_takes_commune_of_point(reference):
    placement = place_records(records(
        {"name": "Musée", "commune_raw": None, "commune_name": "Lyon", "departement_hint": "69",
         "text": "[45.790491, 4.797411]"}), reference)
    row = placed_row(placement, "Musée")
    assert row["commune"] == "69123"
    assert row["location_flag"] == "commune_from_point"


def test_postal_departement_disagrees_then_name_decides(reference):
    # The FRAC operation repeats the Sélestat point for its Reims site.
    placement = place_records(records(
        {"name": "FRAC", "commune_raw": None, "commune_name": "Reims", "departement_hint": "51",
         "text": "[48.254789, 7.449932]"}), reference)
    row = placed_row(placement, "FRAC")
    assert row["commune"] == "51454"
    assert row["location_flag"] == "moved_to_centroid"


def test_collectivite_outre_mer_is_excluded(reference):
    placement = place_records(records(
        {"name": "Bibliothèque Bernheim", "commune_raw": "98818", "text": "[-22.26308, 166.445742]"}),
        reference)
    assert placement.places.empty
    assert placement.excluded["reason"].tolist() == ["outside_atlas"]


def test_nothing_to_place_is_excluded(reference):
    placement = place_records(records(
        {"name": "Festival", "commune_raw": None, "commune_name": None, "text": None}), reference)
    assert placement.excluded["reason"].tolist() == ["no_commune_no_point"]


def test_three_names_on_one_point_are_stacked(reference):
    rows = [{"name": name, "commune_raw": "01053", "text": "[46.20516749999999, 5.2255007]"}
            for name in ("Théâtre", "Eglise Notre-Dame", "Hôtel de ville")]
    rows.append({"name": "Statue", "commune_raw": "01053", "text": "[46.206831, 5.2237578]"})
    placement = place_records(records(*rows), reference)
    flags = placement.places.set_index("name")["location_flag"]
    assert (flags[["Théâtre", "Eglise Notre-Dame", "Hôtel de ville"]] == "stacked").all()
    assert flags["Statue"] == "ok"


def test_several_codes_keep_the_one_with_point(reference):
    # The Martrou transporter bridge spans Rochefort (17299) and Échillais (17146).
    placement = place_records(records(
        {"name": "Pont", "commune_raw": "17299 ; 17146", "text": "[45.9169261, -0.9609158000000001]"}),
        reference)
    row = placed_row(placement, "Pont")
    assert row["commune"] in ("17299", "17146")
    assert row["location_flag"] in ("ok", "near_commune")


def test_candidates_report_invalid_codes(reference):
    candidates = commune_candidates(pd.Series(["65", "01004", "2A004", "97502", "Paris"]), reference)
    status = dict(zip(candidates["raw"], candidates["code_status"]))
    assert status["65"] == "unknown_code"  # a département number, padded to 00065
    assert status["01004"] == "ok"
    assert status["2A004"] == "ok"
    assert status["97502"] == "outside_atlas"
    assert status["Paris"] == "invalid_code"


def test_overseas_collectivite_hint_is_excluded(reference):
    # A library address in Nouméa: no commune code, a postal code of New Caledonia (988).
    placement = place_records(records(
        {"name": "Bibliothèque Bernheim", "commune_raw": None, "commune_name": "Nouméa",
         "departement_hint": "988", "text": "[-22.26308, 166.445742]"}), reference)
    assert placement.excluded["reason"].tolist() == ["outside_atlas"]
