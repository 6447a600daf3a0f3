"""Callbacks of the Évolution page.

The controls feed one state callback, which validates them (`atlas.evolution_params`), writes
the URL and stores the state. The chart and the map are each drawn once from the stored state.
A click on the map adds the territory to the selection, which goes through the state again.
"""

from __future__ import annotations

import logging

import numpy as np
from dash import Input, Output, State, callback, ctx, html, no_update

from atlas import config, store
from atlas.catalogue import load_catalogue
from atlas.evolution_figures import chart_title, line_chart
from atlas.evolution_gaps import absent_vintages, missing_years
from atlas.evolution_map import change_map
from atlas.evolution_params import MAX_TERRITORIES, EvolutionParams, parse_params, to_query
from atlas.evolution_summary import summarize
from atlas.evolution_view import EvolutionData, build_evolution, measure_decimals, measure_label
from atlas.formatting import format_number
from atlas.i18n import normalize_lang, t
from atlas.urlstate import build_href, parse_search
from callbacks.shell import language_switch_href
from layouts.components.page import source_line
from layouts.components.territory_search import register_territory_search, territory_option
from layouts.evolution import control_options

log = logging.getLogger(__name__)

PAGE_PATH = "/evolution"
DOWNLOAD_FORMATS = ("csv", "xlsx", "png", "svg")

register_territory_search("evolution-territories")


def geometry_url(level: str) -> str:
    """Return the URL of the geobuf of `level`, versioned by the build so browsers may cache it."""
    stamp = store.build_stamp() if store.is_built() else ""
    return build_href(f"/geo/{level}.pbf", {"v": stamp})


@callback(
    Output("evolution-state", "data"),
    Output("evolution-url", "search"),
    Output("evolution-from", "options"),
    Output("evolution-from", "value"),
    Output("evolution-to", "options"),
    Output("evolution-to", "value"),
    Output("evolution-base", "options"),
    Output("evolution-base", "value"),
    Output("evolution-base-wrap", "hidden"),
    Output("evolution-mode", "options"),
    Output("evolution-mode", "value"),
    Output("evolution-mode-note", "children"),
    Output("evolution-level", "options"),
    Output("evolution-level", "value"),
    Output("evolution-change", "options"),
    Output("evolution-change", "value"),
    Input("evolution-indicator", "value"),
    Input("evolution-territories", "value"),
    Input("evolution-from", "value"),
    Input("evolution-to", "value"),
    Input("evolution-mode", "value"),
    Input("evolution-base", "value"),
    Input("evolution-refs", "value"),
    Input("evolution-level", "value"),
    Input("evolution-change", "value"),
    State("evolution-lang", "data"),
)
def sync_state(indicator, territories, start, end, mode, base, refs, level, change, lang):
    """Validate the controls into one state, then align the dependent controls with it."""
    lang = normalize_lang(lang)
    territories = [value for value in (territories or []) if isinstance(value, str)]
    query = {"indicator": indicator, "t": ",".join(territories[:MAX_TERRITORIES]),
             "from": start, "to": end, "mode": mode, "base": base, "ref": ",".join(refs or []),
             "level": level, "change": change, "lang": lang}
    if ctx.triggered_id == "evolution-indicator":
        # Another indicator has other years: its whole period is the sensible start.
        query.update({"from": None, "to": None, "base": None})
    state = parse_params({key: value for key, value in query.items() if value not in (None, "")})
    stored = {**state.as_dict(), "invalid": [], "too_many": len(territories) > MAX_TERRITORIES}

    options = control_options(state, lang)
    # The first call renders a URL the page was just opened with: writing it back would only
    # add a history entry.
    search = no_update if ctx.triggered_id is None else build_href("", to_query(state)) or "?"
    return (stored, search,
            options["from"], state.start,
            options["to"], state.end,
            options["base"], state.base_year, state.mode != "index",
            options["mode"], state.mode, options["mode_note"],
            options["level"], state.level,
            options["change"], state.change)


@callback(
    Output("shell-lang-switch", "href", allow_duplicate=True),
    Input("evolution-url", "search"),
    prevent_initial_call=True,
)
def sync_language_switch(search):
    """Keep the language switch on the current view; the shell updates it only on page loads."""
    lang = normalize_lang(parse_search(search).get("lang"))
    return language_switch_href(PAGE_PATH, search, lang)


def _warnings(data: EvolutionData, too_many: bool, lang: str) -> html.Div | None:
    messages = list(data.warnings)
    if too_many:
        messages.insert(0, t("evolution.warning_too_many", lang))
    if not messages:
        return None
    return html.Div([html.P(message) for message in messages], className="notice notice-warning")


def _notes(data: EvolutionData, lang: str) -> list:
    """Build the notes under the chart: mode note, series breaks and years without data."""
    children = []
    if data.state.mode == "annual_change":
        children.append(html.P(t("evolution.annual_change_note", lang), className="evolution-hint"))
    if data.breaks:
        children.append(html.Div([
            html.H3(t("evolution.breaks_title", lang)),
            html.Ul([html.Li(t("evolution.break_item", lang, year=item["year"], label=item["label"]))
                     for item in data.breaks]),
        ], id="evolution-breaks-list"))
    gaps = []
    for line in data.lines:
        for status, text in missing_years(line.frame):
            gaps.append(html.Li(t("evolution.gap_item", lang, name=line.name,
                                  years=f"{text} ({t(f'common.status_{status}', lang)})")))
    absent = absent_vintages(data.state.indicator, [line.level for line in data.lines],
                             data.state.start, data.state.end)
    if absent:
        spans = ", ".join(t("evolution.absent_span", lang, before=before, after=after) for before, after in absent)
        gaps.append(html.Li(t("evolution.absent_vintages", lang, spans=spans)))
    if gaps:
        children.append(html.Div([html.H3(t("evolution.gaps_title", lang)), html.Ul(gaps)],
                                 id="evolution-gaps-list"))
    return children


def _table(data: EvolutionData, lang: str) -> html.Table:
    """Build the table of the chart values (a row per year, a column per line) for screen readers."""
    decimals = measure_decimals(data)
    years = sorted({int(year) for line in data.lines for year in line.frame["year"]})
    cells = {}
    for line in data.lines:
        for row in line.frame.itertuples(index=False):
            if np.isnan(row.measure):
                label = t(f"common.status_{row.status}", lang) if row.status != "ok" else \
                    t("evolution.not_computable", lang)
                cells[(line.key, int(row.year))] = html.Td(label, className="num status-text")
            else:
                cells[(line.key, int(row.year))] = html.Td(format_number(row.measure, decimals, lang),
                                                           className="num")
    header = html.Tr([html.Th(t("common.year", lang), scope="col")]
                     + [html.Th(line.name, scope="col", className="num") for line in data.lines])
    body = [html.Tr([html.Th(str(year), scope="row")]
                    + [cells.get((line.key, year), html.Td("")) for line in data.lines])
            for year in years]
    caption = html.Caption(t("evolution.table_caption", lang, measure=measure_label(data, lang)))
    return html.Table([caption, html.Thead(header), html.Tbody(body)], className="data-table")


def _downloads(state: EvolutionParams, lang: str) -> list:
    query = to_query(state)
    links = []
    for fmt in DOWNLOAD_FORMATS:
        params = dict(query)
        if fmt == "csv" and lang == "fr":
            params["sep"] = "fr"
        links.append(html.A(t(f"evolution.download_{fmt}", lang), href=build_href(f"/export/evolution.{fmt}", params),
                            className="button button-secondary", id=f"evolution-download-{fmt}",
                            download=""))
    return [html.H3(t("evolution.downloads_title", lang)), html.Div(links, className="evolution-download-links")]


@callback(
    Output("evolution-chart", "figure"),
    Output("evolution-chart-heading", "children"),
    Output("evolution-warnings", "children"),
    Output("evolution-source", "children"),
    Output("evolution-breaks", "children"),
    Output("evolution-table", "children"),
    Output("evolution-downloads", "children"),
    Output("evolution-summary", "children"),
    Input("evolution-state", "data"),
    prevent_initial_call=True,
)
def render_series(stored):
    """Draw the chart, its notes, the summary and the download links of the stored state."""
    if not stored:
        return (no_update,) * 8
    state = EvolutionParams.from_dict(stored)
    lang = state.lang
    data = build_evolution(state)
    figure = line_chart(data, lang, standalone=False)
    indicator = data.indicator
    source = source_line(indicator.text("source", lang), f"{state.start}-{state.end}", lang,
                         indicator.text("definition", lang))
    summary = [html.P(" ".join(item["sentences"]), className="evolution-summary-item")
               for item in summarize(data, lang)]
    return (figure, chart_title(data, lang), _warnings(data, stored.get("too_many", False), lang),
            source, _notes(data, lang), _table(data, lang), _downloads(state, lang), summary)


def _legend(result, lang: str) -> list:
    title_key = "evolution.legend_title_percent" if result.metric == "percent" else "evolution.legend_title_absolute"
    items = [html.Li([html.Span(className="evolution-swatch", style={"background": entry["color"]}),
                      html.Span(entry["label"])]) for entry in result.legend]
    items += [html.Li([html.Span(className=f"evolution-swatch evolution-swatch-{entry['status']}",
                                 style={"background": entry["fill"], "borderColor": entry["line"]}),
                       html.Span(f"{entry['label']} ({entry['count']})")]) for entry in result.status_legend]
    return [html.P(t(title_key, lang), className="evolution-legend-title"), html.Ul(items)]


@callback(
    Output("evolution-geojson", "url"),
    Output("evolution-geojson", "hideout"),
    Output("evolution-legend", "children"),
    Output("evolution-map-title", "children"),
    Output("evolution-map-message", "children"),
    Output("evolution-map-source", "children"),
    Input("evolution-state", "data"),
    prevent_initial_call=True,
)
def render_map(stored):
    """Colour the change map of the stored state."""
    if not stored:
        return (no_update,) * 6
    state = EvolutionParams.from_dict(stored)
    lang = state.lang
    factor = 1
    if state.mode == "per_inhabitant":
        factor = build_evolution(state).factor
    result = change_map(state, factor)
    indicator = load_catalogue().get(state.indicator)
    source = source_line(indicator.text("source", lang), f"{result.start}, {result.end}", lang)
    return (geometry_url(state.level), result.hideout, _legend(result, lang), result.title,
            result.message, source)


@callback(
    Output("evolution-territories", "value"),
    Output("evolution-territories", "options", allow_duplicate=True),
    Output("evolution-click-message", "children"),
    Input("evolution-geojson", "clickData"),
    State("evolution-territories", "value"),
    State("evolution-territories", "options"),
    State("evolution-level", "value"),
    State("evolution-lang", "data"),
    prevent_initial_call=True,
)
def add_clicked_territory(feature, selected, options, level, lang):
    """Add the clicked territory of the change map to the selection."""
    code = ((feature or {}).get("properties") or {}).get("code")
    if not code or level not in config.MAP_LEVELS or store.territory(level, str(code)) is None:
        return no_update, no_update, no_update
    value = f"{level}:{code}"
    selected = list(selected or [])
    name = store.territory(level, str(code))["name"]
    if value in selected:
        return no_update, no_update, no_update
    if len(selected) >= MAX_TERRITORIES:
        return no_update, no_update, t("evolution.map_full", lang, name=name)
    options = list(options or [])
    if all(option.get("value") != value for option in options):
        option = territory_option(value, normalize_lang(lang))
        if option:
            options.append(option)
    return selected + [value], options, t("evolution.map_added", lang, name=name)
