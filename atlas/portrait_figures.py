"""Figures of a territory portrait: locator map, population series, index charts per section.

All figures are plain plotly cartesian traces, so they render offline on screen and export as
true vectors (SVG, PDF) with kaleido. The locator map draws polygons as filled scatter paths in
an equirectangular projection scaled at the map's mean latitude: good enough to locate a
territory, not a measuring map.
"""

from __future__ import annotations

import logging
import math
from functools import lru_cache

import geopandas as gpd
import numpy as np
import plotly.graph_objects as go
from shapely.geometry import MultiPolygon, Polygon

from atlas import store
from atlas.cache import memoize
from atlas.catalogue import load_catalogue
from atlas.charts import REFERENCE_COLOR, SERIES_COLORS, add_source_note, base_layout
from atlas.i18n import t
from atlas.portrait import Place, Section, is_intensive, latest_year, parent_of

log = logging.getLogger(__name__)

HIGHLIGHT = SERIES_COLORS[0]
BACKGROUND_FILL = "#e6e8ee"
OUTLINE = "#ffffff"
# Overseas départements lie far from the mainland: they are left out of national locator maps.
MAINLAND_BOX = (-5.5, 41.0, 10.0, 51.5)


@lru_cache(maxsize=8)
def _geometry(level: str) -> gpd.GeoDataFrame | None:
    path = store.build_dir() / "geometry" / f"{level}.parquet"
    if not path.exists():
        log.warning("geometry of level %s not found at %s", level, path)
        return None
    return gpd.read_parquet(path)


def _rings(geometry) -> list[np.ndarray]:
    """Exterior rings of a (multi)polygon as coordinate arrays."""
    if geometry is None or geometry.is_empty:
        return []
    polygons = geometry.geoms if isinstance(geometry, MultiPolygon) else [geometry]
    return [np.asarray(polygon.exterior.coords) for polygon in polygons if isinstance(polygon, Polygon)]


def _path(geometries, tolerance: float) -> tuple[list, list]:
    """Concatenate rings into x/y lists separated by None, the form plotly draws as many shapes."""
    xs: list = []
    ys: list = []
    for geometry in geometries:
        simplified = geometry.simplify(tolerance, preserve_topology=True) if tolerance else geometry
        for ring in _rings(simplified):
            xs.extend(ring[:, 0].tolist() + [None])
            ys.extend(ring[:, 1].tolist() + [None])
    return xs, ys


def _in_mainland(geometry) -> bool:
    x, y = geometry.representative_point().coords[0]
    west, south, east, north = MAINLAND_BOX
    return west <= x <= east and south <= y <= north


def _locator_frames(place: Place) -> tuple[gpd.GeoSeries, gpd.GeoSeries, gpd.GeoSeries] | None:
    """(background shapes, neighbour outlines, the territory itself) for the locator map."""
    own = _geometry(place.level)
    if own is None:
        return None
    territory = own[own["code"] == place.code].geometry
    if territory.empty:
        return None
    parent = parent_of(place)
    if place.level == "france" or parent is None or parent.level == "france":
        regions = _geometry("region")
        if regions is None:
            return None
        mainland = place.level == "france" or all(_in_mainland(g) for g in territory)
        shown = regions[regions.geometry.apply(_in_mainland)] if mainland else regions.iloc[0:0]
        if place.level == "france":
            return shown.geometry, shown.geometry, shown.geometry
        return shown.geometry, shown.geometry, territory
    parents = _geometry(parent.level)
    background = parents[parents["code"] == parent.code].geometry if parents is not None else territory
    members = store.territories_of(place.level)
    if parent.level in members.columns:
        sibling_codes = set(members.loc[members[parent.level] == parent.code, "code"])
        siblings = own[own["code"].isin(sibling_codes)].geometry
    else:
        siblings = territory
    return background, siblings, territory


@memoize()
def locator_map(level: str, code: str, lang: str) -> go.Figure | None:
    """Draw the territory (filled) inside its parent (grey), with its neighbours' borders."""
    place = Place(level, code, (store.territory(level, code) or {}).get("name", code))
    frames = _locator_frames(place)
    if frames is None:
        return None
    background, siblings, territory = frames
    west, south, east, north = gpd.GeoSeries(list(background) + list(territory)).total_bounds
    extent = max(east - west, north - south, 0.01)
    tolerance = extent / 500

    fig = go.Figure()
    for geometries, fill, line, width in ((background, BACKGROUND_FILL, BACKGROUND_FILL, 0.5),
                                          (siblings, None, OUTLINE, 0.6),
                                          (territory, HIGHLIGHT, "#0b2a4a", 1.0)):
        xs, ys = _path(geometries, tolerance)
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", fill="toself" if fill else None,
                                 fillcolor=fill, line={"color": line, "width": width},
                                 hoverinfo="skip", showlegend=False))
    mean_latitude = (south + north) / 2
    layout = base_layout(lang, height=300)
    layout.update(margin={"l": 5, "r": 5, "t": 5, "b": 5}, showlegend=False)
    fig.update_layout(**layout)
    fig.update_xaxes(visible=False, range=[west - extent * 0.03, east + extent * 0.03])
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1 / math.cos(math.radians(mean_latitude)))
    return fig


def _sources_text(indicators, lang: str) -> str:
    seen = []
    for indicator in indicators:
        source = indicator.text("source", lang)
        if source not in seen:
            seen.append(source)
    return "; ".join(seen)


@memoize()
def population_chart(level: str, code: str, lang: str) -> go.Figure | None:
    """Population of every available vintage, with a dotted line at each change of concept."""
    catalogue = load_catalogue()
    if "population" not in catalogue:
        return None
    indicator = catalogue.get("population")
    frame = store.indicator_frame("population")
    rows = frame[(frame["level"] == level) & (frame["code"] == code) & (frame["status"] == "ok")]
    if len(rows) < 2:
        return None
    rows = rows.sort_values("year")
    name = (store.territory(level, code) or {}).get("name", code)
    fig = go.Figure(go.Scatter(
        x=rows["year"].astype(int).tolist(), y=rows["value"].tolist(), mode="lines+markers",
        name=name, line={"color": HIGHLIGHT, "width": 2}, marker={"size": 4}, connectgaps=False,
        hovertemplate="%{x} : %{y:,.0f}<extra></extra>" if lang == "fr" else "%{x}: %{y:,.0f}<extra></extra>",
    ))
    from atlas.evolution import breaks_with_labels

    for item in breaks_with_labels(indicator, lang, levels=[level]):
        fig.add_vline(x=item["year"], line={"dash": "dot", "color": REFERENCE_COLOR, "width": 1})
    title = t("portrait.chart_population_title", lang, name=name)
    fig.update_layout(**base_layout(lang, title=title, height=340))
    fig.update_yaxes(title=indicator.unit_label(lang), rangemode="tozero")
    years = rows["year"].astype(int)
    add_source_note(fig, indicator.text("source", lang), f"{years.min()}–{years.max()}", lang)
    return fig


def index_chart(section: Section, place: Place, parent: Place | None, lang: str) -> go.Figure | None:
    """Bars of the section's rates and per-inhabitant figures as indices, France = 100."""
    rows = [row for row in section.rows if is_intensive(row.indicator) and row.index_to_france is not None]
    if not rows or place.level == "france":
        return None
    labels = [row.indicator.text("label", lang) for row in rows]
    fig = go.Figure()
    fig.add_trace(go.Bar(y=labels, x=[row.index_to_france for row in rows], orientation="h",
                         name=place.name, marker_color=HIGHLIGHT))
    if parent is not None and parent.level != "france":
        parent_index = [100.0 * row.parent_value / row.france_value
                        if row.parent_status == "ok" and row.france_value else None for row in rows]
        fig.add_trace(go.Bar(y=labels, x=parent_index, orientation="h", name=parent.name,
                             marker_color=SERIES_COLORS[1]))
    fig.add_vline(x=100, line={"color": REFERENCE_COLOR, "width": 1.5})
    title = t("portrait.chart_index_title", lang, section=t(f"portrait.section_{section.id}", lang))
    layout = base_layout(lang, title=title, height=max(260, 120 + 46 * len(rows)))
    layout["margin"]["l"] = 10
    fig.update_layout(**layout, barmode="group")
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(title=t("portrait.index_axis", lang), rangemode="tozero")
    years = sorted({row.year for row in rows})
    year_text = str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"
    add_source_note(fig, _sources_text([row.indicator for row in rows], lang), year_text, lang)
    return fig


def all_figures(place: Place, sections: list[Section], lang: str) -> list[go.Figure]:
    """Return every figure of the portrait in page order, for exports."""
    parent = parent_of(place)
    figures = [locator_map(place.level, place.code, lang), population_chart(place.level, place.code, lang)]
    figures += [index_chart(section, place, parent, lang) for section in sections]
    return [figure for figure in figures if figure is not None]

