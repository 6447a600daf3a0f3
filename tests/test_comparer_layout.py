"""The Comparer page layout in each view: ids, notices, links, without a browser."""

from __future__ import annotations

import pytest

from tests.test_component_ids import _collect_ids

CHAIN = "commune:69123,epci:200046977,departement:69,region:84"


@pytest.fixture(scope="module")
def comparer_layout(built_store):
    import app  # noqa: F401  registers the pages
    from layouts.comparer import layout

    return layout


def _ids(tree) -> list[str]:
    found: list = []
    _collect_ids(tree, found)
    return found


@pytest.mark.parametrize("view", ["table", "charts", "maps"])
def test_ids_prefixed_and_unique(comparer_layout, view):
    ids = _ids(comparer_layout(t=CHAIN, view=view))
    assert len(ids) == len(set(ids))
    for component_id in ids:
        assert "comparer-" in component_id, component_id


def test_empty_page_offers_examples(comparer_layout):
    ids = _ids(comparer_layout())
    assert "comparer-empty" in ids
    assert "comparer-table" not in ids


def test_invalid_parameter_shows_notice(comparer_layout):
    ids = _ids(comparer_layout(t="commune:69123,commune:00000", view="3d"))
    assert "comparer-notice" in ids
    assert "comparer-table" in ids


def test_download_links_carry_the_query(comparer_layout):
    tree = comparer_layout(t=CHAIN, theme="contexte", lang="en")
    links = {}

    def walk(component):
        if isinstance(component, (list, tuple)):
            for child in component:
                walk(child)
            return
        if not hasattr(component, "to_plotly_json"):
            return
        if str(getattr(component, "id", "")).startswith("comparer-download-"):
            links[component.id] = component.href
        walk(getattr(component, "children", None))

    walk(tree)
    assert set(links) == {"comparer-download-csv", "comparer-download-csv-fr", "comparer-download-xlsx",
                          "comparer-download-png", "comparer-download-pdf"}
    assert links["comparer-download-csv"].startswith("/export/comparaison.csv?")
    assert "theme=contexte" in links["comparer-download-xlsx"]
    assert "lang=en" in links["comparer-download-xlsx"]
    assert "sep=fr" in links["comparer-download-csv-fr"]
