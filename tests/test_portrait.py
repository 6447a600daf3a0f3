"""Portraits on the real build: every région renders, figures match the API, statuses stay explicit."""

from __future__ import annotations

import json

import pytest

from atlas import store
from atlas.portrait import (Place, parent_of, parse_place, portrait_sections, portrait_table, section_summary,
                            sibling_rank)

SECTION_IDS = ["contexte", "offre_lieux", "depenses_publiques", "emploi_entreprises"]


@pytest.fixture(scope="module")
def app_module(built_store):
    import app
    return app


def _text(component) -> str:
    return json.dumps(component.to_plotly_json(), default=lambda o: o.to_plotly_json() if hasattr(o, "to_plotly_json") else str(o))


def test_every_region_portrait_renders(app_module):
    from layouts.portrait import layout

    regions = store.territories_of("region")
    assert len(regions) == 18
    for code in regions["code"]:
        page = _text(layout(level="region", code=code))
        for section in SECTION_IDS:
            assert f"portrait-section-{section}" in page, f"région {code} lacks section {section}"


@pytest.mark.parametrize("level", ["france", "departement", "epci", "zone_emploi", "aav", "commune"])
def test_sample_portraits_render(app_module, level):
    from layouts.portrait import layout

    codes = store.territories_of(level)["code"]
    for code in codes.sample(min(3, len(codes)), random_state=7):
        page = _text(layout(level=level, code=code, lang="en"))
        assert "portrait-title" in page
        assert "Socio-demographic context" in page


def test_unknown_territory_falls_back_to_france(app_module):
    from layouts.portrait import layout

    page = _text(layout(level="../../etc", code="<script>"))
    assert "portrait-invalid" in page
    assert "Portrait : France" in page
    assert "<script>" not in page


def test_parents_by_level(built_store):
    commune = parse_place("commune", "75056")
    assert commune is not None
    assert parent_of(commune).level == "departement"
    assert parent_of(commune).code == "75"
    assert parent_of(parse_place("departement", "75")).code == "11"
    assert parent_of(parse_place("region", "11")).level == "france"
    assert parent_of(Place("france", "FR", "France")) is None


def test_region_figures_match_api(app_module):
    client = app_module.server.test_client()
    place = parse_place("region", "84")
    checked = 0
    for section in portrait_sections(place):
        for row in section.rows:
            if row.status != "ok" or row.indicator.is_categorical:
                continue
            response = client.get(f"/api/v1/indicators/{row.indicator.id}/values?level=region&year={row.year}")
            assert response.status_code == 200, row.indicator.id
            values = {item["code"]: item for item in response.get_json()["values"]}
            # The API rounds values to 6 decimals.
            assert values["84"]["value"] == pytest.approx(row.value, rel=1e-5, abs=1e-6), row.indicator.id
            checked += 1
    assert checked >= 10


def test_rank_counts_siblings_with_values(built_store):
    place = parse_place("departement", "69")
    year = store.indicator_years("population", "departement")[-1]
    rank, total, ties = sibling_rank("population", place, year)
    frame = store.indicator_values("population", "departement", year)
    region_codes = set(store.territories_of("departement").query("region == '84'")["code"])
    siblings = frame[frame["code"].isin(region_codes) & (frame["status"] == "ok")]
    expected = int((siblings["value"] > float(frame.loc[frame["code"] == "69", "value"].iloc[0])).sum()) + 1
    assert total == len(siblings)
    assert rank == expected
    assert ties == 0


def test_rank_marks_ties(built_store):
    """Ranks among communes without a Zénith are ex aequo, not first."""
    from atlas.portrait import FigureRow, rank_text
    from atlas.catalogue import load_catalogue

    place = parse_place("commune", "01002")
    indicator_id = "lieux_zenith"
    year = store.indicator_years(indicator_id, "commune")[-1]
    value, status, _ = store.value_of(indicator_id, "commune", year, "01002")
    rank, total, ties = sibling_rank(indicator_id, place, year)
    assert status == "ok"
    assert ties > 0, "many communes of Ain share this count"
    row = FigureRow(indicator=load_catalogue().get(indicator_id), year=year, value=value, status=status,
                    rank=rank, rank_total=total, rank_ties=ties)
    assert "ex aequo" in rank_text(row, place, "fr")


def test_unpublished_spending_is_not_zero(built_store):
    """A commune under 3,500 inhabitants has no published spending: the row says so."""
    population_year = store.indicator_years("population", "commune")[-1]
    populations = store.indicator_values("population", "commune", population_year)
    small = populations[(populations["status"] == "ok") & (populations["value"] < 500)]["code"].iloc[0]
    place = parse_place("commune", small)
    rows = [row for section in portrait_sections(place) for row in section.rows
            if row.indicator.id == "depenses_culturelles_communes"]
    assert rows, "the spending indicator of communes is missing from commune portraits"
    assert rows[0].status != "ok"
    assert rows[0].value is None


def test_summary_sentences_in_both_languages(built_store):
    place = parse_place("region", "11")
    parent = parent_of(place)
    section = portrait_sections(place)[0]
    french = section_summary(section, place, parent, "fr")
    english = section_summary(section, place, parent, "en")
    assert french
    assert english
    assert french != english


def test_table_has_metadata_for_each_row(built_store):
    table, metadata = portrait_table(parse_place("departement", "33"), "fr")
    assert len(table) == len(metadata)
    assert len(table) > 10
    assert all(row["Source"] for row in metadata)
