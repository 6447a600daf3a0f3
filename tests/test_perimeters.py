"""Historical EPCI perimeters (atlas.perimeters) on crafted member lists."""

import math

import pandas as pd
import pytest

from atlas.perimeters import perimeter_change_years, perimeter_history, sum_on_perimeter

# E1 gained commune C in 2019 and lost B in 2025; no list for 2018.
PERIMETERS = pd.DataFrame({
    "year": [2017, 2017, 2019, 2019, 2019, 2025, 2025, 2025],
    "epci": ["E1", "E1", "E1", "E1", "E1", "E1", "E1", "E2"],
    "commune": ["A", "B", "A", "B", "C", "A", "C", "B"],
})


def test_perimeter_history_against_current():
    history = perimeter_history(PERIMETERS, "E1").set_index("year")
    assert history.loc[2025, "same_as_current"]
    assert not history.loc[2017, "same_as_current"]
    assert history.loc[2017, "added"] == ["C"]
    assert history.loc[2017, "removed"] == ["B"]
    assert history.loc[2019, "communes"] == 3
    assert 2018 not in history.index


def test_perimeter_history_unknown_epci():
    with pytest.raises(KeyError, match="E9"):
        perimeter_history(PERIMETERS, "E9")


def test_perimeter_change_years_skip_missing_list():
    history = perimeter_history(PERIMETERS, "E1")
    assert perimeter_change_years(history) == [2019, 2025]


def test_sum_on_historical_perimeter():
    values = pd.DataFrame({"code": ["A", "B", "C", "A", "B", "C"],
                           "year": [2010, 2010, 2010, 2020, 2020, 2020],
                           "value": [10.0, 20.0, 5.0, 11.0, None, 6.0],
                           "status": ["ok", "ok", "ok", "ok", "missing", "ok"]})
    result = sum_on_perimeter(values, PERIMETERS, "E1", 2017).set_index("year")
    assert result.loc[2010, "value"] == 30
    assert result.loc[2010, "status"] == "ok"
    assert result.loc[2020, "status"] == "missing"
    assert math.isnan(result.loc[2020, "value"])
    assert result.loc[2020, "communes_ok"] == 1
    current = sum_on_perimeter(values, PERIMETERS, "E1", 2025).set_index("year")
    assert current.loc[2020, "value"] == 17
