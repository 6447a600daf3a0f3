"""The comparison on the real build: URL state, table, export frame and figures."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from atlas import store
from atlas.catalogue import load_catalogue
from atlas.compare import (MAX_TERRITORIES, REF_PARENT, build_comparison, comparison_figures,
                           comparison_table, default_indicators, parse_params, theme_indicators, to_query,
                           with_indicators, with_parents, with_reference, with_similar, with_sort,
                           with_territories)
from atlas.compare_gaps import GAP_NOT_COMPARABLE, GAP_OK
from atlas.urlstate import build_href, parse_search

LYON_CHAIN = "commune:69123,epci:200046977,departement:69,region:84"
SPENDING = "depenses_culturelles_communes_par_habitant"


@pytest.fixture(scope="module", autouse=True)
def real_store(built_store):
    return built_store


def _query(**params) -> dict:
    return {key: value for key, value in params.items() if value is not None}


# --- URL state ---------------------------------------------------------------------------------

def test_parse_params_reads_territories_and_theme():
    params = parse_params(_query(t=LYON_CHAIN, theme="depenses_publiques", lang="en"))
    assert params.territories == (("commune", "69123"), ("epci", "200046977"), ("departement", "69"),
                                  ("region", "84"))
    assert params.indicators == tuple(theme_indicators("depenses_publiques"))
    assert params.theme == "depenses_publiques"
    assert params.lang == "en"
    assert params.invalid == ()


def test_parse_params_defaults():
    params = parse_params({})
    assert params.territories == ()
    assert params.indicators == tuple(default_indicators())
    assert params.ref == "FR"
    assert params.view == "table"


def test_default_indicators_prefer_rates():
    catalogue = load_catalogue()
    defaults = [catalogue.get(item) for item in default_indicators()]
    assert defaults
    assert len({indicator.theme for indicator in defaults}) == len(defaults)
    for indicator in defaults:
        assert len(indicator.levels) >= 3
        broad_rates = [other for other in catalogue.visible()
                       if other.theme == indicator.theme and not other.is_categorical
                       and other.aggregation["rule"] != "sum" and len(other.levels) >= 3
                       and store.indicator_years(other.id)]
        if broad_rates:
            assert indicator.aggregation["rule"] != "sum"


@pytest.mark.parametrize("name, value", [
    ("t", "commune:99999"), ("t", "commune:<script>"), ("t", "pays:FR"),
    ("indicators", "no_such_indicator"), ("theme", "astrologie"), ("ref", "commune:75056"),
    ("sort", "region:11"), ("order", "sideways"), ("view", "3d"), ("map", "no_such_indicator"),
])
def test_parse_params_invalid_value_falls_back(name, value):
    params = parse_params({"t": "commune:69123", **{name: value}})
    assert name in params.invalid


def test_parse_params_partly_invalid_list():
    params = parse_params(_query(t="commune:69123,commune:99999,region:84"))
    assert params.territories == (("commune", "69123"), ("region", "84"))
    assert params.invalid == ("t",)


def test_parse_params_too_many_territories():
    codes = ["69123", "69266", "69259", "69029", "69290", "69384", "69381", "69202", "69204", "69149"]
    params = parse_params(_query(t=",".join(f"commune:{code}" for code in codes)))
    assert len(params.territories) <= MAX_TERRITORIES
    assert "t" in params.invalid


def test_parse_params_france_is_implicit():
    params = parse_params(_query(t="france:FR,commune:69123"))
    assert params.territories == (("commune", "69123"),)
    assert params.invalid == ()


def test_parent_reference_needs_a_common_parent():
    params = parse_params(_query(t="commune:69123,commune:75056", ref="parent"))
    assert params.ref == "FR"
    assert "ref" in params.invalid
    assert parse_params(_query(t="commune:69123,commune:69266", ref="parent")).ref == REF_PARENT


def test_query_round_trip():
    params = parse_params(_query(t=LYON_CHAIN, indicators=f"{SPENDING},taux_de_pauvrete", ref="region:84",
                                 sort="commune:69123", order="asc", view="charts", lang="en"))
    assert params.invalid == ()
    again = parse_params(parse_search(build_href("/comparer", to_query(params)).split("?", 1)[1]))
    assert again == params


def test_theme_stays_only_while_complete():
    params = parse_params(_query(t="commune:69123", theme="contexte"))
    fewer = with_indicators(params, params.indicators[1:], theme="contexte")
    assert fewer.theme is None
    assert "theme" not in {key for key, value in to_query(fewer).items() if value}


def test_with_sort_cycles():
    params = parse_params(_query(t=LYON_CHAIN))
    first = with_sort(params, "commune:69123")
    assert (first.sort, first.order) == ("commune:69123", "desc")
    second = with_sort(first, "commune:69123")
    assert second.order == "asc"
    assert with_sort(second, "catalogue").sort == ""
    assert with_sort(params, "region:11") == params


def test_removing_the_sorted_territory_resets_sort_and_reference():
    params = parse_params(_query(t=LYON_CHAIN, sort="commune:69123", ref="commune:69123"))
    smaller = with_territories(params, params.territories[1:])
    assert smaller.sort == ""
    assert smaller.ref == "FR"


def test_with_reference_rejects_unknown():
    params = parse_params(_query(t=LYON_CHAIN))
    assert with_reference(params, "commune:75056") == params
    assert with_reference(params, "region:84").ref == "region:84"


def test_with_parents_adds_epci_departement_region():
    params = with_parents(parse_params(_query(t="commune:69123")))
    assert params.territory_values == LYON_CHAIN.split(",")


def test_with_similar_adds_communes_of_the_same_departement():
    if not store.indicator_years("population", "commune"):
        pytest.skip("the indicator 'population' is not in this build (time series step)")
    params = with_similar(parse_params(_query(t="commune:69123")))
    added = params.territories[1:]
    assert 1 <= len(added) <= 3
    for level, code in added:
        assert level == "commune"
        assert store.territory(level, code)["departement"] == "69"


# --- the comparison ----------------------------------------------------------------------------

def test_columns_add_france_and_common_parent():
    comparison = build_comparison(_query(t="commune:69123,commune:69266"))
    keys = [column.key for column in comparison.columns]
    assert keys == ["commune:69123", "commune:69266", "epci:200046977", "france:FR"]
    assert [column.role for column in comparison.columns] == ["selected", "selected", "parent", "france"]
    assert comparison.reference.key == "france:FR"


def test_values_match_the_store():
    comparison = build_comparison(_query(t=LYON_CHAIN, indicators=SPENDING))
    row = comparison.rows[0]
    expected = store.indicator_values(SPENDING, "commune", row.year).set_index("code").loc["69123"]
    cell = row.cells["commune:69123"]
    assert cell.status == expected["status"]
    assert cell.value == pytest.approx(float(expected["value"]))
    france = row.cells["france:FR"]
    assert cell.gap.index == pytest.approx(cell.value / france.value * 100)
    assert cell.gap.difference == pytest.approx(cell.value - france.value)


def test_unpublished_level_is_not_zero():
    # Regional spending is not published for a commune: "sans objet", not 0.
    comparison = build_comparison(_query(t="commune:69123,region:84", indicators="depenses_culturelles_regions_par_habitant"))
    cell = comparison.rows[0].cells["commune:69123"]
    assert cell.status == "not_applicable"
    assert cell.value is None
    assert comparison.rows[0].cells["region:84"].status == "ok"


def test_amounts_have_no_gap_across_levels():
    comparison = build_comparison(_query(t="commune:69123,commune:69266", indicators="depenses_culturelles_communes",
                                         ref="commune:69266"))
    cells = comparison.rows[0].cells
    assert cells["commune:69123"].gap.status == GAP_OK
    assert cells["epci:200046977"].gap.status == GAP_NOT_COMPARABLE


def test_sort_by_index_descending_puts_missing_last():
    params = _query(t="departement:69", theme="depenses_publiques", sort="departement:69", order="desc")
    rows = build_comparison(params).rows
    indices = [row.cells["departement:69"].gap.index for row in rows]
    numbers = [value for value in indices if value is not None]
    assert numbers == sorted(numbers, reverse=True)
    first_missing = next(i for i, value in enumerate(indices) if value is None)
    assert all(value is None for value in indices[first_missing:])


def test_comparison_table_long_form_and_metadata():
    frame, metadata = comparison_table(_query(t=LYON_CHAIN, theme="contexte"))
    indicators = theme_indicators("contexte")
    assert len(frame) == len(indicators) * 5
    assert set(frame["code"]) == {"69123", "200046977", "69", "84", "FR"}
    assert frame.loc[frame["status"] != "ok", "value"].isna().all()
    assert [row["indicator"] for row in metadata] == indicators
    for row in metadata:
        assert row["definition"]
        assert row["source"]
        assert row["unit"] is not None
        assert isinstance(row["year"], int)
    assert not frame["year"].isna().any()


def test_comparison_table_values_equal_the_store():
    frame, _ = comparison_table(_query(t=LYON_CHAIN, indicators=f"{SPENDING},taux_de_pauvrete"))
    catalogue = load_catalogue()
    for record in frame.itertuples(index=False):
        stored = store.indicator_values(record.indicator, record.level, int(record.year)).set_index("code")
        expected = stored.loc[record.code]
        if record.status == "not_applicable" and expected["status"] == "missing":
            # No stored row at a level the catalogue does not publish: "sans objet".
            assert record.level not in catalogue.get(record.indicator).levels
            continue
        assert record.status == expected["status"]
        if record.status == "ok":
            assert record.value == pytest.approx(float(expected["value"]))
        else:
            assert math.isnan(record.value)


def test_comparison_figures_titled_with_unit_year_and_source():
    figures = comparison_figures(_query(t=LYON_CHAIN, indicators=f"{SPENDING},part_actifs_secteurs_culturels"), "fr")
    assert len(figures) == 3  # profile, then one bar chart per indicator
    profile, *bars = figures
    assert "France = 100" in profile.layout.title.text
    assert profile.layout.xaxis.type == "log"
    for figure in bars:
        assert figure.layout.title.text
        assert figure.layout.title.subtitle.text.endswith(("2017", "2018", "2019", "2020", "2021"))
        notes = [annotation.text for annotation in figure.layout.annotations]
        assert any(note.startswith("Source") for note in notes)
    spending = bars[0]
    assert "€ par habitant" in spending.layout.title.subtitle.text


def test_bar_chart_writes_status_instead_of_zero():
    figures = comparison_figures(_query(t="commune:69123,region:84", indicators="depenses_culturelles_regions_par_habitant"), "fr")
    bars = figures[-1]
    trace = bars.data[0]
    position = list(trace.y).index("commune:69123")
    assert trace.x[position] is None
    assert any(annotation.text == "<i>sans objet</i>" for annotation in bars.layout.annotations)


def test_comparison_figures_follow_language():
    figures = comparison_figures(_query(t="commune:69123", indicators=SPENDING), "en")
    assert "France = 100" in figures[0].layout.title.text
    assert figures[0].layout.separators == ".,"
    assert "per inhabitant" in figures[-1].layout.title.subtitle.text


def test_comparison_frame_types():
    frame, _ = comparison_table(_query(t="commune:69123", indicators=SPENDING))
    assert frame["value"].dtype == "float64"
    assert frame["index"].dtype == "float64"
    assert pd.api.types.is_integer_dtype(frame["year"])
