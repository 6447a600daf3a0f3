"""Page Évolution: how an indicator changes over the years for one or several territories.

The layout reads the view from the query string (`atlas.evolution_params`), builds the controls
with those values, and leaves the chart, the summary and the change map to `callbacks.evolution`,
which draws them from the same state.
"""

from __future__ import annotations

import logging

import dash
import dash_leaflet as dl
from dash import dcc, html

from atlas import store
from atlas.catalogue import load_catalogue
from atlas.evolution_params import (CHANGE_METRICS, MODES, EvolutionParams, allowed_changes, allowed_modes,
                                    indicator_years, map_levels, parse_params)
from atlas.charts import GRAPH_CONFIG
from atlas.i18n import normalize_lang, t
from layouts.components.indicator_picker import indicator_dropdown
from layouts.components.dropdowns import localize_dropdowns
from layouts.components.page import invalid_params_notice, page_header, store_missing_notice
from layouts.components.territory_search import territory_dropdown

log = logging.getLogger(__name__)

dash.register_page(__name__, path="/evolution", name="Évolution", order=0)

# France and its overseas insets, before the geometry is loaded and zoomed to.
MAP_CENTER = [46.6, 2.4]
MAP_ZOOM = 5


def year_options(years: list[int], lower: int | None = None, upper: int | None = None) -> list[dict]:
    """Year choices; years that would empty the period are disabled."""
    return [{"label": str(year), "value": year,
             "disabled": (lower is not None and year <= lower) or (upper is not None and year >= upper)}
            for year in years]


def control_options(state: EvolutionParams, lang: str) -> dict:
    """Return the options of the controls that depend on the indicator and the period.

    The layout and the state callback both use it, so a dropdown never gets a value missing
    from its options (Dash would clear it).
    """
    indicator = load_catalogue().get(state.indicator)
    years = indicator_years(state.indicator)
    period = [year for year in years if state.start <= year <= state.end]
    modes = allowed_modes(indicator)
    note = ""
    if modes == ["raw"]:
        note = t("evolution.mode_raw_only", lang)
    elif "per_inhabitant" not in modes:
        note = t("evolution.mode_per_inhabitant_unavailable", lang)
    return {
        "from": year_options(years, upper=state.end),
        "to": year_options(years, lower=state.start),
        "base": year_options(period),
        "mode": [{"label": t(f"evolution.mode_{name}", lang), "value": name, "disabled": name not in modes}
                 for name in MODES],
        "mode_note": note,
        "level": [{"label": t(f"common.level_{name}", lang), "value": name}
                  for name in map_levels(state.indicator)],
        "change": [{"label": t(f"evolution.change_{metric}", lang), "value": metric,
                    "disabled": metric not in allowed_changes(indicator)} for metric in CHANGE_METRICS],
    }


def _label(text: str, target: str) -> html.Label:
    return html.Label(text, htmlFor=target, className="control-label")


def _controls(state: EvolutionParams, lang: str, options: dict) -> html.Div:
    """Build the settings panel."""
    return html.Div(className="card evolution-controls", children=[
        html.H2(t("evolution.controls_title", lang)),
        _label(t("evolution.indicator_label", lang), "evolution-indicator"),
        indicator_dropdown("evolution-indicator", lang, value=state.indicator, min_years=2,
                           include_categorical=False),
        _label(t("evolution.territories_label", lang), "evolution-territories"),
        territory_dropdown("evolution-territories", lang, value=state.territory_values, multi=True),
        html.P(t("evolution.territories_hint", lang), className="evolution-hint"),
        html.P(id="evolution-click-message", className="evolution-hint", role="status"),
        html.Fieldset(className="evolution-period", children=[
            html.Legend(t("evolution.period_label", lang), className="control-label"),
            html.Div(className="evolution-period-row", children=[
                html.Div([_label(t("evolution.from_label", lang), "evolution-from"),
                          dcc.Dropdown(id="evolution-from", value=state.start, options=options["from"], clearable=False,
                                       searchable=False)]),
                html.Div([_label(t("evolution.to_label", lang), "evolution-to"),
                          dcc.Dropdown(id="evolution-to", value=state.end, options=options["to"], clearable=False,
                                       searchable=False)]),
            ]),
        ]),
        html.Fieldset(className="evolution-mode", children=[
            html.Legend(t("evolution.mode_label", lang), className="control-label"),
            dcc.RadioItems(id="evolution-mode", value=state.mode, options=options["mode"],
                           className="evolution-radio", labelClassName="evolution-radio-label"),
            html.P(options["mode_note"], id="evolution-mode-note", className="evolution-hint"),
        ]),
        html.Div(id="evolution-base-wrap", hidden=state.mode != "index", children=[
            _label(t("evolution.base_label", lang), "evolution-base"),
            dcc.Dropdown(id="evolution-base", value=state.base_year, options=options["base"],
                         clearable=False, searchable=False),
        ]),
        html.Fieldset(className="evolution-refs", children=[
            html.Legend(t("evolution.refs_label", lang), className="control-label"),
            dcc.Checklist(id="evolution-refs", value=list(state.refs), className="evolution-radio",
                          labelClassName="evolution-radio-label",
                          options=[{"label": t(f"evolution.ref_{ref}", lang), "value": ref}
                                   for ref in ("parent", "france")]),
        ]),
    ])


def _chart_section(lang: str) -> html.Section:
    return html.Section(className="card evolution-chart-card", **{"aria-labelledby": "evolution-chart-heading"},
                        children=[
        html.H2(id="evolution-chart-heading", className="evolution-chart-heading"),
        html.Div(id="evolution-warnings", role="status"),
        html.Div(role="group", **{"aria-label": t("evolution.chart_label", lang)}, children=dcc.Loading(
            type="default", children=dcc.Graph(
                id="evolution-chart", className="evolution-chart",
                config=GRAPH_CONFIG))),
        html.Div(id="evolution-source"),
        html.Div(id="evolution-breaks", className="evolution-notes"),
        html.Details(className="evolution-table", children=[
            html.Summary(t("evolution.table_toggle", lang)),
            html.Div(id="evolution-table", className="table-scroll"),
        ]),
        html.Div(id="evolution-downloads", className="evolution-downloads no-print"),
    ])


def _summary_section(lang: str) -> html.Section:
    return html.Section(className="card evolution-summary-card", children=[
        html.H2(t("evolution.summary_title", lang)),
        html.Div(id="evolution-summary", **{"aria-live": "polite"}),
    ])


def _map_section(state: EvolutionParams, lang: str, options: dict) -> html.Section:
    return html.Section(className="card evolution-map-card", children=[
        html.H2(t("evolution.map_section_title", lang)),
        html.Div(className="evolution-map-controls", children=[
            html.Div([_label(t("evolution.map_level_label", lang), "evolution-level"),
                      dcc.Dropdown(id="evolution-level", value=state.level, options=options["level"], clearable=False,
                                   searchable=False)]),
            html.Fieldset([
                html.Legend(t("evolution.map_change_label", lang), className="control-label"),
                dcc.RadioItems(id="evolution-change", value=state.change, options=options["change"],
                               inline=True, className="evolution-radio",
                               labelClassName="evolution-radio-label"),
            ]),
        ]),
        html.H3(id="evolution-map-title", className="evolution-map-title"),
        html.P(id="evolution-map-message", className="evolution-hint", role="status"),
        html.Div(className="evolution-map-wrap", children=[
            dl.Map(id="evolution-map", center=MAP_CENTER, zoom=MAP_ZOOM, zoomSnap=0.25,
                   className="evolution-map", attributionControl=True, scrollWheelZoom=False,
                   children=[dl.GeoJSON(id="evolution-geojson", format="geobuf", zoomToBounds=True,
                                        style={"variable": "atlasEvolution.style"},
                                        onEachFeature={"variable": "atlasEvolution.bindTooltip"},
                                        hoverStyle={"variable": "atlasEvolution.hoverStyle"},
                                        hideout={"classes": {}, "colors": [], "labels": {}, "selected": [],
                                                 "statusFill": [], "statusLabels": []})]),
            html.Div(id="evolution-legend", className="evolution-legend",
                     **{"aria-label": t("evolution.map_label", lang)}),
        ]),
        html.P(t("evolution.map_hint", lang), className="evolution-hint"),
        html.Div(id="evolution-map-source"),
    ])


def _page(**params):
    lang = normalize_lang(params.get("lang"))
    header = page_header(t("evolution.title", lang), t("evolution.intro", lang), page_id="evolution")
    if not store.is_built():
        return html.Div([header, store_missing_notice(lang, "evolution")], className="page page-evolution")
    try:
        state = parse_params(params)
    except LookupError as error:
        log.warning("page evolution: %s", error)
        return html.Div([header, html.Div(t("evolution.no_series", lang), id="evolution-nodata",
                                          className="notice notice-warning", role="status")],
                        className="page page-evolution")

    options = control_options(state, lang)
    return html.Div(className="page page-evolution", children=[
        header,
        invalid_params_notice(list(state.invalid), lang, "evolution"),
        dcc.Location(id="evolution-url", refresh=False),
        dcc.Store(id="evolution-lang", data=lang),
        dcc.Store(id="evolution-state"),
        html.Div(className="evolution-grid", children=[
            _controls(state, lang, options),
            html.Div(className="evolution-results", children=[
                _chart_section(lang),
                _summary_section(lang),
                _map_section(state, lang, options),
            ]),
        ]),
    ])


def layout(**params):
    return localize_dropdowns(_page(**params), normalize_lang(params.get("lang")))
