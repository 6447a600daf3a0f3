"""Commune-code crosswalk and code normalisation, on the real COG history files."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from loaders.territories.crosswalk import (map_commune_codes, normalize_commune_code,
                                           normalize_commune_codes)
from tests.territory_build import (case_path, crosswalk_frame, territories_frame,  # noqa: F401
                                   territory_build, territory_report)


@pytest.mark.parametrize("raw, expected", [
    (1001, "01001"), ("1001", "01001"), (1001.0, "01001"), ("1001.0", "01001"),
    (" 75056 ", "75056"), ("2A004", "2A004"), ("2a004", "2A004"), ("2B033", "2B033"),
    (97101, "97101"), ("", None), (None, None), (math.nan, None), ("abc", None),
    ("123456", None), ("2A04", None), (1001.5, None),
])
def test_normalize_commune_code(raw, expected):
    assert normalize_commune_code(raw) == expected


def test_codes_as_numbers_case():
    df = pd.read_csv(case_path("codes-as-numbers.csv"), sep=";", dtype=str)
    codes = normalize_commune_codes(df["Code Insee"])
    assert codes.iloc[0] == "01001"
    assert "2A004" in set(codes)
    # Every row gets a code or a null that a loader must report: none is silently altered.
    assert len(codes) == len(df)
    valid = codes.notna()
    assert (codes[valid].str.len() == 5).all()


def test_known_communes_nouvelles(crosswalk_frame):
    cw = crosswalk_frame.set_index("old_code")
    assert cw.loc["01091", "new_code"] == "01033"
    assert cw.loc["01091", "change_type"] == "commune_nouvelle"
    assert cw.loc["01091", "date"] == pd.Timestamp("2019-01-01")
    assert cw.loc["74011", "new_code"] == "74010"
    assert cw.loc["74011", "date"] == pd.Timestamp("2017-01-01")


def test_changes_after_2019(crosswalk_frame):
    cw = crosswalk_frame.set_index("old_code")
    # Conques-en-Rouergue took the code of Saint-Cyprien-sur-Dourdou in 2025.
    assert cw.loc["12076", "new_code"] == "12218"
    assert cw.loc["12076", "date"] == pd.Timestamp("2025-01-01")
    # Mardyck, associated with Fort-Mardyck, then merged into Dunkerque.
    assert cw.loc["59380", "new_code"] == "59183"


def test_codes_only_in_historiq(crosswalk_frame):
    cw = crosswalk_frame.set_index("old_code")
    # Lompnes merged into Hauteville-Lompnes in 1942, before the movements file starts.
    assert cw.loc["01220", "new_code"] == "01185"
    assert cw.loc["01220", "date"] == pd.Timestamp("1942-08-01")


def test_identity_for_every_commune(crosswalk_frame, territories_frame):
    communes = set(territories_frame.loc[territories_frame["level"] == "commune", "code"])
    identity = crosswalk_frame[crosswalk_frame["change_type"] == "identity"]
    assert set(identity["old_code"]) == communes
    assert (identity["old_code"] == identity["new_code"]).all()


def test_targets_are_2025_communes(crosswalk_frame, territories_frame):
    communes = set(territories_frame.loc[territories_frame["level"] == "commune", "code"])
    assert set(crosswalk_frame["new_code"]) <= communes


def test_arrondissements_map_to_city(crosswalk_frame):
    cw = crosswalk_frame.set_index("old_code")
    assert cw.loc["75101", "new_code"] == "75056"
    assert cw.loc["69381", "new_code"] == "69123"
    assert cw.loc["13216", "new_code"] == "13055"


def test_map_commune_codes_statuses(crosswalk_frame):
    codes = pd.Series(["01091", 1001, "99999", "n.d.", None, "08227"])
    result = map_commune_codes(codes, crosswalk_frame)
    assert list(result["new_code"].iloc[:2]) == ["01033", "01001"]
    assert list(result["change_type"]) == ["commune_nouvelle", "identity", "unknown_code",
                                           "invalid_code", "invalid_code", "ambiguous_split"]
    assert result["new_code"].iloc[2:].isna().all()
    assert len(result) == len(codes)


def test_report_lists_split_codes(territory_report):
    # Hocmont (08227) was divided between two communes in 1968.
    assert "08227" in territory_report
    assert "divided between several 2025 communes" in territory_report
