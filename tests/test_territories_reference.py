"""The territory reference of COG 2025, built from the real files."""

from __future__ import annotations

import pandas as pd

from atlas.territories import children, parents
from tests.territory_build import (territories_frame, territory_build,  # noqa: F401
                                   territory_report)

ISLANDS_WITHOUT_EPCI = {"22016", "29083", "29155", "85113"}


def _level(frame: pd.DataFrame, level: str) -> pd.DataFrame:
    return frame[frame["level"] == level]


def test_level_counts(territories_frame):
    counts = territories_frame["level"].value_counts()
    assert counts["france"] == 1
    assert counts["region"] == 18
    assert counts["departement"] == 101
    assert counts["commune"] == 34875
    assert counts["arrondissement_municipal"] == 45
    assert counts["zone_emploi"] == 306
    assert 1250 <= counts["epci"] <= 1260


def test_departement_codes(territories_frame):
    codes = set(_level(territories_frame, "departement")["code"])
    assert {"2A", "2B", "971", "972", "973", "974", "976"} <= codes
    assert "20" not in codes


def test_codes_unique_per_level(territories_frame):
    assert not territories_frame.duplicated(["level", "code"]).any()


def test_every_commune_has_parents(territories_frame):
    communes = _level(territories_frame, "commune")
    for column in ("region", "departement", "zone_emploi", "aav"):
        assert communes[column].notna().all(), column
    without_epci = set(communes.loc[communes["epci"].isna(), "code"])
    assert without_epci == ISLANDS_WITHOUT_EPCI


def test_report_lists_islands(territory_report):
    for code in ISLANDS_WITHOUT_EPCI:
        assert code in territory_report


def test_parents_reference_known_territories(territories_frame):
    communes = _level(territories_frame, "commune")
    for column in ("region", "departement", "zone_emploi", "epci", "aav"):
        known = set(_level(territories_frame, column)["code"])
        assert set(communes[column].dropna()) <= known, column


def test_commune_region_matches_departement(territories_frame):
    deps = _level(territories_frame, "departement").set_index("code")["region"]
    communes = _level(territories_frame, "commune")
    assert (communes["departement"].map(deps) == communes["region"]).all()


def test_arrondissements_municipaux(territories_frame):
    arm = _level(territories_frame, "arrondissement_municipal").set_index("code")
    assert arm.loc["75101", "commune"] == "75056"
    assert arm.loc["69385", "commune"] == "69123"
    assert arm.loc["13216", "commune"] == "13055"
    assert (arm.loc[arm["commune"] == "75056"].index.str.startswith("751")).sum() == 20
    paris = territories_frame[(territories_frame["level"] == "commune")
                              & (territories_frame["code"] == "75056")].iloc[0]
    assert arm.loc["75101", "epci"] == paris["epci"]
    assert arm.loc["75101", "region"] == "11"


def test_names_with_article(territories_frame):
    communes = _level(territories_frame, "commune").set_index("code")
    assert communes.loc["01001", "name"] == "L'Abergement-Clémenciat"
    assert communes.loc["01033", "name"] == "Valserhône"


def test_epci_parent_only_when_unique(territories_frame):
    epci = _level(territories_frame, "epci").set_index("code")
    assert epci.loc["200046977", "departement"] == "69"  # Métropole de Lyon
    communes = _level(territories_frame, "commune")
    spans = communes.groupby("epci")["departement"].nunique()
    for code in spans[spans > 1].index:
        assert pd.isna(epci.loc[code, "departement"]), code


def test_restored_commune_inherits_zones(territories_frame):
    communes = _level(territories_frame, "commune").set_index("code")
    assert communes.loc["15031", "zone_emploi"] == communes.loc["15141", "zone_emploi"]
    assert communes.loc["15031", "aav"] == communes.loc["15141", "aav"]


def test_parents_and_children(territories_frame):
    chain = parents(territories_frame, "69383", "arrondissement_municipal")
    assert [p["level"] for p in chain] == ["france", "region", "departement", "zone_emploi",
                                           "epci", "aav", "commune"]
    assert chain[-1]["code"] == "69123"
    assert list(children(territories_frame, "FR", "france")["code"])[:2] == ["01", "02"]
    assert len(children(territories_frame, "84", "region")) == 12
    assert len(children(territories_frame, "69123", "commune")) == 9
