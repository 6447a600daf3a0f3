"""Page Carte: the interactive choropleth map, the main view of the atlas.

The layout reads its state from the URL (`atlas.mapstate.parse_state`) and embeds the first
payload, so the first paint needs no callback round trip. Later changes go through
`callbacks.carte`; the geometry is loaded by the browser from `/geo/<name>.pbf`.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import dash
import dash_leaflet as dl
from dash import dcc, html
from dash_extensions.javascript import Namespace

from atlas import store
from atlas.catalogue import load_catalogue
from atlas.classify import MAX_CLASSES, METHODS, MIN_CLASSES, STATUS_STYLES, palette
from atlas.formatting import format_number
from atlas.i18n import normalize_lang, t
from atlas.mapdata import geometry_source, inset_frames, payload_for
from atlas.mapstate import MapState, indicator_years, map_indicators, map_levels, palette_choices, parse_state, state_query
from atlas.mapplaces import layer_counts, layer_specs, places_frame
from atlas.places import taxonomy
from api.territories import geometry_url, geometry_version
from layouts.components.indicator_picker import indicator_options
from layouts.components.downloads import download_menu
from layouts.components.dropdowns import localize_dropdowns
from layouts.components.page import invalid_params_notice, page_header, store_missing_notice
from layouts.components.territory_search import territory_dropdown

log = logging.getLogger(__name__)

dash.register_page(__name__, path="/", name="Carte", order=0)

CHOROPLETH = Namespace("atlasCarte", "choropleth")
PLACES = Namespace("atlasCarte", "places")
TABLE_PAGE_SIZE = 20
# Metropolitan France and the overseas insets, in display coordinates (south-west, north-east).
METROPOLE_BOUNDS = ((41.3, -5.2), (51.1, 9.6))


def default_bounds(frames: list[dict]) -> list[list[float]]:
    """Bounds that show metropolitan France and every overseas inset."""
    south, west = METROPOLE_BOUNDS[0]
    north, east = METROPOLE_BOUNDS[1]
    for item in frames:
        frame_west, frame_south, frame_east, frame_north = item["frame"]
        south, west = min(south, frame_south), min(west, frame_west)
        north, east = max(north, frame_north), max(east, frame_east)
    return [[south, west], [north, east]]


@lru_cache(maxsize=4)
def cached_indicator_options(lang: str, stamp: str) -> list[dict]:
    """Indicator choices grouped by theme, computed once per language and build (`stamp`).

    Only indicators with values at a mappable level are kept, and theme headings left empty
    are dropped.
    """
    mappable = {indicator.id for indicator in map_indicators()}
    kept = [option for option in indicator_options(lang)
            if option.get("disabled") or option["value"] in mappable]
    return [option for position, option in enumerate(kept)
            if not option.get("disabled")
            or (position + 1 < len(kept) and not kept[position + 1].get("disabled"))]


@lru_cache(maxsize=4)
def cached_scope_options(lang: str, stamp: str) -> list[dict]:
    return scope_options(lang)


def level_options(levels: list[str], lang: str) -> list[dict]:
    return [{"label": t(f"common.level_{level}", lang), "value": level} for level in levels]


def year_options(years: list[int]) -> list[dict]:
    return [{"label": str(year), "value": year} for year in sorted(years, reverse=True)]


def method_options(lang: str) -> list[dict]:
    return [{"label": t(f"legend.method_{method}", lang), "value": method} for method in METHODS]


def palette_options(schemes: tuple[str, ...], kind: str) -> list[dict]:
    """Palette choices drawn as colour ramps, named for screen readers."""
    options = []
    for scheme in schemes:
        ramp = [html.Span(className="carte-ramp-step", style={"background": color})
                for color in palette(scheme, 5, kind)]
        options.append({"label": html.Span([html.Span(ramp, className="carte-ramp", **{"aria-hidden": "true"}),
                                            html.Span(scheme, className="carte-ramp-name")]),
                        "value": scheme, "search": scheme})
    return options


def scope_options(lang: str) -> list[dict]:
    """Régions then départements a commune map can be restricted to."""
    options = []
    for level in ("region", "departement"):
        for row in store.territories_of(level).itertuples(index=False):
            label = row.name if level == "region" else f"{row.name} ({row.code})"
            options.append({"label": f"{t(f'common.level_{level}', lang)} : {label}" if lang == "fr"
                            else f"{t(f'common.level_{level}', lang)}: {label}",
                            "value": f"{level}:{row.code}"})
    return options


def place_options(lang: str) -> list[dict]:
    """Place domains, each followed by its types."""
    options = []
    for domain in taxonomy(lang):
        options.append({"label": domain["label"], "value": domain["id"]})
        for item in domain["types"]:
            options.append({"label": f"{domain['label']} › {item['label']}", "value": item["id"]})
    return options


def breaks_text(breaks: tuple[float, ...], lang: str) -> str:
    """Manual breaks as the user types them: "10 ; 20,5" in French, "10; 20.5" in English."""
    parts = [f"{value:g}" for value in breaks]
    if lang == "fr":
        return " ; ".join(part.replace(".", ",") for part in parts)
    return "; ".join(parts)


def _control(label_key: str, control, lang: str, control_id: str, wrapper_id: str | None = None,
             hidden: bool = False) -> html.Div:
    attributes = {"id": wrapper_id} if wrapper_id else {}
    return html.Div([html.Label(t(label_key, lang), htmlFor=control_id, className="control-label"), control],
                    className="carte-control", hidden=hidden, **attributes)


def controls(state: MapState, lang: str) -> html.Div:
    indicator = load_catalogue().get(state.indicator)
    levels = map_levels(indicator)
    years = indicator_years(state.indicator, state.level)
    kind = indicator.palette.get("type", "sequential")
    return html.Div(className="carte-controls", children=[
        _control("carte.indicator", dcc.Dropdown(
            id="carte-indicator", options=cached_indicator_options(lang, store.build_stamp()), value=state.indicator,
            clearable=False, searchable=True, placeholder=t("common.choose_indicator", lang),
            className="indicator-picker"), lang, "carte-indicator"),
        _control("carte.level", dcc.Dropdown(id="carte-level", options=level_options(levels, lang),
                                             value=state.level, clearable=False, searchable=True),
                 lang, "carte-level"),
        _control("carte.year", dcc.Dropdown(id="carte-year", options=year_options(years), value=state.year,
                                            clearable=False, searchable=True),
                 lang, "carte-year", "carte-year-wrapper", hidden=len(years) < 2),
        _control("carte.scope", dcc.Dropdown(id="carte-scope", options=cached_scope_options(lang, store.build_stamp()), value=state.scope,
                                             placeholder=t("carte.scope_all", lang), clearable=True),
                 lang, "carte-scope", "carte-scope-wrapper", hidden=state.level != "commune"),
        _control("carte.search", territory_dropdown("carte-search", lang, placeholder_key="carte.search_placeholder"),
                 lang, "carte-search"),
        # A fieldset, not a <details>: in Chromium, Tab from the last dropdown inside a <details>
        # went back to its first one, trapping keyboard users in the class controls.
        html.Fieldset(id="carte-classes-box", hidden=indicator.is_categorical,
                      className="carte-classes", children=[
            html.Legend(t("carte.classes", lang)),
            _control("carte.method", dcc.Dropdown(id="carte-method", options=method_options(lang),
                                                  value=state.method, clearable=False, searchable=True),
                     lang, "carte-method"),
            _control("carte.k", dcc.Dropdown(id="carte-k", options=[{"label": str(k), "value": k} for k in
                                                                   range(MIN_CLASSES, MAX_CLASSES + 1)],
                                             value=state.k, clearable=False, searchable=True),
                     lang, "carte-k", "carte-k-wrapper", hidden=state.method == "manual"),
            html.Div(id="carte-breaks-wrapper", className="carte-control", hidden=state.method != "manual", children=[
                html.Label(t("carte.breaks", lang), htmlFor="carte-breaks", className="control-label"),
                dcc.Input(id="carte-breaks", type="text", value=breaks_text(state.breaks, lang), debounce=True,
                          inputMode="decimal", placeholder=t("carte.breaks_placeholder", lang),
                          className="carte-breaks-input"),
                html.P(t("carte.breaks_help", lang), id="carte-breaks-help", className="carte-help"),
            ]),
            _control("carte.palette", dcc.Dropdown(id="carte-palette",
                                                   options=palette_options(palette_choices(indicator), kind),
                                                   value=state.palette, clearable=False, searchable=True),
                     lang, "carte-palette"),
        ]),
        _control("carte.places", dcc.Dropdown(id="carte-places", options=place_options(lang),
                                              value=list(state.places), multi=True,
                                              placeholder=t("carte.places_placeholder", lang)),
                 lang, "carte-places"),
    ])


def map_view(state: MapState, lang: str) -> html.Div:
    source = geometry_source(state.level, state.scope)
    frames = inset_frames()
    bounds = default_bounds(frames)
    if state.view:
        view = {"center": [state.view[0], state.view[1]], "zoom": state.view[2]}
    else:
        # No zoom: Leaflet fits the bounds to the window; the centre is still given because
        # dash-leaflet compares it with the map centre to report view changes.
        view = {"bounds": bounds, "center": [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]}
    insets = [dl.Rectangle(bounds=[[item["frame"][1], item["frame"][0]], [item["frame"][3], item["frame"][2]]],
                           pathOptions={"color": "#9aa3b2", "weight": 1, "fill": False, "dashArray": "4 3"},
                           interactive=False)
              for item in frames]
    choropleth = dl.GeoJSON(
        id="carte-geojson", url=geometry_url(source.name), format="geobuf",
        hideout={"departements": list(source.departements)},
        style=CHOROPLETH("style"), onEachFeature=CHOROPLETH("onEachFeature"),
        filter=CHOROPLETH("filter"), bubblingMouseEvents=False,
    )
    places = dl.LayerGroup(id="carte-places-group", children=place_layers(list(state.places), lang))
    # The popup of a clicked place is added here by a callback: a Popup without a position
    # breaks dash-leaflet.
    popup = dl.LayerGroup(id="carte-place-popup", children=[])
    leaflet = dl.MapContainer(
        id="carte-map", preferCanvas=True, zoomSnap=0.25, minZoom=4, maxZoom=14,
        attributionControl=False, trackViewport=True, className="carte-leaflet",
        children=[*insets, choropleth, places, popup], **view,
    )
    return html.Div(
        id="carte-map-region", role="region", className="carte-map-region",
        **{"aria-label": map_label(state, lang), "aria-describedby": "carte-map-help"},
        children=[
            leaflet,
            html.P(id="carte-map-help", className="carte-map-help", children=[
                t("carte.map_help", lang), " ",
                html.A(t("carte.table_link", lang), href="#carte-table-section", id="carte-table-link"),
            ]),
        ],
    )


def place_layers(selection: list[str], lang: str) -> list:
    """Build one clustered point layer per chosen domain or type, each loading only its points."""
    layers = []
    for spec in layer_specs(selection, lang):
        layers.append(dl.GeoJSON(
            id=f"carte-places-{spec['id']}", url=f"/geo/places/{spec['id']}.pbf?v={geometry_version()}",
            format="geobuf", cluster=True, zoomToBoundsOnClick=True,
            superClusterOptions={"radius": 55, "maxZoom": 13},
            pointToLayer=PLACES("point"), clusterToLayer=PLACES("cluster"),
            hideout={"color": spec["color"]},
        ))
    return layers


def places_legend(selection: list[str], lang: str) -> list:
    """Legend of the place layers: colour, name and number of places of each."""
    specs = layer_specs(selection, lang)
    if not specs:
        return []
    frame = places_frame()
    if frame is None:
        return [html.P(t("carte.places_unavailable", lang), className="carte-legend-note")]
    counts = layer_counts(frame, specs)
    rows = [html.Li([html.Span(className="carte-dot", style={"background": spec["color"]}, **{"aria-hidden": "true"}),
                     html.Span(f"{spec['label']} : " if lang == "fr" else f"{spec['label']}: "),
                     html.Span(t("carte.places_count", lang, count=format_number(count, 0, lang)))])
            for spec, count in zip(specs, counts)]
    return [html.H4(t("carte.places", lang), className="carte-legend-title"), html.Ul(rows)]


def map_label(state: MapState, lang: str) -> str:
    indicator = load_catalogue().get(state.indicator)
    return t("carte.map_label", lang, indicator=indicator.text("label", lang),
             level=t(f"common.level_{state.level}", lang), year=state.year)


SORT_CHOICES = ("rank:asc", "rank:desc", "name:asc", "name:desc", "code:asc")


def table_section(lang: str) -> html.Section:
    """Build the ranking table: a sort choice, one page of rows rendered on the server, page buttons."""
    return html.Section(id="carte-table-section", className="carte-table-section card",
                        **{"aria-labelledby": "carte-table-title"}, children=[
        html.H2(t("carte.table_title", lang), id="carte-table-title"),
        html.P(t("carte.table_intro", lang), className="carte-help"),
        html.Div(className="carte-table-tools", children=[
            html.Label(t("carte.sort", lang), htmlFor="carte-table-sort", className="control-label"),
            dcc.Dropdown(id="carte-table-sort", value="rank:asc", clearable=False, searchable=False,
                         options=[{"label": t(f"carte.sort_{choice.replace(':', '_')}", lang), "value": choice}
                                  for choice in SORT_CHOICES], className="carte-table-sort"),
        ]),
        html.Div(id="carte-table", className="carte-table-wrapper"),
        html.Div(id="carte-table-source"),
        html.Div(className="carte-pager", children=[
            html.Button(t("carte.page_previous", lang), id="carte-page-previous", n_clicks=0,
                        className="button button-secondary"),
            html.Span(id="carte-page-label", className="carte-page-label", **{"aria-live": "polite"}),
            html.Button(t("carte.page_next", lang), id="carte-page-next", n_clicks=0,
                        className="button button-secondary"),
        ]),
        dcc.Store(id="carte-table-page", data=0),
    ])


def table_component(rows: list[dict], value_label: str, sort: str, lang: str) -> html.Table:
    """Render one page of the ranking as an HTML table; the sorted column carries aria-sort."""
    column, direction = sort.split(":")
    headers = [("rank", t("carte.rank", lang), "num"), ("name", t("common.territory", lang), ""),
               ("code", t("carte.code", lang), ""), ("value", value_label, "num")]
    head = [html.Th(label, scope="col", className=css,
                    **({"aria-sort": "ascending" if direction == "asc" else "descending"} if key == column else {}))
            for key, label, css in headers]
    body = [html.Tr([html.Td(row["rank"], className="num"), html.Th(row["name"], scope="row"),
                     html.Td(row["code"]), html.Td(row["value"], className="num")])
            for row in rows]
    return html.Table([html.Caption(value_label, className="visually-hidden"), html.Thead(html.Tr(head)),
                       html.Tbody(body)], className="data-table carte-table")


def _page(**params):
    try:
        state = parse_state(params)
    except store.StoreMissing:
        log.error("map page requested but the data build is missing")
        state = None
    lang = state.lang if state else normalize_lang(params.get("lang"))
    if state is None:
        return html.Div([page_header(t("carte.title", lang), page_id="carte"), store_missing_notice(lang, "carte")],
                        className="page page-carte")

    payload = payload_for(state)
    status_styles = {name: dict(style) for name, style in STATUS_STYLES.items()}
    return html.Div(className="page page-carte", children=[
        page_header(t("carte.title", lang), page_id="carte"),
        invalid_params_notice(list(state.invalid), lang, "carte"),
        html.Div(className="carte-grid", children=[
            controls(state, lang),
            html.Div(className="carte-main", children=[
                html.H2(id="carte-heading", className="carte-heading", children=heading(state, lang)),
                html.Div(id="carte-message", role="status", className="carte-message"),
                map_view(state, lang),
            ]),
            html.Div(className="carte-side", children=[
                html.Div(id="carte-legend", className="carte-legend", **{"aria-live": "polite"},
                         children=legend_children(payload.legend, lang)),
                html.Div(id="carte-places-legend", className="carte-places-legend", **{"aria-live": "polite"},
                         children=places_legend(list(state.places), lang)),
                download_menu("carte", "carte", lang),
                html.Aside(id="carte-panel", className="carte-panel", **{"aria-live": "polite"},
                           **({"aria-label": t("carte.panel_label", lang)})),
            ]),
        ]),
        table_section(lang),
        dcc.Store(id="carte-lang", data=lang),
        dcc.Store(id="carte-payload", data=payload.data),
        dcc.Store(id="carte-status-styles", data=status_styles),
        dcc.Store(id="carte-query", data=_string_query(state)),
        dcc.Store(id="carte-selected", data=state.code),
        # A link with a selected territory zooms to it, unless it also carries its own view.
        dcc.Store(id="carte-zoom", data={"code": state.code} if state.code and not state.view else None),
        dcc.Store(id="carte-place-click"),
        dcc.Store(id="carte-palette-kind", data=_palette_kind(state)),
        dcc.Store(id="carte-view-stamp", data=""),
        dcc.Store(id="carte-sink-paint"),
        dcc.Store(id="carte-sink-select"),
        dcc.Store(id="carte-sink-url"),
    ])


def _string_query(state: MapState) -> dict[str, str]:
    """Return the query parameters the browser writes back to the address bar.

    The browser adds the view, the selected code and the place layers itself.
    """
    query = state_query(state)
    for name in ("code", "places", "view"):
        query.pop(name, None)
    return {key: (",".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value))
            for key, value in query.items() if value not in (None, "", [], ()) and not (key == "lang" and value == "fr")}


def _palette_kind(state: MapState) -> str:
    indicator = load_catalogue().get(state.indicator)
    return "categorical" if indicator.is_categorical else indicator.palette.get("type", "sequential")


def heading(state: MapState, lang: str) -> str:
    indicator = load_catalogue().get(state.indicator)
    return t("carte.heading", lang, indicator=indicator.text("label", lang),
             level=t(f"common.level_{state.level}", lang), year=state.year)


def legend_children(legend: dict, lang: str) -> list:
    """Build the legend: one row per class with its colour, bounds and count, then the statuses."""
    rows = []
    for entry in legend["entries"]:
        rows.append(html.Li(className="carte-legend-row", children=[
            html.Span(className="carte-swatch", style={"background": entry["color"]}, **{"aria-hidden": "true"}),
            html.Span(entry["label"], className="carte-legend-label"),
            html.Span(count_text(entry["count"], lang), className="carte-legend-count"),
        ]))
    for entry in legend["statuses"]:
        rows.append(html.Li(className="carte-legend-row carte-legend-status", children=[
            html.Span(className=f"carte-swatch carte-hatch carte-hatch-{entry['pattern']}",
                      style={"--hatch-fill": entry["fill"], "--hatch-line": entry["line"]},
                      **{"aria-hidden": "true"}),
            html.Span(entry["label"], className="carte-legend-label"),
            html.Span(count_text(entry["count"], lang), className="carte-legend-count"),
        ]))
    title = legend["title"] + (f" ({legend['unit']})" if legend["unit"] else "")
    children = [
        html.H3(title, className="carte-legend-title", id="carte-legend-title"),
        html.Ul(rows, className="carte-legend-list", **{"aria-labelledby": "carte-legend-title"}),
    ]
    if legend["method"]:
        children.append(html.P(legend["method"], className="carte-legend-method"))
    if legend["reduced"]:
        children.append(html.P(t("legend.classes_reduced", lang, k=len(legend["entries"])),
                               className="carte-legend-note"))
    if not legend["entries"]:
        children.append(html.P(t("legend.no_value", lang), className="carte-legend-note"))
    children.append(html.Div(className="source-line", children=[
        html.Span(t("common.source_year", lang, source=legend["source"], year=legend["year"])),
        html.Details([html.Summary(t("common.definition", lang)), html.P(legend["definition"])]),
    ]))
    return children


def count_text(count: int, lang: str) -> str:
    if count == 1:
        return t("legend.count_one", lang)
    return t("legend.count", lang, count=format_number(count, 0, lang))



def layout(**params):
    return localize_dropdowns(_page(**params), normalize_lang(params.get("lang")))
