"""Callbacks of the map page.

Server callbacks are thin: they rebuild a `MapState` from the controls and call
`atlas.mapdata`. One callback sends the payload (classes and values, never geometry), one
switches the geometry file when the level or scope changes, others fill the side panel, the
table and the places layer. Restyling, selection highlight and the address bar are handled in
the browser (assets/carte.js).
"""

from __future__ import annotations

import logging
import time

import dash_leaflet as dl
from dash import Input, Output, State, callback, clientside_callback, ctx, html, no_update
from dash.exceptions import MissingCallbackContextException

from atlas import store
from atlas.catalogue import load_catalogue
from atlas.classify import ClassificationError, classify
from atlas.i18n import normalize_lang, t
from atlas.mapdata import geometry_source, level_frame, payload_for, table_rows, territory_summary
from atlas.mapstate import (
    BreaksInputError, MapState, code_in_scope, default_classification, default_palette, indicator_years, map_levels,
    palette_choices, parse_breaks_text, parse_scope,
)
from atlas.urlstate import build_href
from api.territories import geometry_url
from atlas.mapplaces import places_frame, popup_rows
from layouts.carte import (
    TABLE_PAGE_SIZE, _string_query, breaks_text, heading, legend_children, level_options, map_label,
    SORT_CHOICES, palette_options, place_layers, places_legend, table_component, year_options,
)
from layouts.components.page import source_line
from layouts.components.territory_search import register_territory_search, split_value

log = logging.getLogger(__name__)

register_territory_search("carte-search")


def _triggered_id():
    """Return the id of the input that fired the callback, or None outside Dash (tests)."""
    try:
        return ctx.triggered_id
    except MissingCallbackContextException:
        return None


def control_state(indicator_id, level, year, scope, method, k, breaks, palette, lang) -> tuple[MapState, str | None]:
    """Build a valid MapState from control values, and a message when manual breaks were rejected."""
    indicator = load_catalogue().get(indicator_id)
    message = None
    parsed_breaks: tuple[float, ...] = ()
    if indicator.is_categorical:
        method, k, palette = default_classification(indicator)[0], default_classification(indicator)[1], None
    elif method == "manual":
        try:
            parsed_breaks = parse_breaks_text(breaks)
        except BreaksInputError as error:
            message = t("carte.breaks_invalid", lang, reason=t(error.reason, lang, **error.params))
            method = "quantiles"
    if palette not in palette_choices(indicator):
        palette = default_palette(indicator)
    scope = scope if level == "commune" and parse_scope(scope) else None
    state = MapState(indicator=indicator_id, level=level, year=int(year), method=method, k=int(k),
                     breaks=parsed_breaks, palette=palette, scope=scope, lang=lang)
    return state, message


@callback(
    Output("carte-level", "options"),
    Output("carte-level", "value"),
    Output("carte-year", "options"),
    Output("carte-year", "value"),
    Output("carte-year-wrapper", "hidden"),
    Output("carte-scope-wrapper", "hidden"),
    Output("carte-classes-box", "hidden"),
    Output("carte-palette", "options"),
    Output("carte-palette", "value"),
    Output("carte-palette-kind", "data"),
    Output("carte-selected", "data"),
    Output("carte-payload", "data"),
    Output("carte-legend", "children"),
    Output("carte-heading", "children"),
    Output("carte-map-region", "aria-label"),
    Output("carte-query", "data"),
    Output("carte-message", "children"),
    Output("carte-breaks", "value"),
    Output("carte-k-wrapper", "hidden"),
    Output("carte-breaks-wrapper", "hidden"),
    Output("carte-view-stamp", "data"),
    Input("carte-indicator", "value"),
    Input("carte-level", "value"),
    Input("carte-year", "value"),
    Input("carte-scope", "value"),
    Input("carte-method", "value"),
    Input("carte-k", "value"),
    Input("carte-breaks", "value"),
    Input("carte-palette", "value"),
    State("carte-palette-kind", "data"),
    State("carte-selected", "data"),
    State("carte-lang", "data"),
    prevent_initial_call=True,
)
def update_view(indicator_id, level, year, scope, method, k, breaks, palette, palette_kind, selected, lang):
    """Keep the controls valid and send the classes and values of the new view.

    One callback, so a switch costs one request; the geometry stays in the browser.
    """
    catalogue = load_catalogue()
    if indicator_id not in catalogue:
        return (no_update,) * 21
    indicator = catalogue.get(indicator_id)
    triggered = _triggered_id()
    asked = {"level": level, "year": year, "palette": palette, "selected": selected}

    levels = map_levels(indicator)
    if not levels:  # not offered in the menu; a stale value can still arrive
        return (no_update,) * 21
    if level not in levels:
        level = "departement" if "departement" in levels else levels[0]
    years = indicator_years(indicator_id, level)
    if year not in years:
        year = years[-1] if years else None
    if year is None:
        return (no_update,) * 21
    choices = palette_choices(indicator)
    if triggered == "carte-indicator" or palette not in choices:
        palette = default_palette(indicator)
    kind = "categorical" if indicator.is_categorical else indicator.palette.get("type", "sequential")
    # The palette ramps weigh about 20 KB: send them only when the palette type changes.
    palette_menu = palette_options(choices, kind) if kind != palette_kind else no_update
    if selected and store.territory(level, selected) is None:
        selected = None

    breaks_value = no_update
    if method == "manual" and not (breaks or "").strip():
        # Start manual breaks from the current classes, so the user edits rather than types.
        breaks = _current_breaks_text(indicator_id, level, year, scope, k, lang)
        breaks_value = breaks
    state, message = control_state(indicator_id, level, year, scope, method, k, breaks, palette, lang)
    payload = payload_for(state)
    notice = html.P(message, className="notice notice-warning") if message else None
    stamp = "|".join(str(part) for part in (state.indicator, state.level, state.year, state.scope))
    # Unchanged values are not sent back, so that callbacks that listen to them do not run.
    def changed(name, value):
        return value if value != asked[name] else no_update

    level_menu = level_options(levels, lang) if triggered in ("carte-indicator", None) else no_update
    return (level_menu, changed("level", level), year_options(years), changed("year", year), len(years) < 2,
            level != "commune", indicator.is_categorical, palette_menu, changed("palette", palette), kind,
            changed("selected", selected),
            payload.data, legend_children(payload.legend, lang), heading(state, lang), map_label(state, lang),
            _string_query(state), notice, breaks_value, method == "manual", method != "manual", stamp)


def _current_breaks_text(indicator_id, level, year, scope, k, lang) -> str:
    frame = level_frame(indicator_id, level, year, scope)
    values = frame["value"].where(frame["status"].astype("object") == "ok")
    try:
        result = classify(values.to_numpy(dtype="float64", na_value=float("nan")), "quantiles", int(k or 5))
    except ClassificationError:
        return ""
    return breaks_text(result.breaks[:-1], lang)


@callback(
    Output("carte-geojson", "url"),
    Output("carte-geojson", "hideout"),
    Input("carte-level", "value"),
    Input("carte-scope", "value"),
    State("carte-geojson", "url"),
    prevent_initial_call=True,
)
def update_geometry(level, scope, current_url):
    """Switch the geometry file only when the level or the commune scope changes it."""
    if level is None:
        return no_update, no_update
    source = geometry_source(level, scope)
    url = geometry_url(source.name)
    if url == current_url and not source.departements:
        return no_update, no_update
    return url, {"departements": list(source.departements)}


@callback(
    Output("carte-places-group", "children"),
    Output("carte-places-legend", "children"),
    Input("carte-places", "value"),
    State("carte-lang", "data"),
    prevent_initial_call=True,
)
def update_places(selection, lang):
    """Stack one clustered layer per chosen place domain or type, with their counts."""
    selection = [item for item in (selection or []) if isinstance(item, str)]
    return place_layers(selection, lang), places_legend(selection, lang)


@callback(
    Output("carte-place-popup", "children"),
    Input("carte-place-click", "data"),
    State("carte-lang", "data"),
    prevent_initial_call=True,
)
def show_place(click, lang):
    """Open the popup of a clicked place: name, type, address and key attributes."""
    if not isinstance(click, dict) or not isinstance(click.get("id"), str):
        return no_update
    frame = places_frame()
    if frame is None:
        return no_update
    match = frame[frame["place_id"] == click["id"]]
    if match.empty:
        log.warning("place %r clicked on the map is not in places.parquet", click["id"][:40])
        return no_update
    place = match.iloc[0].to_dict()
    rows = []
    for label, text in popup_rows(place, lang):
        rows.extend([html.Dt(label), html.Dd(text)])
    content = [html.Strong(place.get("name") or ""), html.Dl(rows)]
    return dl.Popup(position=[click["lat"], click["lng"]], children=content, className="carte-popup",
                    id=f"carte-place-popup-{click.get('at', 0)}")


@callback(
    Output("carte-panel", "children"),
    Input("carte-selected", "data"),
    Input("carte-view-stamp", "data"),
    State("carte-indicator", "value"),
    State("carte-level", "value"),
    State("carte-year", "value"),
    State("carte-scope", "value"),
    State("carte-lang", "data"),
)
def update_panel(code, stamp, indicator_id, level, year, scope, lang):
    """Fill the side panel of the selected territory: value, rank, parent and France values, links."""
    lang = normalize_lang(lang)
    if not code or indicator_id not in load_catalogue() or year is None:
        return html.P(t("carte.panel_empty", lang), className="carte-help")
    indicator = load_catalogue().get(indicator_id)
    summary = territory_summary(indicator, level, code, int(year), lang,
                                scope if level == "commune" else None)
    if summary is None:
        return html.P(t("carte.panel_empty", lang), className="carte-help")
    return panel_children(summary, indicator_id, level, lang)


def panel_children(summary: dict, indicator_id: str, level: str, lang: str) -> list:
    rank = (t("carte.panel_rank", lang, rank=summary["rank"], total=summary["n_ranked"])
            if summary["rank"] else t("carte.panel_no_rank", lang))
    parent_rows = [html.Tr([html.Th(f"{p['name']}", scope="row"),
                            html.Td(t(f"common.level_{p['level']}", lang)),
                            html.Td(p["value"], className="num")])
                   for p in summary["parents"]]
    target = f"{level}:{summary['code']}"
    return [
        html.H2(summary["name"], className="carte-panel-title", id="carte-panel-title"),
        html.P(f"{t(f'common.level_{level}', lang)} {summary['code']}", className="carte-panel-sub"),
        html.P(summary["value"], className="carte-panel-value" + ("" if summary["status"] == "ok" else " status-text"),
               id="carte-panel-value"),
        html.P(rank, className="carte-panel-rank", id="carte-panel-rank"),
        html.H3(t("carte.panel_parents", lang), className="carte-panel-subtitle"),
        html.Table(html.Tbody(parent_rows), className="data-table carte-panel-table"),
        html.Ul(className="carte-panel-links", children=[
            html.Li(html.A(t("carte.panel_portrait", lang),
                           href=build_href(f"/portrait/{level}/{summary['code']}", {"lang": lang}))),
            html.Li(html.A(t("carte.panel_compare", lang),
                           href=build_href("/comparer", {"t": target, "indicators": indicator_id, "lang": lang}))),
            html.Li(html.A(t("carte.panel_evolution", lang),
                           href=build_href("/evolution", {"indicator": indicator_id, "t": target, "lang": lang}))),
        ]),
        html.Button(t("carte.panel_close", lang), id="carte-panel-close", className="button button-secondary",
                    n_clicks=0),
    ]


@callback(
    Output("carte-selected", "data", allow_duplicate=True),
    Input("carte-panel-close", "n_clicks"),
    prevent_initial_call=True,
)
def clear_selection(n_clicks):
    return None if n_clicks else no_update


@callback(
    Output("carte-table-page", "data"),
    Input("carte-page-previous", "n_clicks"),
    Input("carte-page-next", "n_clicks"),
    Input("carte-table-sort", "value"),
    Input("carte-view-stamp", "data"),
    State("carte-table-page", "data"),
    prevent_initial_call=True,
)
def change_table_page(previous, following, sort, stamp, page):
    """Move one page back or forward; new data or a new sort starts again at the first page."""
    triggered = _triggered_id()
    if triggered == "carte-page-previous":
        return max((page or 0) - 1, 0)
    if triggered == "carte-page-next":
        return (page or 0) + 1  # the table callback clamps it to the last page
    return 0


@callback(
    Output("carte-table", "children"),
    Output("carte-page-label", "children"),
    Output("carte-page-previous", "disabled"),
    Output("carte-page-next", "disabled"),
    Output("carte-table-source", "children"),
    Input("carte-table-page", "data"),
    State("carte-table-sort", "value"),
    State("carte-indicator", "value"),
    State("carte-level", "value"),
    State("carte-year", "value"),
    State("carte-scope", "value"),
    State("carte-lang", "data"),
)
def update_table(page, sort, indicator_id, level, year, scope, lang):
    """Render one page of the ranking, sorted on the server so the browser gets 20 rows, not 35,000."""
    if indicator_id not in load_catalogue() or year is None or level is None:
        return [], "", True, True, None
    indicator = load_catalogue().get(indicator_id)
    sort = sort if sort in SORT_CHOICES else SORT_CHOICES[0]
    column, direction = sort.split(":")
    frame = level_frame(indicator_id, level, int(year), scope if level == "commune" else None)
    rows, pages = table_rows(indicator, frame, lang, column, direction == "asc", page or 0, TABLE_PAGE_SIZE)
    page = min(max(page or 0, 0), pages - 1)
    unit = indicator.unit_label(lang)
    value_label = indicator.text("label", lang) + (f" ({unit})" if unit else "")
    label = t("carte.page_label", lang, page=page + 1, pages=pages)
    source = source_line(indicator.text("source", lang), year, lang)
    return table_component(rows, value_label, sort, lang), label, page == 0, page >= pages - 1, source


@callback(
    Output("carte-level", "value", allow_duplicate=True),
    Output("carte-scope", "value", allow_duplicate=True),
    Output("carte-selected", "data", allow_duplicate=True),
    Output("carte-zoom", "data"),
    Output("carte-message", "children", allow_duplicate=True),
    Input("carte-search", "value"),
    State("carte-indicator", "value"),
    State("carte-level", "value"),
    State("carte-scope", "value"),
    State("carte-lang", "data"),
    prevent_initial_call=True,
)
def select_searched(value, indicator_id, level, scope, lang):
    """Zoom to the searched territory and select it, at its own level when the indicator has it."""
    parts = split_value(value)
    if parts is None or indicator_id not in load_catalogue():
        return (no_update,) * 5
    found_level, code = parts
    row = store.territory(found_level, code)
    if row is None:
        return (no_update,) * 5
    levels = map_levels(load_catalogue().get(indicator_id))
    message = None
    if found_level in levels:
        target_level, target_code = found_level, code
    elif row.get(level):
        target_level, target_code = level, row[level]
        parent = store.territory(level, target_code)
        message = html.P(t("carte.search_other_level", lang, name=row["name"],
                           parent=parent["name"] if parent else target_code), className="notice notice-warning")
    else:
        message = html.P(t("carte.search_unavailable", lang, name=row["name"]), className="notice notice-warning")
        return no_update, no_update, no_update, no_update, message
    new_scope = scope if target_level == "commune" and code_in_scope(target_code, scope) else None
    level_out = target_level if target_level != level else no_update
    scope_out = new_scope if new_scope != scope else no_update
    # The time stamp makes a second search of the same territory zoom again.
    return level_out, scope_out, target_code, {"code": target_code, "at": time.time()}, message


clientside_callback(
    "function(payload, styles) { return window.dash_clientside.carte.repaint(payload, styles); }",
    Output("carte-sink-paint", "data"),
    Input("carte-payload", "data"),
    Input("carte-status-styles", "data"),
)

clientside_callback(
    "function(code, zoom) { return window.dash_clientside.carte.select(code, zoom); }",
    Output("carte-sink-select", "data"),
    Input("carte-selected", "data"),
    Input("carte-zoom", "data"),
)

clientside_callback(
    """function(query, selected, places, center, zoom) {
        return window.dash_clientside.carte.syncUrl(query, selected, places, center, zoom);
    }""",
    Output("carte-sink-url", "data"),
    Input("carte-query", "data"),
    Input("carte-selected", "data"),
    Input("carte-places", "value"),
    Input("carte-map", "center"),
    Input("carte-map", "zoom"),
)
