"""Evolution maths (atlas.evolution): changes, base-100 indices, per-inhabitant series, breaks."""

import math

import pandas as pd
import pytest

from atlas.catalogue import CatalogueError, parse_entry
from atlas.evolution import (annual_rate, break_years, breaks_with_labels, change_between,
                             index_base100, nearest_vintage, per_inhabitant, series_from_frame,
                             vintage_gaps)


def series(mapping):
    return pd.Series({int(k): (float("nan") if v is None else float(v)) for k, v in mapping.items()})


def test_annual_rate_doubling_over_ten_years():
    assert annual_rate(100, 200, 10) == pytest.approx((2 ** 0.1 - 1) * 100)
    assert annual_rate(100, 200, 10) == pytest.approx(7.1773, abs=1e-4)


def test_annual_rate_undefined_cases():
    assert annual_rate(0, 50, 5) is None
    assert annual_rate(100, 0, 5) is None
    assert annual_rate(-10, 50, 5) is None
    assert annual_rate(100, 120, 0) is None


def test_change_between_measures():
    result = change_between(series({2015: 1000, 2021: 1100}), 2015, 2021)
    assert result.absolute == pytest.approx(100)
    assert result.percent == pytest.approx(10.0)
    assert result.annual_rate == pytest.approx((1.1 ** (1 / 6) - 1) * 100)
    assert result.complete


def test_change_between_missing_year_not_filled():
    # 2018 is absent: no neighbour may stand in for it.
    data = series({2017: 100, 2019: 120})
    result = change_between(data, 2018, 2019)
    assert result.start_value is None
    assert result.absolute is None
    assert result.percent is None
    assert result.annual_rate is None
    assert not result.complete


def test_change_between_nan_value_is_missing():
    result = change_between(series({2010: None, 2020: 5}), 2010, 2020)
    assert result.absolute is None
    assert result.end_value == 5


def test_change_between_zero_start():
    result = change_between(series({2000: 0, 2010: 7}), 2000, 2010)
    assert result.absolute == 7
    assert result.percent is None
    assert result.annual_rate is None


def test_change_between_reports_breaks_inside_period():
    data = series({1954: 10, 1968: 12, 2006: 15})
    result = change_between(data, 1954, 2006, breaks=[1962, 2006, 1876])
    assert result.breaks == (1962, 2006)
    assert change_between(data, 1968, 2006, breaks=[1962]).breaks == ()


def test_change_between_rejects_reversed_years():
    with pytest.raises(ValueError, match="must be after"):
        change_between(series({2000: 1, 2010: 2}), 2010, 2000)


def test_index_base100_keeps_gaps():
    data = series({2016: 50, 2017: 55, 2018: None, 2019: 60})
    index = index_base100(data, 2016)
    assert index[2016] == pytest.approx(100)
    assert index[2017] == pytest.approx(110)
    assert math.isnan(index[2018])
    assert index[2019] == pytest.approx(120)
    assert list(index.index) == [2016, 2017, 2018, 2019]


def test_index_base100_rejects_missing_base():
    with pytest.raises(ValueError, match="base year 2018"):
        index_base100(series({2017: 5, 2018: None}), 2018)
    with pytest.raises(ValueError, match="base year 2000"):
        index_base100(series({2017: 5}), 2000)


def test_nearest_vintage_prefers_earlier_on_tie():
    assert nearest_vintage(2018, [2016, 2017, 2019, 2020]) == 2017
    assert nearest_vintage(2024, [2021, 2022, 2023]) == 2023
    assert nearest_vintage(2005, [1999, 2006]) == 2006
    assert nearest_vintage(2000, []) is None


def test_per_inhabitant_same_year_and_nearest_vintage():
    visits = series({2017: 1000, 2018: 2000, 2019: None})
    population = series({2017: 10_000, 2019: 20_000})
    result = per_inhabitant(visits, population, factor=1000).set_index("year")
    assert result.loc[2017, "population_year"] == 2017
    assert bool(result.loc[2017, "same_year"])
    assert result.loc[2017, "per_inhabitant"] == pytest.approx(100)
    # 2018 has no population vintage: the tie between 2017 and 2019 goes to 2017.
    assert result.loc[2018, "population_year"] == 2017
    assert not bool(result.loc[2018, "same_year"])
    assert result.loc[2018, "per_inhabitant"] == pytest.approx(200)
    assert math.isnan(result.loc[2019, "per_inhabitant"])


def test_per_inhabitant_max_distance():
    result = per_inhabitant(series({2030: 5}), series({2020: 100}), max_distance=5)
    assert pd.isna(result.loc[0, "population_year"])
    assert math.isnan(result.loc[0, "per_inhabitant"])


def test_per_inhabitant_skips_zero_population():
    result = per_inhabitant(series({2020: 5}), series({2020: 0, 2019: 50}))
    assert result.loc[0, "population_year"] == 2019


def test_series_from_frame_masks_non_ok():
    frame = pd.DataFrame({"year": [2021, 2020, 2022], "value": [3.0, 2.0, None],
                          "status": ["ok", "ok", "secret"]})
    result = series_from_frame(frame)
    assert list(result.index) == [2020, 2021, 2022]
    assert result[2021] == 3.0
    assert math.isnan(result[2022])


def test_series_from_frame_rejects_two_territories():
    frame = pd.DataFrame({"year": [2020, 2020], "value": [1.0, 2.0]})
    with pytest.raises(ValueError, match="2020"):
        series_from_frame(frame)


def test_vintage_gaps_finds_missing_year():
    assert vintage_gaps([2016, 2017, 2019, 2020]) == [(2017, 2019)]
    assert vintage_gaps([1999, 2006, 2007], expected_step=1) == [(1999, 2006)]


ENTRY = {
    "id": "demo", "label": {"fr": "Démo", "en": "Demo"}, "theme": "contexte", "unit": "habitants",
    "definition": {"fr": "d", "en": "d"}, "source": {"fr": "s", "en": "s"},
    "levels": ["commune"], "aggregation": {"rule": "sum"},
}


def test_break_years_from_catalogue_entry():
    entry = dict(ENTRY, series_breaks=[
        {"year": 2006, "label": {"fr": "Population municipale", "en": "Municipal population"}},
        {"year": 1962, "label": {"fr": "Sans doubles comptes", "en": "Without double counts"}},
    ])
    indicator = parse_entry(entry, "demo.yaml")
    assert break_years(indicator) == [1962, 2006]
    assert breaks_with_labels(indicator, "en")[0] == {"year": 1962, "label": "Without double counts", "levels": ()}
    assert indicator.to_api("fr")["series_breaks"][1]["label"] == "Population municipale"


def test_break_years_empty_without_field():
    assert break_years(parse_entry(dict(ENTRY), "demo.yaml")) == []


def test_series_break_needs_year_and_both_languages():
    with pytest.raises(CatalogueError, match="integer 'year'"):
        parse_entry(dict(ENTRY, series_breaks=[{"label": {"fr": "a", "en": "b"}}]), "demo.yaml")
    with pytest.raises(CatalogueError, match="'fr' and 'en'"):
        parse_entry(dict(ENTRY, series_breaks=[{"year": 2000, "label": {"fr": "a"}}]), "demo.yaml")


def test_scoped_break_only_cuts_its_levels():
    from types import SimpleNamespace

    from atlas.evolution import break_years, breaks_with_labels

    indicator = SimpleNamespace(series_breaks=(
        {"year": 1936, "levels": ["france"], "label": {"fr": "Corse", "en": "Corsica"}},
        {"year": 1962, "label": {"fr": "PSDC", "en": "PSDC"}},
    ))
    assert break_years(indicator) == [1936, 1962]
    assert break_years(indicator, "france") == [1936, 1962]
    assert break_years(indicator, "commune") == [1962]
    assert [b["year"] for b in breaks_with_labels(indicator, "fr", levels=["departement"])] == [1962]
    assert [b["year"] for b in breaks_with_labels(indicator, "en", levels=["commune", "france"])] == [1936, 1962]


def test_population_corsica_break_is_france_only():
    from atlas.catalogue import load_catalogue
    from atlas.evolution import break_years

    population = load_catalogue().get("population")
    assert 1936 in break_years(population, "france")
    assert 1936 not in break_years(population, "commune")
    assert 1962 in break_years(population, "commune")
