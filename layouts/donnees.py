"""Page Données & méthodes: the indicator catalogue, methods, sources, API and quality report.

Everything on this page is read from the catalogue and the build output: adding an indicator to
the catalogue adds it here with no change to this module.
"""

from __future__ import annotations

import dash
from dash import dcc, html

from atlas import config, store
from atlas.catalogue import load_catalogue
from atlas.i18n import t
from atlas.urlstate import StateParser
from layouts.components.page import invalid_params_notice, page_header

dash.register_page(__name__, path="/donnees", name="Données & méthodes", order=4)


def _years_text(indicator) -> str:
    years = store.indicator_years(indicator.id) if store.is_built() else list(indicator.years)
    years = years or list(indicator.years)
    if not years:
        return "—"
    if len(years) > 4:
        return f"{years[0]}–{years[-1]} ({len(years)})"
    return ", ".join(str(y) for y in years)


def catalogue_section(lang: str) -> html.Section:
    catalogue = load_catalogue()
    groups = catalogue.by_theme()
    children = [
        html.H2(t("donnees.catalogue_title", lang), id="donnees-catalogue"),
        html.P(t("donnees.catalogue_count", lang, count=sum(len(v) for v in groups.values()), themes=len(groups))),
    ]
    for theme, indicators in groups.items():
        rows = []
        for indicator in indicators:
            levels = ", ".join(t(f"common.level_{level}", lang) for level in indicator.levels)
            details = [html.P(indicator.text("definition", lang))]
            if indicator.notes:
                details.append(html.P([html.Strong(t("donnees.notes", lang) + " : " if lang == "fr" else t("donnees.notes", lang) + ": "),
                                       indicator.text("notes", lang)]))
            rows.append(html.Tr([
                html.Td([html.Strong(indicator.text("label", lang)), html.Br(),
                         html.Code(indicator.id, className="indicator-id"),
                         html.Details([html.Summary(t("common.definition", lang)), *details])]),
                html.Td(indicator.unit_label(lang) or "—"),
                html.Td(_years_text(indicator)),
                html.Td(levels),
                html.Td(t(f"donnees.aggregation_{indicator.aggregation.get('rule', 'none')}", lang)),
                html.Td(indicator.text("source", lang)),
            ]))
        children.append(html.H3(t(f"common.theme_{theme}", lang)))
        children.append(html.Div(className="table-scroll", children=html.Table(className="data-table", children=[
            html.Thead(html.Tr([html.Th(t(f"donnees.{key}", lang), scope="col") for key in
                                ("col_indicator", "col_unit", "col_years", "col_levels", "col_aggregation", "col_source")])),
            html.Tbody(rows),
        ])))
    return html.Section(children, className="card donnees-section")


def methods_section(lang: str) -> html.Section:
    return html.Section(className="card donnees-section", children=[
        html.H2(t("donnees.method_title", lang), id="donnees-methods"),
        *[html.P(t(f"donnees.{key}", lang)) for key in
          ("method_geography", "method_statuses", "method_aggregation", "method_classes")],
        html.H2(t("donnees.sources_title", lang), id="donnees-sources"),
        html.P(t("donnees.sources_text", lang)),
    ])


def api_section(lang: str) -> html.Section:
    endpoints = [
        ("/api/v1/indicators", "api_indicators"),
        ("/api/v1/indicators/population/values?level=departement&format=csv", "api_values"),
        ("/api/v1/territories?level=region", "api_territories"),
        ("/api/v1/places?domain=musees&format=csv", "api_places"),
    ]
    return html.Section(className="card donnees-section", children=[
        html.H2(t("donnees.api_title", lang), id="donnees-api"),
        html.P(t("donnees.api_text", lang)),
        html.Ul([html.Li([html.A(html.Code(url), href=url), " — ", t(f"donnees.{key}", lang)])
                 for url, key in endpoints]),
    ])


def quality_section(lang: str) -> html.Section:
    report = store.quality_report() if store.is_built() else ""
    children = [html.H2(t("donnees.quality_title", lang), id="donnees-quality"),
                html.P(t("donnees.quality_intro", lang))]
    if store.is_built():
        children.append(html.P(t("donnees.build_date", lang, date=store.build_stamp()[:10])))
    children.append(dcc.Markdown(report, className="quality-report", id="donnees-quality-report")
                    if report else html.P(t("donnees.quality_missing", lang)))
    return html.Section(children, className="card donnees-section")


def layout(**params):
    parser = StateParser(params, "donnees")
    lang = parser.lang
    toc = html.Nav(className="donnees-toc", **{"aria-label": t("donnees.toc_label", lang)}, children=html.Ul([
        html.Li(html.A(t(f"donnees.{key}", lang), href=f"#donnees-{anchor}")) for key, anchor in
        (("catalogue_title", "catalogue"), ("method_title", "methods"), ("sources_title", "sources"),
         ("api_title", "api"), ("quality_title", "quality"))
    ]))
    return html.Div(className="page page-donnees", children=[
        page_header(t("donnees.title", lang), t("donnees.intro", lang), page_id="donnees"),
        invalid_params_notice(parser.invalid, lang, "donnees"),
        toc,
        catalogue_section(lang),
        methods_section(lang),
        api_section(lang),
        quality_section(lang),
    ])
