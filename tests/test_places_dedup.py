"""Merging repeated rows and the records of two sources that describe the same places."""

from __future__ import annotations

import pandas as pd

from loaders.places.dedup import merge_sources
from loaders.places.inputs import finish


def placed(source: str, rows: list[dict]) -> pd.DataFrame:
    """Placed records of one source (reader columns plus the placement columns)."""
    frame = pd.DataFrame(rows)
    frame["row"] = range(2, len(frame) + 2)
    frame = finish(frame, source, 2022)
    extra = pd.DataFrame(rows)
    for column in ("commune", "arrondissement", "lon", "lat", "location_flag", "source_distance_m"):
        frame[column] = extra[column] if column in extra else None
    return frame


def cinema(key: str, name: str, commune: str, flag: str = "ok", **fields) -> dict:
    return {"place_key": f"cine_cnc-{key}", "source_id": key, "match_key": key, "name": name,
            "domain": "cinema", "type": "cinema_fixe", "commune": commune, "lon": 2.0, "lat": 48.0,
            "location_flag": flag, **fields}


def test_key_match_keeps_both_sources():
    places = pd.concat([
        placed("cnc_cinemas", [cinema("54", "GAUMONT MARIGNAN", "75056", admissions=206777.0)]),
        placed("deps_cinemas", [cinema("54", "Gaumont Marignan", "75056", seats=1597.0)]),
    ], ignore_index=True)
    result = merge_sources(places).places
    assert len(result) == 1
    row = result.iloc[0]
    assert row["sources"] == "cnc_cinemas;deps_cinemas"
    assert row["source_ids"] == "54;54"
    assert row["name"] == "GAUMONT MARIGNAN"  # the primary source's name
    assert row["admissions"] == 206777
    assert row["seats"] == 1597  # filled from the secondary source


def test_better_location_wins():
    places = pd.concat([
        placed("museofile", [{"place_key": "musee_M1", "source_id": "M1", "match_key": "M1",
                              "name": "musée", "domain": "musees", "type": "musee_de_france",
                              "commune": "69123", "lon": 4.0, "lat": 45.0,
                              "location_flag": "commune_from_point"}]),
        placed("musees_liste_officielle", [{"place_key": "musee_M1", "source_id": "M1",
                                            "match_key": "M1", "name": "musée", "domain": "musees",
                                            "type": "musee_de_france", "commune": "69266",
                                            "lon": 4.1, "lat": 45.1, "location_flag": "ok"}]),
    ], ignore_index=True)
    row = merge_sources(places).places.iloc[0]
    assert row["commune"] == "69266"
    assert row["lon"] == 4.1
    assert row["location_flag"] == "ok"
    assert row["sources"] == "museofile;musees_liste_officielle"


def test_name_match_without_key():
    places = pd.concat([
        placed("olp_bibliotheques", [{"place_key": "bib_LI1", "source_id": "LI1", "match_key": "LI1",
                                      "name": "Médiathèque La Grenette", "domain": "livre_lecture",
                                      "type": "bibliotheque", "commune": "01004", "lon": 5.3,
                                      "lat": 45.9, "location_flag": "commune_from_point"}]),
        placed("deps_bibliotheques", [{"place_key": "bib_LI999", "source_id": "BIBL_01004_0001",
                                       "match_key": "LI999", "name": "MEDIATHEQUE LA GRENETTE",
                                       "domain": "livre_lecture", "type": "bibliotheque",
                                       "commune": "01004", "lon": 5.3, "lat": 45.9,
                                       "location_flag": "ok", "surface_m2": 757.0}]),
    ], ignore_index=True)
    result = merge_sources(places)
    assert len(result.places) == 1
    assert result.places.iloc[0]["surface_m2"] == 757
    pair = result.facts["pairs"][("olp_bibliotheques", "deps_bibliotheques")]
    assert pair["matched_by_commune_and_name"] == 1
    assert pair["matched_by_key"] == 0


def test_unmatched_superseded_cinema_is_dropped():
    places = pd.concat([
        placed("cnc_cinemas", [cinema("1", "REX", "01004")]),
        placed("deps_cinemas", [cinema("2", "CASINO", "01053")]),
    ], ignore_index=True)
    result = merge_sources(places)
    assert result.places["name"].tolist() == ["REX"]
    assert result.facts["pairs"][("cnc_cinemas", "deps_cinemas")]["secondary_only"] == 1


def test_unmatched_library_is_kept():
    places = pd.concat([
        placed("olp_bibliotheques", [{"place_key": "bib_LI1", "source_id": "LI1", "match_key": "LI1",
                                      "name": "A", "domain": "livre_lecture", "type": "bibliotheque",
                                      "commune": "01004", "lon": 5.0, "lat": 45.0, "location_flag": "ok"}]),
        placed("deps_bibliotheques", [{"place_key": "bib_LI2", "source_id": "X", "match_key": "LI2",
                                       "name": "B", "domain": "livre_lecture", "type": "bibliotheque",
                                       "commune": "01053", "lon": 5.2, "lat": 46.2, "location_flag": "ok"}]),
    ], ignore_index=True)
    assert sorted(merge_sources(places).places["name"]) == ["A", "B"]


def test_repeated_row_is_dropped_but_twin_operation_kept():
    row = {"place_key": "pdr_1", "name": "Notre-Dame", "domain": "plan_de_relance",
           "type": "pdr_cathedrales", "commune": "51454", "lon": 4.03, "lat": 49.25,
           "location_flag": "ok", "operation": "Couvertures", "amount_eur": 1_200_000.0}
    twin = {**row, "place_key": "pdr_2", "operation": "Vitraux", "amount_eur": 300_000.0}
    repeated = {**row, "place_key": "pdr_3"}
    result = merge_sources(placed("deps_plan_relance", [row, twin, repeated]))
    assert len(result.places) == 2
    assert result.facts["repeated_rows"] == {"deps_plan_relance": 1}


def test_repeated_secondary_key_folds_into_one_place():
    museum = {"source_id": "M7042", "match_key": "M7042", "domain": "musees",
              "type": "musee_de_france", "commune": "69123", "lon": 4.81, "lat": 45.73,
              "location_flag": "ok"}
    places = pd.concat([
        placed("museofile", [{**museum, "place_key": "musee_M7042",
                              "name": "musée des Confluences ; musée Guimet"}]),
        placed("musees_liste_officielle", [
            {**museum, "place_key": "musee_M7042_a", "name": "musée des Confluences"},
            {**museum, "place_key": "musee_M7042_b", "name": "musée Guimet"}]),
    ], ignore_index=True)
    result = merge_sources(places)
    assert result.places["place_key"].tolist() == ["musee_M7042"]
    assert result.places.iloc[0]["sources"] == "museofile;musees_liste_officielle"
    pair = result.facts["pairs"][("museofile", "musees_liste_officielle")]
    assert pair["secondary_rows_folded"] == 1
    assert pair["matched_by_key"] == 1
