"""Gaps between a territory and the reference: differences, indices, statuses, common year."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from atlas.catalogue import parse_entry
from atlas.compare import Column, indicator_cells
from atlas.compare_gaps import (GAP_CATEGORICAL, GAP_INDEX_UNDEFINED, GAP_IS_REFERENCE,
                                GAP_NOT_COMPARABLE, GAP_OK, GAP_REFERENCE_UNAVAILABLE,
                                GAP_VALUE_UNAVAILABLE, compute_gap, gap_comparable, index_to_reference,
                                latest_common_year, ok_years_by_level, sort_key)
from atlas.compare_text import difference_text, gap_text, value_text


def make_indicator(indicator_id="spending", unit="euros_par_habitant", rule="ratio", decimals=1,
                   levels=("france", "region", "departement", "commune"), categorical=False):
    entry = {
        "id": indicator_id, "label": {"fr": "Dépenses", "en": "Spending"}, "theme": "depenses_publiques",
        "unit": unit, "decimals": decimals,
        "definition": {"fr": "Déf.", "en": "Def."}, "source": {"fr": "Deps", "en": "Deps"},
        "levels": list(levels), "years": [2019],
        "aggregation": {"rule": rule, "numerator": "a", "denominator": "b"} if rule == "ratio" else {"rule": rule},
    }
    if categorical:
        entry["palette"] = {"type": "categorical"}
        entry["categories"] = [{"code": "1", "label": {"fr": "Rural", "en": "Rural"}, "color": "#aaa"}]
        entry["aggregation"] = {"rule": "categorical"}
    return parse_entry(entry, "test.yaml")


# --- compute_gap ---------------------------------------------------------------------------------

def test_gap_difference_and_index():
    gap = compute_gap(120.0, "ok", 80.0, "ok")
    assert gap.status == GAP_OK
    assert gap.difference == pytest.approx(40.0)
    assert gap.index == pytest.approx(150.0)


def test_gap_below_reference_is_negative():
    gap = compute_gap(60.0, "ok", 80.0, "ok")
    assert gap.difference == pytest.approx(-20.0)
    assert gap.index == pytest.approx(75.0)


@pytest.mark.parametrize("status", ["secret", "missing", "not_published", "not_applicable"])
def test_gap_value_status_not_ok(status):
    gap = compute_gap(None, status, 80.0, "ok")
    assert gap.status == GAP_VALUE_UNAVAILABLE
    assert gap.difference is None
    assert gap.index is None


def test_gap_value_status_wins_over_number():
    # A stale number stored with a non-ok status must not be used.
    gap = compute_gap(12.0, "secret", 80.0, "ok")
    assert gap.status == GAP_VALUE_UNAVAILABLE
    assert gap.difference is None


@pytest.mark.parametrize("status", ["secret", "missing", "not_published", "not_applicable"])
def test_gap_reference_status_not_ok(status):
    gap = compute_gap(50.0, "ok", None, status)
    assert gap.status == GAP_REFERENCE_UNAVAILABLE
    assert gap.difference is None
    assert gap.index is None


def test_gap_nan_value_is_unavailable():
    assert compute_gap(float("nan"), "ok", 10.0, "ok").status == GAP_VALUE_UNAVAILABLE
    assert compute_gap(10.0, "ok", float("nan"), "ok").status == GAP_REFERENCE_UNAVAILABLE


def test_gap_zero_reference_keeps_difference_only():
    gap = compute_gap(5.0, "ok", 0.0, "ok")
    assert gap.status == GAP_INDEX_UNDEFINED
    assert gap.difference == pytest.approx(5.0)
    assert gap.index is None


def test_gap_negative_values_have_no_index():
    gap = compute_gap(-0.4, "ok", 0.3, "ok")
    assert gap.status == GAP_INDEX_UNDEFINED
    assert gap.difference == pytest.approx(-0.7)
    assert compute_gap(0.4, "ok", -0.3, "ok").index is None


def test_gap_zero_value_has_index_zero():
    gap = compute_gap(0.0, "ok", 20.0, "ok")
    assert gap.status == GAP_OK
    assert gap.index == 0.0


def test_gap_interval_unit_has_no_index():
    gap = compute_gap(0.2, "ok", 0.4, "ok", ratio_scale=False)
    assert gap.status == GAP_INDEX_UNDEFINED
    assert gap.difference == pytest.approx(-0.2)


def test_gap_not_comparable_has_no_number():
    gap = compute_gap(100.0, "ok", 67_000_000.0, "ok", comparable=False)
    assert gap.status == GAP_NOT_COMPARABLE
    assert gap.difference is None
    assert gap.index is None


def test_index_to_reference_edges():
    assert index_to_reference(50.0, 100.0) == pytest.approx(50.0)
    assert index_to_reference(50.0, 0.0) is None
    assert index_to_reference(-1.0, 10.0) is None


def test_gap_comparable_by_aggregation_rule():
    rate = make_indicator(rule="ratio")
    count = make_indicator(indicator_id="count", unit="euros", rule="sum")
    category = make_indicator(indicator_id="zone", unit="categorie", categorical=True)
    assert gap_comparable(rate, "commune", "france")
    assert not gap_comparable(count, "commune", "france")
    assert gap_comparable(count, "commune", "commune")
    assert not gap_comparable(category, "commune", "commune")


# --- common year ---------------------------------------------------------------------------------

def _rows(*items):
    return ok_years_by_level(pd.DataFrame(items, columns=["level", "year", "status"]))


def test_latest_common_year_prefers_shared_year():
    frame = _rows(("commune", 2017, "ok"), ("commune", 2019, "ok"),
                  ("france", 2017, "ok"), ("france", 2019, "ok"), ("france", 2021, "ok"))
    assert latest_common_year(frame, ["commune", "france"]) == 2019


def test_latest_common_year_ignores_years_without_ok_values():
    frame = _rows(("commune", 2019, "secret"), ("commune", 2017, "ok"),
                  ("france", 2017, "ok"), ("france", 2019, "ok"))
    assert latest_common_year(frame, ["commune", "france"]) == 2017


def test_latest_common_year_without_shared_year():
    frame = _rows(("commune", 2015, "ok"), ("france", 2021, "ok"))
    assert latest_common_year(frame, ["commune", "france"]) == 2021


def test_latest_common_year_level_without_values():
    frame = _rows(("france", 2021, "ok"))
    assert latest_common_year(frame, ["commune", "france"]) == 2021
    assert latest_common_year(frame, ["commune"]) is None
    assert latest_common_year({}, ["france"]) is None


def test_ok_years_by_level_ignores_other_statuses():
    frame = _rows(("commune", 2019, "secret"), ("commune", 2017, "ok"), ("france", 2019, "ok"))
    assert frame == {"commune": frozenset({2017}), "france": frozenset({2019})}


# --- cells of one indicator ----------------------------------------------------------------------

def _values(*items):
    return pd.DataFrame(items, columns=["indicator", "level", "code", "year", "value", "status", "category"])


def cells_of(frame, indicator, columns, reference):
    """`indicator_cells` on store rows given as a frame, the way the store looks them up."""
    rows = {(r.level, r.code, r.year): (None if pd.isna(r.value) else float(r.value), r.status,
                                        None if r.category is None else r.category)
            for r in frame.itertuples(index=False)}

    def lookup(level, code, year):
        return rows.get((level, code, year), (None, "missing", None))

    return indicator_cells(ok_years_by_level(frame), lookup, indicator, columns, reference)


COLUMNS = (Column("commune", "69123", "Lyon", "selected"), Column("commune", "69266", "Villeurbanne", "selected"),
           Column("epci", "200046977", "Métropole de Lyon", "selected"),
           Column("france", "FR", "France", "france"))


def test_indicator_cells_statuses_and_gaps():
    indicator = make_indicator(levels=("france", "commune"))
    frame = _values(("spending", "commune", "69123", 2019, 150.0, "ok", None),
                    ("spending", "commune", "69266", 2019, None, "secret", None),
                    ("spending", "france", "FR", 2019, 100.0, "ok", None),
                    ("spending", "france", "FR", 2017, 90.0, "ok", None))
    year, cells = cells_of(frame, indicator, COLUMNS, COLUMNS[-1])
    assert year == 2019
    assert cells["commune:69123"].gap.index == pytest.approx(150.0)
    assert cells["commune:69123"].gap.difference == pytest.approx(50.0)
    assert cells["commune:69266"].status == "secret"
    assert cells["commune:69266"].value is None
    assert cells["commune:69266"].gap.status == GAP_VALUE_UNAVAILABLE
    # Not published at the EPCI level in the catalogue: "sans objet", never zero.
    assert cells["epci:200046977"].status == "not_applicable"
    assert cells["epci:200046977"].value is None
    assert cells["france:FR"].gap.status == GAP_IS_REFERENCE


def test_indicator_cells_missing_row_at_published_level():
    indicator = make_indicator(levels=("france", "commune", "epci"))
    frame = _values(("spending", "commune", "69123", 2019, 150.0, "ok", None),
                    ("spending", "france", "FR", 2019, 100.0, "ok", None))
    _, cells = cells_of(frame, indicator, COLUMNS, COLUMNS[-1])
    assert cells["epci:200046977"].status == "missing"
    assert cells["commune:69266"].status == "missing"


def test_indicator_cells_reference_secret():
    indicator = make_indicator(levels=("france", "commune"))
    frame = _values(("spending", "commune", "69123", 2019, 150.0, "ok", None),
                    ("spending", "commune", "69266", 2019, 120.0, "ok", None),
                    ("spending", "france", "FR", 2019, None, "not_published", None))
    reference = COLUMNS[1]
    year, cells = cells_of(frame, indicator, COLUMNS, reference)
    assert year == 2019
    assert cells["commune:69123"].gap.index == pytest.approx(125.0)
    assert cells["france:FR"].gap.status == GAP_VALUE_UNAVAILABLE
    assert cells["commune:69266"].gap.status == GAP_IS_REFERENCE

    _, against_france = cells_of(frame, indicator, COLUMNS, COLUMNS[-1])
    assert against_france["commune:69123"].gap.status == GAP_REFERENCE_UNAVAILABLE


def test_indicator_cells_additive_across_levels():
    indicator = make_indicator(indicator_id="amount", unit="euros", rule="sum", levels=("france", "commune"))
    frame = _values(("amount", "commune", "69123", 2019, 3.0e7, "ok", None),
                    ("amount", "commune", "69266", 2019, 1.0e7, "ok", None),
                    ("amount", "france", "FR", 2019, 4.0e9, "ok", None))
    _, cells = cells_of(frame, indicator, COLUMNS, COLUMNS[-1])
    assert cells["commune:69123"].gap.status == GAP_NOT_COMPARABLE
    _, same_level = cells_of(frame, indicator, COLUMNS, COLUMNS[1])
    assert same_level["commune:69123"].gap.index == pytest.approx(300.0)


def test_indicator_cells_categorical():
    indicator = make_indicator(indicator_id="zone", unit="categorie", categorical=True, levels=("commune",))
    frame = _values(("zone", "commune", "69123", 2019, None, "ok", "1"))
    _, cells = cells_of(frame, indicator, COLUMNS, COLUMNS[-1])
    assert cells["commune:69123"].category == "1"
    assert cells["commune:69123"].gap.status == GAP_CATEGORICAL
    assert cells["france:FR"].status == "not_applicable"
    assert value_text(indicator, None, "ok", "1", "fr") == "Rural"


# --- texts ---------------------------------------------------------------------------------------

def test_gap_text_french_and_english():
    indicator = make_indicator()
    gap = compute_gap(120.5, "ok", 80.0, "ok")
    assert gap_text(indicator, gap, "fr") == "+40,5\u00a0€ par habitant · indice\u00a0151"
    assert gap_text(indicator, gap, "en") == "+40.5\u00a0€ per inhabitant · index\u00a0151"


def test_difference_of_percentages_in_points():
    share = make_indicator(indicator_id="share", unit="pourcent", rule="ratio", decimals=1)
    assert difference_text(share, -0.84, "fr") == "\u22120,8\u00a0pt"
    assert difference_text(share, 1.26, "en") == "+1.3\u00a0pp"


def test_gap_text_names_the_missing_reference():
    indicator = make_indicator()
    gap = compute_gap(50.0, "ok", None, "secret")
    assert gap_text(indicator, gap, "fr") == "écart non calculable : référence non disponible"


def test_value_text_status_is_never_zero():
    indicator = make_indicator()
    assert value_text(indicator, None, "secret", None, "fr") == "secret statistique"
    assert value_text(indicator, None, "not_applicable", None, "fr") == "sans objet"
    assert value_text(indicator, 0.0, "ok", None, "fr") == "0,0\u00a0€ par habitant"


def test_sort_key_puts_rows_without_index_last():
    with_index = compute_gap(120.0, "ok", 100.0, "ok")
    without = compute_gap(None, "secret", 100.0, "ok")
    assert sort_key(with_index) == (0, pytest.approx(120.0))
    assert sort_key(without)[0] == 1
    assert sort_key(None)[0] == 1
    assert not math.isnan(sort_key(without)[1])


def test_gap_unavailable_value_wins_over_not_comparable():
    # A "sans objet" amount shows its status, which already explains the missing gap.
    gap = compute_gap(None, "not_applicable", 4.0e9, "ok", comparable=False)
    assert gap.status == GAP_VALUE_UNAVAILABLE
