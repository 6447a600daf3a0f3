"""Which territories a comparison shows: containers, common parent, similar territories."""

from __future__ import annotations

import pandas as pd
import pytest

from atlas import store
from atlas.compare_selection import (common_parent, containers, member_containers, parents_to_add,
                                     similar_territories)


@pytest.fixture(scope="module")
def territories(built_store):
    return store.territories()


def test_commune_containers(territories):
    assert containers(territories, "commune", "69123") == {"epci": "200046977", "departement": "69",
                                                          "region": "84"}


def test_epci_across_departements_has_no_departement(territories):
    # The Métropole du Grand Paris covers Paris and the three départements around it.
    assert containers(territories, "epci", "200054781") == {"region": "11"}


def test_member_containers_of_epci(territories):
    grouping = member_containers(territories, "epci")
    assert grouping.loc["200046977", "departement"] == "69"
    assert pd.isna(grouping.loc["200054781", "departement"])


def test_unknown_territory_has_no_container(territories):
    assert containers(territories, "commune", "00000") == {}


def test_common_parent_of_commune_chain_is_the_region(territories):
    chain = [("commune", "75056"), ("epci", "200054781"), ("departement", "75"), ("region", "11")]
    assert common_parent(territories, chain) == ("region", "11")


def test_common_parent_of_two_communes_is_their_epci(territories):
    assert common_parent(territories, [("commune", "69123"), ("commune", "69266")]) == ("epci", "200046977")


def test_common_parent_across_departements(territories):
    # Lyon (Rhône) and Grenoble (Isère) share only their région.
    assert common_parent(territories, [("commune", "69123"), ("commune", "38185")]) == ("region", "84")


def test_no_common_parent_across_regions(territories):
    assert common_parent(territories, [("commune", "69123"), ("commune", "75056")]) is None
    assert common_parent(territories, []) is None
    assert common_parent(territories, [("france", "FR")]) is None


def test_parents_to_add_smallest_first(territories):
    assert parents_to_add(territories, "commune", "69123") == [("epci", "200046977"), ("departement", "69"),
                                                                ("region", "84")]
    assert parents_to_add(territories, "departement", "69") == [("region", "84")]
    assert parents_to_add(territories, "region", "84") == []


def _population(rows):
    return pd.DataFrame(rows, columns=["code", "value", "status"])


def test_similar_territories_closest_population_same_departement(territories):
    population = _population([
        ("69123", 520_000.0, "ok"), ("69266", 150_000.0, "ok"), ("69259", 65_000.0, "ok"),
        ("69029", 40_000.0, "ok"), ("69290", 25_000.0, "ok"),
        ("38185", 160_000.0, "ok"),  # Grenoble: closer in size but in another département
        ("69001", 500_000.0, "secret"),  # a status other than ok never counts
    ])
    found = similar_territories(territories, population, "commune", "69123", 2)
    assert found == [("commune", "69266"), ("commune", "69259")]


def test_similar_territories_excludes_selection(territories):
    population = _population([("69123", 520_000.0, "ok"), ("69266", 150_000.0, "ok"),
                              ("69259", 65_000.0, "ok")])
    found = similar_territories(territories, population, "commune", "69123", 3,
                                exclude=[("commune", "69266")])
    assert found == [("commune", "69259")]


def test_similar_territories_log_distance(territories):
    # 10 000 is as far from 20 000 as 40 000 is: the smaller ratio wins, not the smaller gap.
    population = _population([("69123", 20_000.0, "ok"), ("69266", 11_000.0, "ok"),
                              ("69259", 35_000.0, "ok")])
    assert similar_territories(territories, population, "commune", "69123", 1) == [("commune", "69259")]


def test_similar_territories_without_own_population(territories):
    population = _population([("69123", None, "secret"), ("69266", 150_000.0, "ok")])
    assert similar_territories(territories, population, "commune", "69123", 3) == []
    assert similar_territories(territories, population, "commune", "69266", 0) == []


def test_similar_regions_nationwide(territories):
    population = _population([("84", 8.0e6, "ok"), ("11", 12.0e6, "ok"), ("76", 6.0e6, "ok"),
                              ("53", 3.4e6, "ok")])
    assert similar_territories(territories, population, "region", "84", 2) == [("region", "76"), ("region", "11")]
