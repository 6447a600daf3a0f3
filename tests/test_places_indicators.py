"""Place indicators: hand-computed values on a small territory, then the real build."""

from __future__ import annotations

import pandas as pd
import pytest

from atlas.catalogue import Catalogue, parse_entry
from loaders.places.catalogue_entries import POPULATION_YEAR, build_entries
from loaders.places.indicators import PlaceIndicators, divide

LEVEL_COLUMNS = ("region", "departement", "zone_emploi", "epci", "aav", "commune")


def territory(code, level, **parents):
    row = {"code": code, "level": level, "name": code}
    row.update({column: parents.get(column) for column in LEVEL_COLUMNS})
    return row


@pytest.fixture()
def territories() -> pd.DataFrame:
    rows = [territory("FR", "france"), territory("R1", "region"),
            territory("D1", "departement", region="R1"), territory("D2", "departement", region="R1")]
    for code, dep in (("C1", "D1"), ("C2", "D1"), ("C3", "D2")):
        rows.append(territory(code, "commune", region="R1", departement=dep, zone_emploi="Z",
                              epci="E", aav="A"))
    rows.append(territory("A1", "arrondissement_municipal", region="R1", departement="D1",
                          commune="C1"))
    for level, code in (("zone_emploi", "Z"), ("epci", "E"), ("aav", "A")):
        rows.append(territory(code, level))
    return pd.DataFrame(rows)


@pytest.fixture()
def catalogue() -> Catalogue:
    wanted = {"lieux_cinema", "lieux_cinema_pour_100000_hab", "population_commune_avec_bibliotheque",
              "part_population_commune_avec_bibliotheque"}
    entries = [parse_entry(e, "lieux.yaml") for e in build_entries() if e["id"] in wanted]
    population = parse_entry({
        "id": "population", "label": {"fr": "Population", "en": "Population"}, "theme": "contexte",
        "unit": "habitants", "definition": {"fr": "p", "en": "p"}, "source": {"fr": "s", "en": "s"},
        "levels": ["france", "region", "departement", "zone_emploi", "epci", "aav", "commune"],
        "aggregation": {"rule": "sum"}}, "test.yaml")
    return Catalogue([population, *entries])


@pytest.fixture()
def places() -> pd.DataFrame:
    return pd.DataFrame({
        "place_id": ["a", "b", "c", "d"],
        "domain": ["cinema", "cinema", "cinema", "livre_lecture"],
        "type": ["cinema_fixe", "cinema_itinerant", "cinema_fixe", "bibliotheque"],
        "commune": ["C1", "C1", "C3", "C2"],
        "arrondissement": ["A1", None, None, None],
    })


@pytest.fixture()
def population() -> pd.DataFrame:
    return pd.DataFrame({"indicator": "population", "level": "commune", "code": ["C1", "C2", "C3"],
                         "year": POPULATION_YEAR, "value": [1000.0, 500.0, None],
                         "status": ["ok", "ok", "missing"], "category": None})


def values_of(frame: pd.DataFrame, indicator: str, level: str) -> dict:
    rows = frame[(frame["indicator"] == indicator) & (frame["level"] == level)]
    return {code: (status, value) for code, status, value in zip(rows["code"], rows["status"], rows["value"])}


def test_counts_fill_zero_and_sum_up(places, territories, catalogue, population):
    values = PlaceIndicators(places, territories, catalogue, population).compute()
    communes = values_of(values, "lieux_cinema", "commune")
    assert communes["C1"] == ("ok", 2.0)
    assert communes["C2"] == ("ok", 0.0)  # no cinema is a count of 0, not missing
    assert communes["C3"] == ("ok", 1.0)
    assert values_of(values, "lieux_cinema", "departement")["D1"] == ("ok", 2.0)
    assert values_of(values, "lieux_cinema", "france")["FR"] == ("ok", 3.0)
    assert values_of(values, "lieux_cinema", "arrondissement_municipal")["A1"] == ("ok", 1.0)


def test_rate_uses_summed_parts(places, territories, catalogue, population):
    values = PlaceIndicators(places, territories, catalogue, population).compute()
    rate = "lieux_cinema_pour_100000_hab"
    assert values_of(values, rate, "commune")["C1"] == ("ok", pytest.approx(200.0))
    assert values_of(values, rate, "commune")["C3"][0] == "missing"  # population missing
    # D1: 2 cinemas for 1,500 inhabitants; C3 (missing population) is left out of FR.
    assert values_of(values, rate, "departement")["D1"][1] == pytest.approx(2 / 1500 * 100000)
    assert values_of(values, rate, "france")["FR"][1] == pytest.approx(2 / 1500 * 100000)
    assert values_of(values, rate, "departement")["D2"][0] == "missing"


def test_library_share_of_population(places, territories, catalogue, population):
    values = PlaceIndicators(places, territories, catalogue, population).compute()
    share = "part_population_commune_avec_bibliotheque"
    assert values_of(values, share, "commune")["C2"] == ("ok", pytest.approx(100.0))
    assert values_of(values, share, "commune")["C1"] == ("ok", pytest.approx(0.0))
    assert values_of(values, share, "departement")["D1"][1] == pytest.approx(500 / 1500 * 100)


def test_every_value_row_is_unique(places, territories, catalogue, population):
    values = PlaceIndicators(places, territories, catalogue, population).compute()
    assert not values.duplicated(["indicator", "level", "code", "year"]).any()
    assert set(values["year"]) == {2021, 2022}


def test_divide_keeps_part_status():
    numerator = pd.DataFrame({"code": ["a", "b", "c"], "value": [1.0, 2.0, 3.0],
                              "status": ["ok", "secret", "ok"]})
    denominator = pd.DataFrame({"code": ["a", "b", "c"], "value": [4.0, 4.0, 0.0],
                                "status": ["ok", "ok", "ok"]})
    result = divide(numerator, denominator, 100).set_index("code")
    assert result.loc["a", "value"] == pytest.approx(25.0)
    assert result.loc["b", "status"] == "secret"
    assert result.loc["c", "status"] == "missing"  # a zero denominator has no rate


# --- the real build -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def built_values(built_store) -> pd.DataFrame:
    path = built_store / "values" / "places.parquet"
    assert path.exists(), "values/places.parquet is missing: run `python -m loaders build`"
    return pd.read_parquet(path)


def test_real_cinema_count_matches_places(built_store, built_values):
    places = pd.read_parquet(built_store / "places.parquet")
    france = values_of(built_values, "lieux_cinema", "france")["FR"]
    assert france == ("ok", float((places["domain"] == "cinema").sum()))
    paris = values_of(built_values, "lieux_cinema", "commune")["75056"][1]
    arrondissements = built_values[(built_values["indicator"] == "lieux_cinema")
                                   & (built_values["level"] == "arrondissement_municipal")
                                   & built_values["code"].str.startswith("751")]
    assert arrondissements["value"].sum() == paris


def test_real_rates_are_plausible(built_values):
    screens = values_of(built_values, "cinemas_ecrans_pour_10000_hab", "france")["FR"][1]
    assert 0.8 < screens < 1.1  # about 6,300 screens for 68 million inhabitants
    share = built_values[built_values["indicator"] == "part_population_commune_avec_bibliotheque"]
    ok = share[share["status"] == "ok"]["value"]
    assert ok.between(0, 100).all()
    assert set(share[share["level"] == "commune"]["value"].dropna().unique()) <= {0.0, 100.0}
