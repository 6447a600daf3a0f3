"""Évolution view on the real build: URL state, series in every mode, table, chart, map, summary.

Figures are checked against the open-data API (`/api/v1/indicators/<id>/values`), which reads
the store through another code path.
"""

from __future__ import annotations

import math
import re

import pytest
from flask import Flask

import api
from atlas import classify, config, store
from atlas.cache import init_cache
from atlas.evolution import annual_rate, change_between
from atlas.evolution_figures import evolution_figures, line_chart
from atlas.evolution_map import change_frame, change_map
from atlas.evolution_params import MAX_TERRITORIES, indicator_years, parse_params, to_query
from atlas.evolution_summary import rank_among_siblings, summarize
from atlas.evolution_view import build_evolution, evolution_table, parent_of, territory_frame
from atlas.i18n import load_messages
from atlas.urlstate import parse_search, build_href

SERIES_IDS = ("population", "musees_frequentation", "festivals_nombre")


@pytest.fixture(scope="module")
def client(built_store):
    store.reset()
    present = set(store.values()["indicator"].astype(str))
    missing = [name for name in SERIES_IDS if name not in present]
    if missing:
        pytest.fail(f"the build has no values for {missing}: run `python -m loaders build`")
    app = Flask(__name__)
    init_cache(app)
    api.register(app)
    return app.test_client()


def api_values(client, indicator: str, level: str, year: int) -> dict[str, dict]:
    response = client.get(f"/api/v1/indicators/{indicator}/values?level={level}&year={year}")
    assert response.status_code == 200, response.json
    return {row["code"]: row for row in response.json["values"]}


# --- URL state -------------------------------------------------------------------------------

def test_params_defaults(client):
    state = parse_params({})
    assert state.indicator == "population"
    assert state.territories == (("france", "FR"),)
    assert (state.start, state.end) == (indicator_years("population")[0], indicator_years("population")[-1])
    assert state.mode == "raw"
    assert state.invalid == ()


def test_params_invalid_values_fall_back(client):
    state = parse_params({"indicator": "nope", "mode": "sideways", "from": "1800", "ref": "parent,moon",
                          "level": "planet", "change": "x", "t": "commune:99999,<b>"})
    assert state.indicator == "population"
    assert state.mode == "raw"
    assert state.start == indicator_years("population")[0]
    assert state.refs == ("parent",)
    assert state.level == "departement"
    assert state.change == "percent"
    assert state.territories == (("france", "FR"),)
    assert set(state.invalid) == {"indicator", "mode", "from", "ref", "level", "change", "t"}


def test_params_keep_first_eight_territories(client):
    codes = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10"]
    state = parse_params({"t": ",".join(f"departement:{code}" for code in codes)})
    assert len(state.territories) == MAX_TERRITORIES
    assert state.territories[-1] == ("departement", "08")
    assert "t" in state.invalid


def test_params_empty_period_resets(client):
    state = parse_params({"from": "2020", "to": "1990"})
    assert (state.start, state.end) == (indicator_years("population")[0], indicator_years("population")[-1])
    assert "to" in state.invalid


def test_params_reject_meaningless_modes(client):
    assert parse_params({"mode": "per_inhabitant"}).mode == "raw"
    assert parse_params({"indicator": "musees_frequentation", "mode": "per_inhabitant"}).mode == "per_inhabitant"
    rate = parse_params({"indicator": "evolution_population_annuelle", "mode": "index"})
    assert rate.mode == "raw"
    assert "mode" in rate.invalid


def test_params_base_inside_period(client):
    state = parse_params({"from": "1962", "to": "2023", "mode": "index", "base": "1954"})
    assert state.base == 1962
    assert "base" in state.invalid
    assert parse_params({"from": "1962", "mode": "index", "base": "1999"}).base == 1999


def test_params_query_round_trip(client):
    query = {"indicator": "musees_frequentation", "t": "commune:75056,departement:13", "from": "2005",
             "to": "2019", "mode": "index", "base": "2010", "ref": "parent,france", "level": "region",
             "change": "absolute", "lang": "en"}
    state = parse_params(query)
    assert state.invalid == ()
    again = parse_params(parse_search(build_href("", to_query(state))))
    assert again == state


# --- Series ----------------------------------------------------------------------------------

def test_territory_frame_keeps_missing_years(client):
    # Corsica has no figure before 1936 in the historical population file.
    frame = territory_frame("population", "commune", "2A004")
    assert list(frame["year"]) == indicator_years("population", "commune")
    early = frame[frame["year"] < 1936]
    assert (early["status"] != "ok").all()
    assert early["value"].isna().all()
    assert frame.loc[frame["year"] == 2023, "value"].iloc[0] > 50_000


def test_raw_series_match_api(client):
    data = build_evolution({"t": "departement:13", "from": "1962", "to": "2023"})
    line = data.territory_lines[0]
    for year in (1962, 1999, 2006, 2023):
        expected = api_values(client, "population", "departement", year)["13"]["value"]
        assert line.frame.loc[line.frame["year"] == year, "measure"].iloc[0] == pytest.approx(expected)


def test_index_base_is_100_and_gaps_stay(client):
    data = build_evolution({"t": "departement:13,commune:2A004", "from": "1876", "to": "2023",
                            "mode": "index", "base": "1936"})
    for line in data.territory_lines:
        frame = line.frame.set_index("year")
        assert frame.loc[1936, "measure"] == pytest.approx(100.0)
        ratio = frame.loc[2023, "value"] / frame.loc[1936, "value"] * 100
        assert frame.loc[2023, "measure"] == pytest.approx(ratio)
    ajaccio = data.territory_lines[1].frame.set_index("year")
    assert math.isnan(ajaccio.loc[1931, "measure"])


def test_index_without_base_value_warns(client):
    data = build_evolution({"t": "commune:2A004", "from": "1876", "mode": "index", "base": "1876"})
    assert data.territory_lines[0].frame["measure"].isna().all()
    assert any("Ajaccio" in warning and "1876" in warning for warning in data.warnings)


def test_annual_change_breaks_and_first_year(client):
    data = build_evolution({"t": "france:FR", "from": "1968", "to": "2023", "mode": "annual_change"})
    frame = data.territory_lines[0].frame.set_index("year")
    first = territory_frame("population", "france", "FR").set_index("year")["value"]
    assert frame.loc[1968, "measure"] == pytest.approx(annual_rate(first[1962], first[1968], 6))
    assert math.isnan(frame.loc[2006, "measure"])
    assert frame.loc[2007, "measure"] == pytest.approx(annual_rate(first[2006], first[2007], 1))
    # No 2018 vintage: the 2019 rate is the average over the two years since 2017.
    assert 2019 not in [item["year"] for item in data.breaks]
    assert frame.loc[2019, "measure"] == pytest.approx(annual_rate(first[2017], first[2019], 2))


def test_per_inhabitant_uses_same_or_nearest_vintage(client):
    data = build_evolution({"indicator": "musees_frequentation", "t": "commune:75056",
                            "from": "2001", "to": "2023", "mode": "per_inhabitant"})
    frame = data.territory_lines[0].frame.set_index("year")
    population = territory_frame("population", "commune", "75056").set_index("year")["value"]
    assert frame.loc[2010, "population_year"] == 2010
    expected = frame.loc[2010, "value"] / population[2010] * data.factor
    assert frame.loc[2010, "measure"] == pytest.approx(expected)
    assert frame.loc[2001, "population_year"] == 1999
    assert frame.loc[2018, "population_year"] == 2017
    assert any("2001" in warning and "2018" in warning for warning in data.warnings)


def test_references_parent_and_france(client):
    assert parent_of("commune", "75056") == ("departement", "75")
    assert parent_of("departement", "13") == ("region", "93")
    assert parent_of("region", "93") is None
    data = build_evolution({"t": "commune:13055,departement:13,france:FR", "ref": "parent,france"})
    keys = [(line.key, line.role) for line in data.lines]
    assert keys == [("commune:13055", "territory"), ("departement:13", "territory"),
                    ("france:FR", "territory"), ("region:93", "parent")]


# --- Table and chart -------------------------------------------------------------------------

def test_table_rows_and_metadata(client):
    table, metadata = evolution_table({"indicator": "musees_frequentation", "t": "departement:13",
                                       "ref": "france", "mode": "per_inhabitant"})
    assert list(table.columns) == ["level", "code", "name", "role", "year", "value", "status", "measure",
                                   "population", "population_year"]
    assert set(table["role"]) == {"territory", "france"}
    years = indicator_years("musees_frequentation", "departement")
    assert len(table[table["code"] == "13"]) == len(years)
    assert metadata[0]["indicator"] == "musees_frequentation"
    assert "2022" in metadata[0]["series_breaks"]
    expected = api_values(client, "musees_frequentation", "departement", 2019)["13"]["value"]
    row = table[(table["code"] == "13") & (table["year"] == 2019)].iloc[0]
    assert row["value"] == pytest.approx(expected)


def test_chart_cuts_lines_at_breaks_and_gaps(client):
    data = build_evolution({"t": "departement:13", "from": "1990", "to": "2023"})
    figure = line_chart(data, "fr")
    trace = figure.data[0]
    points = dict(zip(trace.x, trace.y))
    assert points[2005.5] is None          # break of 2006
    assert points[2018.5] is None          # no 2018 vintage in any source
    assert 2018 not in points
    expected = api_values(client, "population", "departement", 2023)["13"]["value"]
    assert points[2023] == pytest.approx(expected)
    marks = [shape for shape in figure.layout.shapes if shape.x0 == 2005.5]
    assert len(marks) == 1
    assert "\u202f" in trace.text[-1]       # French thousands separator in hover texts


def test_export_figures_carry_title_and_source(client):
    figures = evolution_figures({"t": "departement:13", "mode": "index", "base": "1962", "from": "1962",
                                 "lang": "en"})
    assert len(figures) == 1
    layout = figures[0].layout
    assert "Index, base 100 in 1962" in layout.title.text
    assert any("Source:" in annotation.text for annotation in layout.annotations)


# --- Map and summary -------------------------------------------------------------------------

def test_change_frame_matches_change_between(client):
    frame = change_frame("population", "departement", 1962, 2023).set_index("code")
    for code in ("13", "23", "75", "976"):
        series = territory_frame("population", "departement", code).set_index("year")["value"]
        expected = change_between(series, 1962, 2023)
        row = frame.loc[code]
        if expected.percent is None:
            assert math.isnan(row["percent"])
        else:
            assert row["percent"] == pytest.approx(expected.percent)
            assert row["absolute"] == pytest.approx(expected.absolute)


def test_change_map_classes_and_statuses(client):
    state = parse_params({"t": "departement:13", "from": "1962", "to": "2023"})
    result = change_map(state)
    hideout = result.hideout
    assert len(hideout["classes"]) == len(store.territories_of("departement"))
    assert len(hideout["colors"]) == len(result.legend)
    assert hideout["selected"] == ["13"]

    # Mayotte has no population before 2019: no class, its status, a status label.
    assert hideout["classes"]["976"] == -1
    assert hideout["statusLabels"][0] == "donnée non disponible"
    assert hideout["statusFill"][0] == classify.STATUS_STYLES["missing"]["fill"]
    assert "976" not in hideout["labels"]
    assert result.status_legend[0]["status"] == "missing"
    assert result.status_legend[0]["count"] == 1

    # Creuse lost population since 1962: a class on the decrease side, purple in PuOr.
    creuse = hideout["classes"]["23"]
    lower, upper = result.legend[creuse]["label"].split(" à ")
    assert lower.startswith("\u2212")
    assert upper.startswith("\u2212")
    assert hideout["labels"]["23"].startswith("\u2212")

    counts = sum(entry["count"] for entry in result.legend)
    assert counts == sum(1 for value in hideout["classes"].values() if value >= 0)
    assert "1962 : " in hideout["labels"]["13"]

    # No class mixes decreases and increases, and decreases take the cool (purple) side.
    for entry in result.legend:
        low, high = entry["label"].split(" à ")
        assert low.startswith("\u2212") == high.startswith("\u2212")
    decreasing = [cls for code, cls in hideout["classes"].items()
                  if cls >= 0 and hideout["labels"][code].startswith("\u2212")]
    below = sum(1 for entry in result.legend if entry["label"].startswith("\u2212"))
    half = max(below, len(result.legend) - below)
    full = classify.palette("PuOr", 2 * half + 1, "diverging")
    assert {hideout["colors"][cls] for cls in decreasing} <= set(full[:half])
    assert hideout["colors"][creuse] in full[:half]


def test_summary_numbers_match_api(client):
    data = build_evolution({"t": "departement:13", "from": "1962", "to": "2023"})
    text = " ".join(summarize(data, "fr")[0]["sentences"])
    first = api_values(client, "population", "departement", 1962)
    last = api_values(client, "population", "departement", 2023)
    percent = (last["13"]["value"] / first["13"]["value"] - 1) * 100
    assert f"{percent:.1f}".replace(".", ",") in text
    siblings = store.territories_of("departement")
    codes = siblings.loc[siblings["region"] == "93", "code"]
    changes = {code: last[code]["value"] / first[code]["value"] - 1 for code in codes}
    rank = 1 + sum(1 for value in changes.values() if value > changes["13"])
    ranking = rank_among_siblings(data, data.territory_lines[0], 1962, 2023)
    assert ranking["rank"] == rank
    assert ranking["count"] == len(codes)
    assert f"sur {len(codes)} départements de la région Provence-Alpes-Côte d'Azur" in text
    assert "Maximum en 2023" in text
    assert "Rupture de série en 2006" in text


def test_summary_in_english(client):
    data = build_evolution({"t": "region:84", "from": "1962", "to": "2023", "lang": "en"})
    text = " ".join(summarize(data, "en")[0]["sentences"])
    assert text.startswith("Auvergne-Rhône-Alpes: ")
    assert re.search(r"ranked \d+(st|nd|rd|th) of \d+ regions", text)
    assert "inhabitants in 1962" in text


# --- Messages --------------------------------------------------------------------------------

def test_every_evolution_message_key_exists():
    keys = set(load_messages())
    used = set()
    for path in ["atlas/evolution_view.py", "atlas/evolution_figures.py", "atlas/evolution_map.py",
                 "atlas/evolution_summary.py", "callbacks/evolution.py", "layouts/evolution.py"]:
        used |= set(re.findall(r"\"(evolution\.[a-z_]+)\"", (config.REPO_DIR / path).read_text()))
    assert used
    assert sorted(used - keys) == []


def test_percent_indicator_changes_in_points(client):
    state = parse_params({"indicator": "evolution_population_annuelle", "t": "departement:13",
                          "change": "percent"})
    assert state.change == "absolute"
    assert "change" in state.invalid
    text = " ".join(summarize(build_evolution(state), "fr")[0]["sentences"])
    assert " pt." in text
    assert "%\u00a0(" not in text
    result = change_map(state)
    assert all(label.split("\n")[0].endswith(" pt") for label in result.hideout["labels"].values())
