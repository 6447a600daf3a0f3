"""Map page: URL state, payloads aligned to the geometry, ranking, panel and callbacks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import app  # noqa: F401  (registers the pages, so the callback module can be imported)
from atlas import config, store
from atlas.catalogue import load_catalogue
from atlas.classify import classify
from atlas.geo import read_client_geojson
from atlas.mapdata import (
    STATUS_CODES, class_string, geometry_source, level_frame, payload_for, ranking,
    rounded_values, table_rows, territory_summary,
)
from atlas.mapplaces import layer_specs, popup_rows
from atlas.mapstate import (
    BreaksInputError, MapState, default_indicator, map_indicators, map_levels, parse_breaks_text,
    parse_state, state_query,
)

pytestmark = pytest.mark.usefixtures("built_store")


@pytest.fixture(scope="module")
def default_state() -> MapState:
    state = parse_state({})
    assert state is not None, "no catalogue indicator has values: build the data first"
    return state


def _numeric_indicator_with(level: str):
    for indicator in map_indicators():
        if not indicator.is_categorical and level in map_levels(indicator):
            return indicator
    pytest.fail(f"no numeric indicator with values at level {level}")


def _categorical_indicator():
    for indicator in map_indicators():
        if indicator.is_categorical:
            return indicator
    return None


def test_default_is_spending_per_inhabitant(default_state):
    indicator = load_catalogue().get(default_state.indicator)
    assert indicator.theme == "depenses_publiques"
    assert indicator.unit == "euros_par_habitant"
    assert default_state.level == "departement"
    assert default_state.year == store.indicator_years(indicator.id, "departement")[-1]
    assert default_state.invalid == ()


def test_default_indicator_prefers_theme_unit_level():
    indicators = map_indicators()
    chosen = default_indicator(indicators)
    assert chosen is not None
    assert default_indicator(list(reversed(indicators))).theme == chosen.theme
    assert default_indicator([]) is None


@pytest.mark.parametrize("params,name", [
    ({"indicator": "unknown"}, "indicator"),
    ({"level": "../../etc/passwd"}, "level"),
    ({"year": "abc"}, "year"),
    ({"code": "<script>alert(1)</script>"}, "code"),
    ({"indicator": "x" * 10_000}, "indicator"),
    ({"method": "magic"}, "method"),
    ({"k": "12"}, "k"),
    ({"palette": "Spectral"}, "palette"),
    ({"method": "manual", "breaks": "5,3"}, "breaks"),
    ({"places": "museums,nope"}, "places"),
    ({"view": "46,2,99"}, "view"),
    ({"scope": "departement:34"}, "scope"),  # a scope is only valid at commune level
])
def test_invalid_parameter_falls_back(default_state, params, name):
    state = parse_state(params)
    assert name in state.invalid
    assert state.indicator in {i.id for i in map_indicators()}
    assert state.level in map_levels(load_catalogue().get(state.indicator))
    assert state.year in store.indicator_years(state.indicator, state.level)


def test_all_bad_parameters_at_once(default_state):
    state = parse_state({"indicator": "unknown", "level": "../../etc/passwd", "year": "abc",
                         "code": "<script>alert(1)</script>"})
    assert set(state.invalid) == {"indicator", "level", "year", "code"}
    assert state.indicator == default_state.indicator
    assert state.code is None


def test_state_round_trips_through_query(default_state):
    indicator = _numeric_indicator_with("commune")
    years = store.indicator_years(indicator.id, "commune")
    state = parse_state({"indicator": indicator.id, "level": "commune", "year": str(years[0]),
                         "method": "manual", "breaks": "10,20.5,50", "scope": "departement:34",
                         "code": "34172", "places": "cinema,musee_de_france", "view": "43.6,3.9,9",
                         "lang": "en"})
    assert state.invalid == ()
    assert state.breaks == (10.0, 20.5, 50.0)
    again = parse_state({key: str(value) if not isinstance(value, list) else ",".join(value)
                         for key, value in state_query(state).items() if value not in (None, [], "")})
    assert again == state


def test_code_outside_scope_is_dropped():
    indicator = _numeric_indicator_with("commune")
    state = parse_state({"indicator": indicator.id, "level": "commune", "scope": "departement:34",
                         "code": "75056"})
    assert state.code is None


def test_geometry_source_for_scopes():
    assert geometry_source("departement", None).name == "departement"
    assert geometry_source("commune", "departement:2A").name == "commune-2A"
    region = geometry_source("commune", "region:76")
    assert region.name == "commune"
    assert "34" in region.departements
    assert "75" not in region.departements
    assert region.key.startswith("commune:")
    assert geometry_source("departement", "departement:34").name == "departement"


@pytest.mark.parametrize("level", ["region", "departement", "commune"])
def test_payload_aligned_to_geometry_features(level):
    indicator = _numeric_indicator_with(level)
    state = parse_state({"indicator": indicator.id, "level": level})
    payload = payload_for(state).data
    features = read_client_geojson(level)["features"]
    codes = [feature["properties"]["code"] for feature in features]
    frame = level_frame(indicator.id, level, state.year)
    assert payload["n"] == len(codes) == len(payload["classes"]) == len(payload["values"].split(","))
    assert frame["code"].tolist() == codes
    assert payload["key"] == level


def test_payload_classes_match_classification():
    indicator = _numeric_indicator_with("departement")
    state = parse_state({"indicator": indicator.id, "level": "departement", "method": "jenks", "k": "4"})
    payload = payload_for(state)
    frame = level_frame(indicator.id, "departement", state.year)
    ok = (frame["status"] == "ok").to_numpy()
    values = frame["value"].where(frame["status"] == "ok").to_numpy(dtype=float, na_value=np.nan)
    expected = classify(values, "jenks", 4)
    letters = payload.data["classes"]
    for position, char in enumerate(letters):
        if ok[position]:
            assert ord(char) - 48 == expected.classes[position]
        else:
            assert char == STATUS_CODES[frame["status"].iloc[position]]
    counts = [entry["count"] for entry in payload.legend["entries"]]
    assert counts == list(expected.counts)
    assert sum(counts) == int(ok.sum())
    assert len(payload.data["colors"]) == expected.k
    assert sum(entry["count"] for entry in payload.legend["statuses"]) == int((~ok).sum())


def test_payload_of_commune_scope_is_restricted():
    indicator = _numeric_indicator_with("commune")
    state = parse_state({"indicator": indicator.id, "level": "commune", "scope": "departement:34"})
    payload = payload_for(state).data
    communes = store.territories_of("commune")
    assert payload["n"] == int((communes["departement"] == "34").sum())
    assert payload["key"] == "commune-34"


def test_categorical_payload_uses_catalogue_colours():
    indicator = _categorical_indicator()
    if indicator is None:
        pytest.skip("no categorical indicator has values in this build")
    level = map_levels(indicator)[0]
    state = parse_state({"indicator": indicator.id, "level": level})
    payload = payload_for(state)
    assert payload.data["categorical"] is True
    assert payload.data["colors"] == [str(c.get("color") or "#999999") for c in indicator.categories]
    assert [e["label"] for e in payload.legend["entries"]] == [c["label"][state.lang] for c in indicator.categories]
    assert payload.legend["method"] == ""


def test_class_string_encodes_statuses():
    classes = np.array([0, 2, -1, -1, 1, -1])
    statuses = pd.Series(["ok", "ok", "secret", "missing", "ok", "not_published"])
    assert class_string(classes, statuses) == "02sm1p"
    assert class_string(np.array([-1]), pd.Series(["not_applicable"])) == "n"


def test_rounded_values_text():
    assert rounded_values(np.array([1.26, np.nan, 3.0]), 0) == "1,,3"
    assert rounded_values(np.array([1.26, np.nan, -0.04]), 1) == "1.3,,-0.0"
    assert rounded_values(np.array([2.5, 3.0]), 2) == "2.50,3.00"


def test_ranking_ties_and_statuses():
    frame = pd.DataFrame({"code": ["a", "b", "c", "d"], "name": list("abcd"),
                          "value": [5.0, 9.0, 5.0, None], "status": ["ok", "ok", "ok", "secret"],
                          "category": [None] * 4})
    ranks = ranking(frame)["rank"].tolist()
    assert ranks[:3] == [2, 1, 2]
    assert pd.isna(ranks[3])


def test_table_rows_sort_and_page():
    indicator = _numeric_indicator_with("departement")
    year = store.indicator_years(indicator.id, "departement")[-1]
    frame = level_frame(indicator.id, "departement", year)
    rows, pages = table_rows(indicator, frame, "fr", "rank", True, 0, 20)
    assert pages == -(-len(frame) // 20)
    assert rows[0]["rank"] == 1
    ranks = [row["rank"] for row in rows if row["rank"] != ""]
    assert ranks == sorted(ranks)
    by_name, _ = table_rows(indicator, frame, "fr", "name", False, 0, 20)
    assert by_name[0]["name"] >= by_name[1]["name"]
    last, _ = table_rows(indicator, frame, "fr", "rank", True, pages + 5, 20)
    assert last, "a page past the end shows the last page"


def test_table_shows_status_labels():
    indicator = _numeric_indicator_with("departement")
    frame = pd.DataFrame({"code": ["01", "02"], "name": ["Ain", "Aisne"], "value": [1234.5, None],
                          "status": ["ok", "secret"], "category": [None, None]})
    rows, _ = table_rows(indicator, frame, "fr", "rank", True, 0, 20)
    assert rows[1]["value"] == "secret statistique"
    assert rows[1]["rank"] == ""
    assert "1\u202f23" in rows[0]["value"]


def test_territory_summary_lists_parents_and_france():
    indicator = _numeric_indicator_with("departement")
    year = store.indicator_years(indicator.id, "departement")[-1]
    summary = territory_summary(indicator, "departement", "34", year, "fr")
    assert summary["name"] == "Hérault"
    levels = [parent["level"] for parent in summary["parents"]]
    assert levels[-1] == "france"
    if "region" in indicator.levels:
        assert "region" in levels
    assert territory_summary(indicator, "departement", "ZZ", year, "fr") is None


def test_parse_breaks_text():
    assert parse_breaks_text("10 ; 20,5 ; 50") == (10.0, 20.5, 50.0)
    assert parse_breaks_text("−3; 0; 3") == (-3.0, 0.0, 3.0)
    with pytest.raises(BreaksInputError) as error:
        parse_breaks_text("10 ; abc")
    assert error.value.reason == "carte.breaks_reason_number"
    with pytest.raises(BreaksInputError):
        parse_breaks_text("5 ; 3")
    with pytest.raises(BreaksInputError):
        parse_breaks_text("")


def test_place_layers_and_popup():
    specs = layer_specs(["cinema", "musee_de_france", "unknown"], "fr")
    assert [spec["id"] for spec in specs] == ["cinema", "musee_de_france"]
    assert specs[0]["column"] == "domain"
    assert specs[1]["column"] == "type"
    rows = popup_rows({"type": "cinema", "address": "1 rue X", "postal_code": "34000",
                       "commune_name": "Montpellier", "screens": 8.0, "seats": 1234.0,
                       "location_flag": "moved_to_centroid", "label": None}, "fr")
    labels = dict(rows)
    assert labels["Adresse"] == "1 rue X 34000 Montpellier"
    assert labels["Écrans"] == "8"
    assert labels["Fauteuils"] == "1\u202f234"
    assert "Localisation" in labels


def test_payload_callback_sends_no_geometry():
    from callbacks.carte import update_view

    indicator = _numeric_indicator_with("commune")
    year = store.indicator_years(indicator.id, "commune")[-1]
    result = update_view(indicator.id, "commune", year, None, "quantiles", 5, "", None, None, None, "fr")
    data = result[11]
    assert set(data) >= {"key", "n", "classes", "values", "colors"}
    assert "geometry" not in str(data)[:2000]
    assert data["n"] == len(store.territories_of("commune"))


def test_payload_callback_manual_breaks():
    from callbacks.carte import update_view

    indicator = _numeric_indicator_with("departement")
    year = store.indicator_years(indicator.id, "departement")[-1]
    filled = update_view(indicator.id, "departement", year, None, "manual", 4, "", None, None, None, "fr")
    assert filled[17].count(";") == 2  # four classes: three breaks
    assert filled[18] is True
    assert filled[19] is False
    rejected = update_view(indicator.id, "departement", year, None, "manual", 4, "9 ; 2", None, None, None, "fr")
    assert "croissantes" in str(rejected[16])


def test_search_callback_switches_level_and_selects():
    from callbacks.carte import select_searched

    indicator = _numeric_indicator_with("commune")
    level_out, scope_out, code, zoom, message = select_searched("commune:34172", indicator.id, "departement",
                                                                None, "fr")
    assert level_out == "commune"
    assert code == "34172"
    assert zoom["code"] == "34172"
    assert message is None


def test_search_of_unpublished_level_selects_parent():
    from callbacks.carte import select_searched

    indicator = next((i for i in map_indicators() if "commune" not in map_levels(i)
                      and "departement" in map_levels(i)), None)
    if indicator is None:
        pytest.skip("every indicator is published at commune level in this build")
    level_out, _, code, _, message = select_searched("commune:34172", indicator.id, "departement", None, "fr")
    assert code == "34"
    assert "Hérault" in str(message)


def test_panel_callback_links():
    from callbacks.carte import update_panel

    indicator = _numeric_indicator_with("departement")
    year = store.indicator_years(indicator.id, "departement")[-1]
    children = update_panel("34", "", indicator.id, "departement", year, None, "fr")
    text = str(children)
    assert "/portrait/departement/34" in text
    assert "/comparer?t=departement%3A34" in text
    assert "/evolution?indicator=" in text
    empty = update_panel(None, "", indicator.id, "departement", year, None, "fr")
    assert "Cliquez" in str(empty)


def test_map_levels_are_map_levels():
    for indicator in map_indicators():
        assert set(map_levels(indicator)) <= set(config.MAP_LEVELS)


def test_bad_link_logs_one_line(caplog):
    with caplog.at_level("WARNING"):
        parse_state({"indicator": "unknown", "level": "../../etc/passwd", "year": "abc",
                     "code": "<script>alert(1)</script>"})
    lines = [record for record in caplog.records if "invalid URL parameter" in record.getMessage()]
    assert len(lines) == 1
    assert "indicator" in lines[0].getMessage()
    assert "code" in lines[0].getMessage()


def test_indicator_menu_offers_only_mappable_indicators():
    from layouts.carte import cached_indicator_options

    options = cached_indicator_options("fr", store.build_stamp())
    offered = [option["value"] for option in options if not option.get("disabled")]
    assert set(offered) == {indicator.id for indicator in map_indicators()}
    headings = [position for position, option in enumerate(options) if option.get("disabled")]
    assert all(position + 1 < len(options) and not options[position + 1].get("disabled")
               for position in headings)
