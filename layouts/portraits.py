"""Portraits index: find any territory, or pick a région on the map or in the list."""

from __future__ import annotations

import dash
from dash import dcc, html

from atlas import store
from atlas.i18n import t
from atlas.portraits_index import regions_map, regions_with_departements
from atlas.urlstate import StateParser, build_href
from layouts.components.page import invalid_params_notice, page_header, store_missing_notice
from layouts.components.territory_search import territory_dropdown

dash.register_page(__name__, path="/portraits", name="Portraits", order=3)


def _region_list(lang: str) -> html.Ul:
    items = []
    for region in regions_with_departements():
        departements = html.Details([
            html.Summary(t("portrait.index_departements", lang)),
            html.Ul([html.Li(dcc.Link(f"{d['name']} ({d['code']})",
                                      href=build_href(f"/portrait/departement/{d['code']}", {"lang": lang})))
                     for d in region["departements"]]),
        ]) if len(region["departements"]) > 1 else None
        items.append(html.Li([
            dcc.Link(region["name"], href=build_href(f"/portrait/region/{region['code']}", {"lang": lang}),
                     className="portraits-region-link"),
            departements,
        ]))
    return html.Ul(items, className="portraits-regions", id="portraits-region-list")


def layout(**params):
    parser = StateParser(params, "portraits")
    lang = parser.lang
    header = page_header(t("portrait.index_title", lang), t("portrait.index_intro", lang), page_id="portraits")
    if not store.is_built():
        return html.Div([header, store_missing_notice(lang, "portraits")], className="page page-portraits")
    figure, codes = regions_map(lang)
    return html.Div(className="page page-portraits", children=[
        header,
        invalid_params_notice(parser.invalid, lang, "portraits"),
        dcc.Location(id="portraits-location", refresh="callback-nav"),
        dcc.Store(id="portraits-map-codes", data=codes),
        html.Div(className="card portraits-search", children=[
            html.Label(t("portrait.index_search", lang), htmlFor="portraits-search", className="control-label"),
            territory_dropdown("portraits-search", lang),
            html.P(t("portrait.index_search_help", lang), className="source-line"),
            dcc.Link(t("portrait.index_france", lang), href=build_href("/portrait/france/FR", {"lang": lang}),
                     className="button button-secondary", id="portraits-france-link"),
        ]),
        html.Div(className="portraits-grid", children=[
            html.Div(className="card", children=[
                html.H2(t("portrait.index_regions", lang)),
                _region_list(lang),
            ]),
            html.Div(className="card portraits-map-card", children=[
                # dcc.Graph takes no aria attributes: the description precedes the map for screen readers.
                html.P(t("portrait.index_map_alt", lang), className="visually-hidden", id="portraits-map-desc"),
                dcc.Graph(id="portraits-map", figure=figure or {}, config={"displayModeBar": False, "responsive": True})
                if figure else None,
            ]),
        ]),
    ])
