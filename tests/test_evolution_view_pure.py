"""Pure helpers of the Évolution view: annual rates with gaps and breaks, factors, labels."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from atlas.classify import palette
from atlas.evolution_figures import _cut_line
from atlas.evolution_map import classify_change
from atlas.evolution_summary import ordinal
from atlas.evolution_gaps import cadence_gaps, missing_years, year_ranges
from atlas.evolution_view import annual_change_series, per_inhabitant_factor


def test_annual_change_uses_years_between_vintages():
    series = pd.Series([100.0, 121.0, 133.1], index=[1990, 1992, 1993])
    rates = annual_change_series(series)
    assert math.isnan(rates.loc[1990])
    assert rates.loc[1992] == pytest.approx(10.0)
    assert rates.loc[1993] == pytest.approx(10.0)


def test_annual_change_leaves_gap_on_both_sides():
    series = pd.Series([100.0, np.nan, 110.0, 121.0], index=[2019, 2020, 2021, 2022])
    rates = annual_change_series(series)
    assert math.isnan(rates.loc[2020])
    assert math.isnan(rates.loc[2021])
    assert rates.loc[2022] == pytest.approx(10.0)


def test_annual_change_not_computed_across_break():
    series = pd.Series([50.0, 60.0, 70.0, 77.0], index=[1990, 1999, 2006, 2007])
    rates = annual_change_series(series, breaks=[2006])
    assert not math.isnan(rates.loc[1999])
    assert math.isnan(rates.loc[2006])
    assert rates.loc[2007] == pytest.approx(10.0)


def test_annual_change_undefined_from_zero():
    series = pd.Series([0.0, 3.0, 6.0], index=[2001, 2002, 2003])
    rates = annual_change_series(series)
    assert math.isnan(rates.loc[2002])
    assert rates.loc[2003] == pytest.approx(100.0)


def test_annual_change_sorts_years():
    series = pd.Series([121.0, 100.0], index=[2002, 2000])
    rates = annual_change_series(series)
    assert list(rates.index) == [2000, 2002]
    assert rates.loc[2002] == pytest.approx(10.0)


@pytest.mark.parametrize("ratios, expected", [
    ([3.2, 12.0, 0.5], 1),
    ([0.2, 0.1, 0.4], 1),
    ([0.05, 0.02, 0.08], 1_000),
    ([0.004, 0.002, 0.01], 1_000),
    ([2e-5, 1e-5, 4e-5], 100_000),
    ([3e-7], 100_000),
    ([], 1),
    ([np.nan, 0.0], 1),
])
def test_per_inhabitant_factor(ratios, expected):
    assert per_inhabitant_factor(ratios) == expected


def test_year_ranges_follow_vintages_not_calendar():
    grid = [1876, 1881, 1886, 1891, 1954, 1962, 2020, 2021]
    assert year_ranges([1876, 1881, 1886, 2021], grid) == "1876-1886, 2021"
    assert year_ranges([1954, 1962], grid) == "1954-1962"
    assert year_ranges([2020], grid) == "2020"
    assert year_ranges([], grid) == ""


def test_cut_line_once_per_break():
    years, values, texts = _cut_line([1954, 1962, 1968], [1.0, 2.0, 3.0], ["a", "b", "c"], [1962])
    assert years == [1954, 1961.5, 1962, 1968]
    assert values == [1.0, None, 2.0, 3.0]
    assert texts == ["a", "", "b", "c"]


def test_cut_line_without_break_in_range():
    years, values, _ = _cut_line([2001, 2002], [1.0, None], ["", ""], [1962, 2030])
    assert years == [2001, 2002]
    assert values == [1.0, None]


@pytest.mark.parametrize("rank, lang, expected", [
    (1, "fr", "1er"), (2, "fr", "2e"), (11, "fr", "11e"),
    (1, "en", "1st"), (2, "en", "2nd"), (3, "en", "3rd"), (4, "en", "4th"),
    (11, "en", "11th"), (12, "en", "12th"), (13, "en", "13th"), (21, "en", "21st"), (102, "en", "102nd"),
])
def test_ordinal(rank, lang, expected):
    assert ordinal(rank, lang) == expected


def test_change_classes_split_at_zero():
    values = [-30.0, -12.0, -5.0, -0.5, 0.0, 0.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 90.0, np.nan]
    result = classify_change(values, "fr", 1)
    classes = list(result.classes)
    assert classes[-1] == -1
    negative = {classes[i] for i in range(4)}
    zero = {classes[4], classes[5]}
    positive = {classes[i] for i in range(6, 13)}
    assert max(negative) < min(zero) < min(positive)
    assert len(zero) == 1
    assert result.labels[classes[4]] == "0"
    assert sum(result.counts) == 13
    assert len(result.colors) == len(result.labels) == len(result.counts)
    half = max(len(negative), len(positive))
    full = palette("PuOr", 2 * half + 1, "diverging")
    assert result.colors[classes[4]] == full[half]
    assert result.colors[classes[0]] == full[half - len(negative)]
    assert result.colors[classes[3]] == full[half - 1]
    assert result.colors[classes[6]] == full[half + 1]
    assert result.colors[classes[12]] == full[half + len(positive)]


def test_change_classes_one_side_only():
    result = classify_change([1.0, 2.0, 3.0, 5.0, 8.0, 13.0], "en", 0)
    assert min(result.classes) == 0
    assert all(not label.startswith("-") for label in result.labels)
    assert len(result.colors) == len(set(result.colors))


def test_cadence_gaps_follow_census_rhythm():
    census = [1876, 1881, 1886, 1891, 1896, 1901, 1906, 1911, 1921, 1926, 1931, 1936, 1954, 1962,
              1968, 1975, 1982, 1990, 1999, 2006, 2007, 2008, 2016, 2017, 2019, 2020]
    assert cadence_gaps(census) == [(1911, 1921), (1936, 1954), (2008, 2016), (2017, 2019)]
    assert cadence_gaps(range(2001, 2024)) == []
    assert cadence_gaps([2021, 2022]) == []


def test_missing_years_by_status():
    frame = pd.DataFrame({"year": [2015, 2016, 2017, 2019, 2020],
                          "status": ["missing", "missing", "ok", "secret", "missing"]})
    assert missing_years(frame) == [("missing", "2015-2016, 2020"), ("secret", "2019")]
