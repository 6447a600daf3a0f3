"""Population vintages on the 2025 communes (loaders.series.population), on crafted inputs."""

import gzip

import numpy as np
import pandas as pd
import pytest

from loaders.errors import BuildError
from loaders.series.communes import CodeMapper
from loaders.series.population import (Vintage, _france_totals, annual_rates, place_vintage)
from loaders.series.population_history import read_population_history
from loaders.territories.crosswalk import Snapshot


def write_gz(path, text):
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(text)
    return path


def test_history_reader_long_form(tmp_path):
    path = write_gz(tmp_path / "pop.csv.gz",
                    "code_geo,dep,ville,PTOT1876,PSDC1962,PMUN2006\n"
                    "01001,01,A,604,407,811\n"
                    "2A004,2A,Ajaccio,,40000,65000\n")
    result = read_population_history(path).set_index(["code", "year"])
    assert result.loc[("01001", 1876), "value"] == 604
    assert result.loc[("01001", 1876), "concept"] == "population_totale"
    assert result.loc[("01001", 1962), "concept"] == "population_sans_doubles_comptes"
    assert result.loc[("2A004", 2006), "concept"] == "population_municipale"
    assert np.isnan(result.loc[("2A004", 1876), "value"])


def test_history_reader_rejects_text_cell(tmp_path):
    path = write_gz(tmp_path / "pop.csv.gz", "code_geo,PTOT1876\n01001,604\n01002,abc\n")
    with pytest.raises(BuildError, match="not a number"):
        read_population_history(path)


def test_history_reader_locates_negative_value(tmp_path):
    path = write_gz(tmp_path / "pop.csv.gz", "code_geo,PTOT1876,PTOT1881\n01001,604,3\n01002,5,-1\n")
    with pytest.raises(BuildError) as error:
        read_population_history(path)
    assert error.value.row == 3
    assert error.value.column == "PTOT1881"


def test_history_reader_rejects_duplicate_code(tmp_path):
    path = write_gz(tmp_path / "pop.csv.gz", "code_geo,PTOT1876\n01001,604\n01001,5\n")
    with pytest.raises(BuildError, match="appears twice"):
        read_population_history(path)


def test_history_reader_needs_code_column(tmp_path):
    path = write_gz(tmp_path / "pop.csv.gz", "code,PTOT1876\n01001,604\n")
    with pytest.raises(BuildError, match="code_geo"):
        read_population_history(path)


# A tiny geography: 2025 communes 10001 (absorbed 10002 in a commune nouvelle), 10003 (restored
# from 10004 after the source's COG), 10004, 10005 (no figure in the source), 10006 and 10007
# (an old code 10008 divided between them).
CROSSWALK = pd.DataFrame({
    "old_code": ["10001", "10002", "10003", "10004", "10005", "10006", "10007", "10008", "10008"],
    "new_code": ["10001", "10001", "10003", "10004", "10005", "10006", "10007", "10006", "10007"],
    "date": pd.NaT,
    "change_type": ["identity", "commune_nouvelle", "identity", "identity", "identity",
                    "identity", "identity", "fusion", "fusion"],
})
COMMUNES = pd.Index(["10001", "10003", "10004", "10005", "10006", "10007"])
SNAPSHOTS = [Snapshot(2019, {"10001", "10004"}, {"10003": ("10004", "commune-deleguee")}, {})]


def vintage(values: dict, year=2010) -> Vintage:
    frame = pd.DataFrame({"code": list(values), "value": [float(v) if v is not None else np.nan
                                                          for v in values.values()]})
    return Vintage(year, "population_municipale", 2017, "test", frame,
                   pd.DataFrame(columns=["code", "value"]))


def placed_values(result, frame="stored"):
    table = getattr(result, frame).set_index("code")
    return table["value"], table["status"]


def test_place_vintage_sums_merged_communes():
    result = place_vintage(vintage({"10001": 100, "10002": 50, "10004": 30, "10008": 8}),
                           CodeMapper(CROSSWALK), COMMUNES, SNAPSHOTS)
    values, status = placed_values(result)
    assert values["10001"] == 150
    assert status["10001"] == "ok"


def test_place_vintage_merge_with_missing_part_is_missing():
    result = place_vintage(vintage({"10001": 100, "10002": None, "10004": 30}),
                           CodeMapper(CROSSWALK), COMMUNES, SNAPSHOTS)
    values, status = placed_values(result)
    assert np.isnan(values["10001"])
    assert status["10001"] == "missing"


def test_place_vintage_restored_commune_forms_unit():
    result = place_vintage(vintage({"10001": 100, "10004": 30}), CodeMapper(CROSSWALK),
                           COMMUNES, SNAPSHOTS)
    assert ("10003", "10004") in result.units
    values, status = placed_values(result)
    # Neither part has a figure of its own on the 2025 map.
    assert status["10003"] == "missing"
    assert status["10004"] == "missing"
    totals, total_status = placed_values(result, "for_totals")
    assert totals["10003"] + totals["10004"] == 30
    assert total_status["10003"] == "ok"


def test_place_vintage_absent_commune_is_lost():
    result = place_vintage(vintage({"10001": 100, "10004": 30}), CodeMapper(CROSSWALK),
                           COMMUNES, SNAPSHOTS)
    assert "10005" in result.lost
    values, status = placed_values(result, "for_totals")
    assert status["10005"] == "missing"


def test_place_vintage_divided_code_forms_unit():
    result = place_vintage(vintage({"10008": 80}), CodeMapper(CROSSWALK), COMMUNES, SNAPSHOTS)
    assert ("10006", "10007") in result.units
    totals, _ = placed_values(result, "for_totals")
    assert totals["10006"] + totals["10007"] == 80


def test_place_vintage_stale_commune_nouvelle_is_missing():
    # 10002 joined 10001 on 1 January 2019; a 2016 population listed on COG 2019 but computed on
    # COG 2018 gives 10001 its chef-lieu's figure only.
    crosswalk = CROSSWALK.copy()
    crosswalk.loc[crosswalk["old_code"] == "10002", "date"] = pd.Timestamp("2019-01-01")
    stale = vintage({"10001": 100, "10004": 30, "10008": 8}, year=2016)
    stale.cog_year, stale.geography_year = 2019, 2018
    result = place_vintage(stale, CodeMapper(crosswalk), COMMUNES, SNAPSHOTS)
    assert result.stale == ["10001"]
    values, status = placed_values(result, "for_totals")
    assert status["10001"] == "missing"
    # A list computed on its own COG is not affected.
    current = vintage({"10001": 100, "10004": 30, "10008": 8}, year=2016)
    current.cog_year, current.geography_year = 2019, 2019
    assert place_vintage(current, CodeMapper(crosswalk), COMMUNES, SNAPSHOTS).stale == []


def test_france_total_skips_uncovered_departement():
    departements = pd.DataFrame({"level": "departement", "code": ["D1", "D2", "D3"], "year": 1900,
                                 "value": [10.0, 20.0, np.nan],
                                 "status": ["ok", "ok", "missing"]})
    territories = pd.DataFrame({"code": ["a", "b", "c"], "level": "commune",
                                "departement": ["D1", "D2", "D3"]})
    for_totals = pd.DataFrame({"code": ["a", "b", "c"], "year": 1900,
                               "value": [10.0, 20.0, np.nan], "status": ["ok", "ok", "missing"]})
    france, excluded = _france_totals(departements, for_totals, territories)
    assert france.loc[0, "value"] == 30
    assert france.loc[0, "status"] == "ok"
    assert excluded[1900] == ["D3"]


def test_france_total_missing_when_departement_partly_covered():
    departements = pd.DataFrame({"level": "departement", "code": ["D1", "D3"], "year": 1954,
                                 "value": [10.0, np.nan], "status": ["ok", "missing"]})
    territories = pd.DataFrame({"code": ["a", "c1", "c2"], "level": "commune",
                                "departement": ["D1", "D3", "D3"]})
    for_totals = pd.DataFrame({"code": ["a", "c1", "c2"], "year": 1954,
                               "value": [10.0, 5.0, np.nan], "status": ["ok", "ok", "missing"]})
    france, _ = _france_totals(departements, for_totals, territories)
    assert france.loc[0, "status"] == "missing"
    assert np.isnan(france.loc[0, "value"])


def test_annual_rates_periods_and_gaps():
    population = pd.DataFrame({
        "level": ["commune"] * 5, "code": ["A", "A", "B", "B", "B"],
        "year": [2015, 2021, 2015, 2021, 2023],
        "value": [1000.0, 1100.0, 0.0, 10.0, np.nan],
        "status": ["ok", "ok", "ok", "ok", "missing"]})
    rates = annual_rates(population, [(2015, 2021), (2017, 2023)]).set_index(["code", "year"])
    assert rates.loc[("A", 2021), "value"] == pytest.approx((1.1 ** (1 / 6) - 1) * 100)
    assert rates.loc[("B", 2021), "status"] == "missing"  # zero start population
    assert rates.loc[("A", 2023), "status"] == "missing"  # no 2017 vintage


def test_annual_rates_france_compares_same_departements():
    population = pd.DataFrame({
        "level": ["france", "france", "departement", "departement", "departement", "departement"],
        "code": ["FR", "FR", "D1", "D1", "D2", "D2"],
        "year": [2015, 2021, 2015, 2021, 2015, 2021],
        "value": [100.0, 150.0, 100.0, 110.0, np.nan, 40.0],
        "status": ["ok", "ok", "ok", "ok", "missing", "ok"]})
    rates = annual_rates(population, [(2015, 2021)]).set_index(["level", "code"])
    # D2 enters the France total in 2021 only: the rate compares D1 alone.
    assert rates.loc[("france", "FR"), "value"] == pytest.approx((1.1 ** (1 / 6) - 1) * 100)
