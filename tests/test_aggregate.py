"""Aggregation of indicator values to higher levels (loaders.aggregate), on a tiny territory table."""

import math

import pandas as pd
import pytest

from loaders.aggregate import aggregate, aggregate_indicator, divide

# Two régions; région R1 has départements D1 (communes A, B) and D2 (commune C); région R2 has
# département D3 (commune D). Communes A and C share EPCI E1, B is in E2, D in E3.
TERRITORIES = pd.DataFrame([
    {"code": "FR", "level": "france", "name": "France", "region": None, "departement": None, "epci": None},
    {"code": "R1", "level": "region", "name": "R1", "region": None, "departement": None, "epci": None},
    {"code": "R2", "level": "region", "name": "R2", "region": None, "departement": None, "epci": None},
    {"code": "D1", "level": "departement", "name": "D1", "region": "R1", "departement": None, "epci": None},
    {"code": "D2", "level": "departement", "name": "D2", "region": "R1", "departement": None, "epci": None},
    {"code": "D3", "level": "departement", "name": "D3", "region": "R2", "departement": None, "epci": None},
    {"code": "E1", "level": "epci", "name": "E1", "region": None, "departement": None, "epci": None},
    {"code": "E2", "level": "epci", "name": "E2", "region": None, "departement": None, "epci": None},
    {"code": "E3", "level": "epci", "name": "E3", "region": None, "departement": None, "epci": None},
    {"code": "E4", "level": "epci", "name": "E4 (no member)", "region": None, "departement": None, "epci": None},
    {"code": "A", "level": "commune", "name": "A", "region": "R1", "departement": "D1", "epci": "E1"},
    {"code": "B", "level": "commune", "name": "B", "region": "R1", "departement": "D1", "epci": "E2"},
    {"code": "C", "level": "commune", "name": "C", "region": "R1", "departement": "D2", "epci": "E1"},
    {"code": "D", "level": "commune", "name": "D", "region": "R2", "departement": "D3", "epci": "E3"},
])

LEVELS = ("france", "region", "departement", "epci", "commune")


def frame(rows):
    return pd.DataFrame(rows, columns=["code", "value", "status"])


def pick(result, level, code):
    row = result[(result["level"] == level) & (result["code"] == code)]
    assert len(row) == 1, f"expected one row for {level} {code}, got {len(row)}"
    return row.iloc[0]


def test_sum_counts_to_every_level():
    values = frame([("A", 10, "ok"), ("B", 5, "ok"), ("C", 1, "ok"), ("D", 100, "ok")])
    result = aggregate(values, TERRITORIES, "sum", LEVELS)
    assert pick(result, "france", "FR")["value"] == 116
    assert pick(result, "region", "R1")["value"] == 16
    assert pick(result, "departement", "D1")["value"] == 15
    assert pick(result, "epci", "E1")["value"] == 11
    assert pick(result, "epci", "E1")["n_members"] == 2
    assert not (result["level"] == "commune").any()


def test_ratio_recomputed_from_parts_not_averaged():
    # A is 10/100 = 10 % and B is 90/300 = 30 %. The mean of the two rates would be 20 %, but the
    # rate of the département is 100/400 = 25 %.
    numerator = frame([("A", 10, "ok"), ("B", 90, "ok")])
    denominator = frame([("A", 100, "ok"), ("B", 300, "ok")])
    result = aggregate(None, TERRITORIES, "ratio", ["departement"], numerator=numerator,
                       denominator=denominator, factor=100)
    assert pick(result, "departement", "D1")["value"] == pytest.approx(100 / 400 * 100)


def test_ratio_uses_members_with_both_parts():
    numerator = frame([("A", 10, "ok"), ("B", None, "secret")])
    denominator = frame([("A", 100, "ok"), ("B", 300, "ok")])
    result = aggregate(None, TERRITORIES, "ratio", ["departement"], numerator=numerator,
                       denominator=denominator)
    row = pick(result, "departement", "D1")
    assert row["value"] == pytest.approx(0.1)
    assert row["n_ok"] == 1
    assert row["status"] == "ok"


def test_weighted_mean():
    values = frame([("A", 2.0, "ok"), ("B", 4.0, "ok")])
    weight = frame([("A", 1, "ok"), ("B", 3, "ok")])
    result = aggregate(values, TERRITORIES, "weighted_mean", ["departement"], weight=weight)
    assert pick(result, "departement", "D1")["value"] == pytest.approx((2 + 12) / 4)


def test_status_shared_by_all_members_is_kept():
    values = frame([("A", None, "not_published"), ("B", None, "not_published"),
                    ("C", None, "secret"), ("D", 3, "ok")])
    result = aggregate(values, TERRITORIES, "sum", ["departement", "region"])
    assert pick(result, "departement", "D1")["status"] == "not_published"
    assert math.isnan(pick(result, "departement", "D1")["value"])
    assert pick(result, "departement", "D2")["status"] == "secret"
    # R1 mixes not_published and secret, so no single status describes it.
    assert pick(result, "region", "R1")["status"] == "missing"
    assert pick(result, "region", "R2")["status"] == "ok"


def test_absent_member_and_empty_territory_are_missing():
    values = frame([("A", 1, "ok")])
    result = aggregate(values, TERRITORIES, "sum", ["epci"])
    assert pick(result, "epci", "E1")["status"] == "ok"  # A ok, C absent
    assert pick(result, "epci", "E1")["n_ok"] == 1
    assert pick(result, "epci", "E2")["status"] == "missing"
    assert pick(result, "epci", "E4")["status"] == "missing"
    assert pick(result, "epci", "E4")["n_members"] == 0


def test_require_all_members():
    values = frame([("A", 1, "ok"), ("B", None, "secret")])
    result = aggregate(values, TERRITORIES, "sum", ["departement"], require_all=True)
    assert pick(result, "departement", "D1")["status"] == "secret"


def test_years_aggregated_separately():
    values = pd.DataFrame({"code": ["A", "B", "A"], "year": [2018, 2018, 2019],
                           "value": [1.0, 2.0, 5.0], "status": ["ok", "ok", "ok"]})
    result = aggregate(values, TERRITORIES, "sum", ["departement"])
    d1 = result[result["code"] == "D1"].set_index("year")
    assert d1.loc[2018, "value"] == 3
    assert d1.loc[2019, "value"] == 5
    assert d1.loc[2019, "n_ok"] == 1


def test_from_departement_to_region_skips_unreachable_levels():
    values = frame([("D1", 10, "ok"), ("D2", 20, "ok"), ("D3", 5, "ok")])
    result = aggregate(values, TERRITORIES, "sum", LEVELS, from_level="departement")
    assert set(result["level"]) == {"france", "region"}
    assert pick(result, "region", "R1")["value"] == 30


def test_categorical_and_none_not_aggregated():
    values = frame([("A", 1, "ok")])
    assert aggregate(values, TERRITORIES, "categorical", LEVELS).empty
    assert aggregate(values, TERRITORIES, "none", LEVELS).empty


def test_ratio_zero_over_zero_not_applicable():
    # A share of nothing (no employee at all) has no meaning: « sans objet », not « no data ».
    numerator = frame([("A", 0, "ok"), ("B", 0, "ok"), ("D", 3, "ok")])
    denominator = frame([("A", 0, "ok"), ("B", 0, "ok"), ("D", 0, "ok")])
    result = aggregate(None, TERRITORIES, "ratio", ["departement"], numerator=numerator,
                       denominator=denominator)
    assert pick(result, "departement", "D1")["status"] == "not_applicable"
    assert math.isnan(pick(result, "departement", "D1")["value"])
    # A non-zero numerator over zero contradicts itself: no value.
    assert pick(result, "departement", "D3")["status"] == "missing"


def test_divide_zero_denominator_statuses():
    numerator = frame([("A", 0, "ok"), ("B", 5, "ok"), ("C", 1, "secret"), ("D", 2, "ok")])
    denominator = frame([("A", 0, "ok"), ("B", 0, "ok"), ("C", 0, "ok"), ("D", 8, "ok")])
    result = divide(numerator, denominator, 100).set_index("code")
    assert result.loc["A", "status"] == "not_applicable"
    assert result.loc["B", "status"] == "missing"
    assert result.loc["C", "status"] == "secret"  # a part's own status comes first
    assert result.loc["D", "value"] == pytest.approx(25.0)
    assert result.loc[["A", "B", "C"], "value"].isna().all()


def test_invalid_arguments_raise():
    values = frame([("A", 1, "ok")])
    with pytest.raises(ValueError, match="unknown rule"):
        aggregate(values, TERRITORIES, "mean", LEVELS)
    with pytest.raises(ValueError, match="numerator"):
        aggregate(None, TERRITORIES, "ratio", LEVELS, denominator=values)
    with pytest.raises(ValueError, match="duplicated"):
        aggregate(frame([("A", 1, "ok"), ("A", 2, "ok")]), TERRITORIES, "sum", LEVELS)
    with pytest.raises(ValueError, match="unknown levels"):
        aggregate(values, TERRITORIES, "sum", ["canton"])


def test_aggregate_indicator_reads_catalogue_rule():
    class Stub:
        id = "part_x"
        levels = ("departement",)
        aggregation = {"rule": "ratio", "numerator": "x", "denominator": "pop", "factor": 100}

    frames = {"x": frame([("A", 1, "ok"), ("B", 1, "ok")]),
              "pop": frame([("A", 10, "ok"), ("B", 30, "ok")])}
    result = aggregate_indicator(Stub(), frames, TERRITORIES)
    assert pick(result, "departement", "D1")["value"] == pytest.approx(5.0)
