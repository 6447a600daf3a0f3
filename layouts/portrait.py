"""Page of one territory's portrait: `/portrait/<level>/<code>`.

The page is drawn from the URL alone (no callback computes it), so it prints, exports and
shares as is. An unknown level or code shows the portrait of France with a message.
"""

from __future__ import annotations

import logging

import dash
from dash import dcc, html

from atlas import store
from atlas.charts import GRAPH_CONFIG
from atlas.i18n import t
from atlas.portrait import (Place, format_row_value, gap_text, parent_of, parse_place, portrait_sections,
                            rank_text, section_summary)
from atlas.portrait_figures import index_chart, locator_map, population_chart
from atlas.urlstate import StateParser, build_href
from layouts.components.page import invalid_params_notice, store_missing_notice

log = logging.getLogger(__name__)

dash.register_page(__name__, path_template="/portrait/<level>/<code>", name="Portrait")


def _figure_table(section, place: Place, parent: Place | None, lang: str) -> html.Div:
    head = [t("portrait.col_indicator", lang), place.name,
            parent.name if parent else t("portrait.col_parent", lang), "France",
            t("portrait.col_index", lang), t("portrait.col_rank", lang)]
    rows = []
    for row in section.rows:
        indicator = row.indicator
        value_class = "num" if row.status == "ok" else "num status-text"
        rows.append(html.Tr([
            html.Th(scope="row", children=[
                indicator.text("label", lang),
                html.Details(className="portrait-definition", children=[
                    html.Summary(t("common.definition", lang)),
                    html.P(indicator.text("definition", lang)),
                    html.P(t("common.source_year", lang, source=indicator.text("source", lang), year=row.year),
                           className="source-line"),
                    *([html.P(indicator.text("notes", lang), className="source-line")] if indicator.notes else []),
                ]),
            ]),
            html.Td(format_row_value(row, "value", lang), className=value_class),
            html.Td(format_row_value(row, "parent", lang), className="num"),
            html.Td(format_row_value(row, "france", lang), className="num"),
            html.Td(gap_text(row, lang), className="num"),
            html.Td(rank_text(row, place, lang), className="num"),
        ]))
    return html.Div(className="table-scroll", children=html.Table(className="data-table portrait-table", children=[
        html.Thead(html.Tr([html.Th(label, scope="col", className="num" if i else None) for i, label in enumerate(head)])),
        html.Tbody(rows),
    ]))


def _graph(figure, graph_id: str, label: str) -> html.Figure | None:
    if figure is None:
        return None
    return html.Figure(className="portrait-figure", children=[
        dcc.Graph(id=graph_id, figure=figure, config=GRAPH_CONFIG),
        html.Figcaption(label, className="visually-hidden"),
    ])


def _header(place: Place, parent: Place | None, lang: str) -> list:
    chain = []
    row = store.territory(place.level, place.code) or {}
    for level in ("region", "departement", "epci"):
        code = row.get(level)
        if level == place.level or code is None or str(code) in ("", "<NA>", "nan"):
            continue
        parent_place = parse_place(level, str(code))
        if parent_place:
            chain.append(parent_place)
    crumbs = [dcc.Link("France", href=build_href("/portrait/france/FR", {"lang": lang}))] if place.level != "france" else []
    for item in chain:
        crumbs += [" › ", dcc.Link(item.name, href=build_href(f"/portrait/{item.level}/{item.code}", {"lang": lang}))]
    query = {"lang": lang}
    territory_value = f"{place.level}:{place.code}"
    actions = html.Div(className="portrait-actions no-print", children=[
        html.A(t("portrait.download_pdf", lang), className="button", id="portrait-pdf",
               href=build_href("/export/portrait.pdf", {"level": place.level, "code": place.code, "lang": lang})),
        html.A(t("portrait.download_xlsx", lang), className="button button-secondary", id="portrait-xlsx",
               href=build_href("/export/portrait.xlsx", {"level": place.level, "code": place.code, "lang": lang})),
        html.Button(t("portrait.print", lang), id="portrait-print", className="button button-secondary", n_clicks=0),
        dcc.Link(t("portrait.see_map", lang), className="portrait-link",
                 href=build_href("/", {**query, "level": place.level if place.level != "france" else None,
                                       "code": place.code if place.level != "france" else None})),
        dcc.Link(t("portrait.see_compare", lang), className="portrait-link",
                 href=build_href("/comparer", {**query, "t": territory_value})),
        dcc.Link(t("portrait.see_evolution", lang), className="portrait-link",
                 href=build_href("/evolution", {**query, "t": territory_value})),
    ])
    if parent is None:
        intro = t("portrait.france_intro", lang)
    elif parent.level == "france":
        intro = t("portrait.compared_with_france", lang)
    else:
        intro = t("portrait.compared_with", lang, parent=parent.name)
    return [
        html.Nav(crumbs, className="portrait-breadcrumb", **{"aria-label": t("portrait.breadcrumb_label", lang)}) if crumbs else None,
        html.H1(t("portrait.page_title", lang, name=place.name), id="portrait-title"),
        html.P(t("portrait.level_line", lang, level=t(f"common.level_{place.level}", lang), code=place.code),
               className="portrait-level"),
        actions,
        html.P(intro, className="page-intro"),
    ]


def layout(level=None, code=None, **params):
    parser = StateParser(params, "portrait")
    lang = parser.lang
    if not store.is_built():
        return html.Div(store_missing_notice(lang, "portrait"), className="page page-portrait")

    place = parse_place(level, code)
    notices = [invalid_params_notice(parser.invalid, lang, "portrait")]
    if place is None:
        log.warning("portrait: unknown territory level=%r code=%r, France shown", str(level)[:40], str(code)[:40])
        notices.append(html.Div(t("portrait.invalid_territory", lang), className="notice notice-warning",
                                role="status", id="portrait-invalid"))
        place = Place("france", "FR", "France")
    parent = parent_of(place)
    sections = portrait_sections(place)

    body = []
    for section in sections:
        facts = section_summary(section, place, parent, lang)
        children = [html.H2(t(f"portrait.section_{section.id}", lang), id=f"portrait-section-{section.id}"),
                    html.Div([html.P(sentence) for sentence in facts], className="portrait-summary")]
        if section.id == "contexte":
            children.append(_graph(population_chart(place.level, place.code, lang), "portrait-population-chart",
                                   t("portrait.chart_population_title", lang, name=place.name)))
        if section.rows:
            children.append(_figure_table(section, place, parent, lang))
        children.append(_graph(index_chart(section, place, parent, lang), f"portrait-index-{section.id}",
                               t("portrait.chart_index_title", lang, section=t(f"portrait.section_{section.id}", lang))))
        body.append(html.Section(children, className="card portrait-section"))

    locator = locator_map(place.level, place.code, lang)
    locator_block = None
    if locator is not None:
        alt = t("portrait.locator_alt", lang, name=place.name, parent=parent.name if parent else "France")
        locator_block = html.Figure(className="portrait-locator", children=[
            dcc.Graph(id="portrait-locator", figure=locator, config={**GRAPH_CONFIG, "staticPlot": True}),
            html.Figcaption(alt, className="visually-hidden"),
        ], role="img", **{"aria-label": alt})

    return html.Div(className="page page-portrait", children=[
        *notices,
        html.Div(className="portrait-head", children=[html.Div(_header(place, parent, lang), className="portrait-head-text"),
                                                      locator_block]),
        *body,
        html.P(t("portrait.not_available_note", lang), className="source-line"),
    ])
