"""Page Comparer: territories side by side on several indicators, against France or a parent.

The whole state is in the query string (see `atlas.compare`): the page is rebuilt from it on
every change, so a shared link reproduces the comparison. Controls write the query string
(callbacks/comparer.py); shortcuts, themes and views are plain links.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import dash
from dash import dcc, html

from atlas import config, store
from atlas.compare import (MAX_TERRITORIES, REF_FRANCE, REF_PARENT, ComparisonParams, build_comparison,
                           parent_of, parse_params, theme_indicators, to_query, with_indicators,
                           with_parents, with_similar, with_territories)
from atlas.i18n import normalize_lang, t
from atlas.urlstate import build_href
from layouts.components import comparison as parts
from layouts.components.dropdowns import dropdown_labels
from layouts.components.indicator_picker import indicator_dropdown
from layouts.components.page import invalid_params_notice, page_header, store_missing_notice
from layouts.components.territory_search import territory_dropdown

log = logging.getLogger(__name__)

dash.register_page(__name__, path="/comparer", name="Comparer", order=0)

PATH = "/comparer"
# Example comparisons offered on an empty page: a commune with its parents, and three régions.
EXAMPLES = (("commune", "69123"), ("region", "53"))


def href(params: ComparisonParams) -> str:
    return build_href(PATH, to_query(params))


def _shortcut(link_id: str, label: str, target: ComparisonParams, current: ComparisonParams,
              unavailable_key: str) -> html.Div:
    """Build a link that adds territories, or the reason why it cannot add any."""
    lang = current.lang
    if len(current.territories) >= MAX_TERRITORIES:
        return html.Div(html.Span(t("comparer.shortcut_unavailable_full", lang), className="status-text"),
                        className="comparer-shortcut")
    if target.territories == current.territories:
        return html.Div(html.Span(t(unavailable_key, lang), className="status-text"),
                        className="comparer-shortcut")
    return html.Div(dcc.Link(label, href=href(target), id=link_id, className="button button-secondary"),
                    className="comparer-shortcut")


def _shortcuts(params: ComparisonParams) -> html.Div | None:
    if not params.territories:
        return None
    lang = params.lang
    level, code = params.territories[0]
    row = store.territory(level, code)
    name = row["name"] if row is not None else code
    return html.Div([
        html.Span(t("comparer.shortcuts_label", lang), className="control-label"),
        _shortcut("comparer-add-parents", t("comparer.add_parents", lang, name=name), with_parents(params),
                  params, "comparer.shortcut_unavailable_parents"),
        _shortcut("comparer-add-similar", t("comparer.add_similar", lang, name=name), with_similar(params),
                  params, "comparer.shortcut_unavailable_similar"),
        html.P(t("comparer.similar_help", lang), className="comparer-help"),
    ], className="comparer-shortcuts")


def _current_marked(label: str, current: bool, lang: str):
    """Link text, with a hidden "(current)" for screen readers: dcc.Link takes no aria-current."""
    if not current:
        return label
    return [label, html.Span(t("comparer.current_marker", lang), className="visually-hidden")]


def _theme_links(params: ComparisonParams) -> html.Div:
    lang = params.lang
    links = []
    for theme in config.THEMES:
        ids = theme_indicators(theme)
        if not ids:
            continue
        current = params.theme == theme
        links.append(dcc.Link(_current_marked(t(f"common.theme_{theme}", lang), current, lang),
                              href=href(with_indicators(params, ids, theme)), id=f"comparer-theme-{theme}",
                              className="comparer-chip" + (" is-current" if current else "")))
    return html.Div([html.Span(t("comparer.themes_label", lang), className="comparer-themes-label"), *links],
                    className="comparer-themes")


def _reference_options(params: ComparisonParams) -> list[dict]:
    lang = params.lang
    options = [{"label": t("common.level_france", lang), "value": REF_FRANCE}]
    parent = parent_of(params.territories)
    # A selected common parent is offered once, under its own name.
    if parent is not None and parent not in params.territories:
        row = store.territory(*parent)
        options.append({"label": t("comparer.ref_parent", lang, name=row["name"] if row is not None else parent[1]),
                        "value": REF_PARENT})
    for level, code in params.territories:
        row = store.territory(level, code)
        name = row["name"] if row is not None else code
        options.append({"label": f"{name} ({t(f'common.level_{level}', lang)})", "value": f"{level}:{code}"})
    return options


def _downloads(params: ComparisonParams) -> html.Div:
    lang = params.lang
    query = to_query(params)
    links = [
        ("csv", t("comparer.download_csv", lang), {}),
        ("csv", t("comparer.download_csv_fr", lang), {"sep": "fr"}),
        ("xlsx", t("comparer.download_xlsx", lang), {}),
        ("png", t("comparer.download_png", lang), {}),
        ("pdf", t("comparer.download_pdf", lang), {}),
    ]
    anchors = [html.A(label, href=build_href(f"/export/comparaison.{fmt}", {**query, **extra}),
                      className="button button-secondary", download="", id=f"comparer-download-{fmt}{'-fr' if extra else ''}")
               for fmt, label, extra in links]
    return html.Div([html.Span(t("comparer.downloads_label", lang), className="control-label"), *anchors],
                    className="comparer-downloads no-print", id="comparer-downloads")


def _view_tabs(params: ComparisonParams) -> html.Nav:
    lang = params.lang
    links = []
    for view in ("table", "charts", "maps"):
        current = params.view == view
        target = replace(params, view=view)
        links.append(dcc.Link(_current_marked(t(f"comparer.view_{view}", lang), current, lang),
                              href=href(target), id=f"comparer-view-{view}",
                              className="comparer-tab" + (" is-current" if current else "")))
    return html.Nav(links, className="comparer-tabs", **{"aria-label": t("comparer.views_label", lang)})


def _examples(params: ComparisonParams) -> html.Div:
    lang = params.lang
    links = []
    for level, code in EXAMPLES:
        row = store.territory(level, code)
        if row is None:
            continue
        start = with_territories(params, [(level, code)])
        target = with_parents(start) if level == "commune" else with_similar(start)
        names = [str(store.territory(*item)["name"]) for item in target.territories]
        links.append(html.Li(dcc.Link(", ".join(names), href=href(target))))
    return html.Div([html.P(t("comparer.empty_selection", lang)),
                     html.P(t("comparer.examples_label", lang)), html.Ul(links)],
                    className="notice comparer-empty", id="comparer-empty")


def _controls(params: ComparisonParams) -> html.Section:
    lang = params.lang
    territories = territory_dropdown("comparer-territories", lang, value=params.territory_values, multi=True,
                                     placeholder_key="comparer.territories_placeholder")
    indicators = indicator_dropdown("comparer-indicators", lang, value=list(params.indicators), multi=True)
    reference = dcc.Dropdown(id="comparer-ref", options=_reference_options(params), value=params.ref,
                             clearable=False, searchable=False, className="comparer-ref")
    for dropdown in (territories, indicators, reference):
        dropdown.labels = dropdown_labels(lang)
    return html.Section([
        html.H2(t("comparer.controls_label", lang), className="visually-hidden"),
        html.Div([
            html.Label(t("comparer.territories_label", lang), htmlFor="comparer-territories",
                       className="control-label"),
            territories,
            html.P(t("comparer.territories_help", lang), className="comparer-help"),
            _shortcuts(params),
        ], className="comparer-control comparer-control-territories"),
        html.Div([
            html.Label(t("comparer.indicators_label", lang), htmlFor="comparer-indicators",
                       className="control-label"),
            indicators,
            _theme_links(params),
            html.Label(t("comparer.reference_label", lang), htmlFor="comparer-ref", className="control-label"),
            reference,
        ], className="comparer-control comparer-control-indicators"),
    ], className="card comparer-controls", **{"aria-label": t("comparer.controls_label", lang)})


def _results(params: ComparisonParams) -> html.Div:
    lang = params.lang
    if not params.territories:
        return _examples(params)
    comparison = build_comparison(params)
    hint = html.P(t("comparer.one_territory_hint", lang), className="notice comparer-hint") \
        if len(params.territories) == 1 else None
    if params.view == "charts":
        body = parts.charts(comparison)
    elif params.view == "maps":
        map_dropdown = indicator_dropdown("comparer-map-indicator", lang, value=params.map_indicator,
                                          include_categorical=False)
        map_dropdown.options = _only_compared(map_dropdown.options, params.indicators)
        map_dropdown.labels = dropdown_labels(lang)
        body = parts.maps(comparison, map_dropdown)
    else:
        body = html.Div([parts.comparison_table(comparison), parts.definitions(comparison)])
    return html.Div([hint, _view_tabs(params), _downloads(params),
                     html.Div(body, className="comparer-view")], id="comparer-results")


def _only_compared(options: list[dict], indicators) -> list[dict]:
    """Keep the options of the compared indicators, and the theme headings that still have one."""
    kept: list[dict] = []
    heading = None
    for option in options:
        if option.get("disabled"):
            heading = option
        elif option["value"] in indicators:
            if heading is not None:
                kept.append(heading)
                heading = None
            kept.append(option)
    return kept


def layout(**query):
    lang = normalize_lang(query.get("lang"))
    header = page_header(t("comparer.title", lang), t("comparer.intro", lang), page_id="comparer")
    try:
        params = parse_params(query)
        content = [invalid_params_notice(list(params.invalid), lang, "comparer"), _controls(params),
                   _results(params)]
    except store.StoreMissing:
        content = [store_missing_notice(lang, "comparer")]
    return html.Div([header, *content], className="page page-comparer")
