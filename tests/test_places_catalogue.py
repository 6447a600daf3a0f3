"""Place taxonomy, its messages, and the generated catalogue file."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from atlas.catalogue import load_catalogue
from atlas.i18n import load_messages
from atlas.places import (DOMAINS, LABELS, LOCATION_FLAGS, TYPE_IDS, check_filters, filter_places,
                          taxonomy, to_geojson)
from loaders.places.catalogue_entries import CATALOGUE_FILE, render
from loaders.places.step import READERS

SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")


def test_committed_catalogue_matches_generator():
    assert CATALOGUE_FILE.read_text(encoding="utf-8") == render(), (
        "data/catalogue/lieux.yaml is out of date: run `python -m loaders.places.catalogue_entries`")


def test_place_entries_load_with_parts():
    catalogue = load_catalogue()
    entries = [i for i in catalogue if i.input.get("loader") == "places"]
    assert len(entries) == 82
    for indicator in entries:
        assert indicator.theme == "offre_lieux"
        for part in ("numerator", "denominator"):
            ref = indicator.aggregation.get(part)
            if ref:
                assert ref in catalogue


def test_taxonomy_ids_are_snake_case():
    ids = [d.id for d in DOMAINS] + list(TYPE_IDS) + list(LABELS) + list(LOCATION_FLAGS)
    assert all(SNAKE.match(i) for i in ids)
    assert len(set(TYPE_IDS)) == len(TYPE_IDS)
    assert not set(TYPE_IDS) & {d.id for d in DOMAINS}


def test_every_taxonomy_id_has_messages():
    messages = load_messages()
    keys = ([f"places.domain_{d.id}" for d in DOMAINS] + [f"places.type_{t}" for t in TYPE_IDS]
            + [f"places.plural_{t}" for t in TYPE_IDS] + [f"places.plural_{d.id}" for d in DOMAINS]
            + [f"places.label_{label}" for label in LABELS]
            + [f"places.flag_{flag}" for flag in LOCATION_FLAGS]
            + [f"places.source_{reader.SOURCE}" for reader in READERS])
    missing = [key for key in keys if key not in messages]
    assert missing == []
    for key in keys:
        assert messages[key]["fr"]
        assert messages[key]["en"]


def test_taxonomy_in_french():
    domains = taxonomy("fr")
    assert domains[0]["label"] == "Patrimoine"
    assert domains[0]["types"][0] == {"id": "monument_historique", "label": "Monument historique"}


@pytest.fixture()
def sample() -> pd.DataFrame:
    return pd.DataFrame({
        "place_id": ["a", "b", "c"], "name": ["Rex", "Zénith", None],
        "domain": ["cinema", "spectacle_vivant", "cinema"],
        "type": ["cinema_fixe", "zenith", "cinema_itinerant"],
        "departement": ["75", "75", "13"], "region": ["11", "11", "93"],
        "arrondissement": ["75108", "75119", None],
        "lon": [2.3, 2.39, 5.4], "lat": [48.87, 48.89, 43.3],
        "screens": [6.0, float("nan"), 1.0],
    })


def test_filter_by_domain_and_territory(sample):
    assert filter_places(sample, "cinema")["place_id"].tolist() == ["a", "c"]
    assert filter_places(sample, level="departement", code="75")["place_id"].tolist() == ["a", "b"]
    assert filter_places(sample, type_="zenith", level="arrondissement_municipal",
                         code="75119")["place_id"].tolist() == ["b"]
    assert len(filter_places(sample, level="france")) == 3


def test_filter_rejects_invalid_choices(sample):
    with pytest.raises(ValueError, match="valid domains"):
        filter_places(sample, "opera")
    assert "belongs to domain 'spectacle_vivant'" in check_filters("cinema", "zenith")
    assert "valid levels" in check_filters(level="canton", code="1")
    assert "go together" in check_filters(level="region")


def test_geojson_drops_null_attributes(sample):
    collection = to_geojson(sample)
    first, second, third = collection["features"]
    assert first["geometry"] == {"type": "Point", "coordinates": [2.3, 48.87]}
    assert first["properties"]["screens"] == 6.0
    assert "screens" not in second["properties"]
    assert "name" not in third["properties"]
