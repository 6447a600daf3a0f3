"""The Carte view for exports: a vector choropleth figure and the table behind it.

The figure is a plotly outline map (`go.Choropleth`) built from the browser geometry, so SVG and
PDF exports are real vector paths, one per territory. It shows the title (indicator, level,
year) and the unit. The legend gives the class bounds with the number of territories in each
class, and each status that is not a value (secret, missing, not published) gets its own
swatch. The selected territory is outlined, names are written where they fit, the overseas
insets are framed, and the source, year and atlas name close the figure.

The query string is read by the map page's own parser (`atlas.mapstate.parse_state`) and the
classes, colours and legend entries come from the payload the screen map draws
(`atlas.mapdata.build_payload`), so an export always matches the screen. Statuses get the fill
and hatch of `classify.STATUS_STYLES` (see `atlas.export.hatching`).
NOTE: the cultural places layer of the page (`places`) is not drawn on exported maps yet.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely
from shapely.ops import polylabel

from atlas import geo, store
from atlas.catalogue import load_catalogue
from atlas.charts import FONT_FAMILY, add_source_note, separators
from atlas.export.geometry import LevelGeometry, level_geometry
from atlas.export.hatching import hatch_trace, legend_swatch
from atlas.formatting import format_number
from atlas.i18n import t
from atlas.mapdata import STATUS_CODES, build_payload, geometry_source, inset_frames, level_frame
from atlas.mapstate import MapState, parse_scope, parse_state

log = logging.getLogger(__name__)

GEO_DOMAIN_X = (0.0, 0.70)
LEGEND_X = 0.72
MARGIN = {"l": 10, "r": 10, "t": 78, "b": 40}
LINE_WIDTH = {"region": 0.8, "departement": 0.5, "zone_emploi": 0.35, "aav": 0.3, "epci": 0.3,
              "commune": 0.05}
LINE_COLOR = "#ffffff"
HIGHLIGHT_COLOR = "#1d2330"
FRAME_COLOR = "#9aa1ad"
RANGE_PADDING = 0.03
# Names are written on territories of these levels when they fit inside the shape, and on
# smaller territories when at most MAX_SMALL_LABELLED are drawn.
LABEL_FONT = {"region": 11, "departement": 8}
SMALL_LABEL_FONT = 7
MAX_SMALL_LABELLED = 400
MAX_LABELS = 120
# Average glyph width of DejaVu Sans as a share of the font size, for the fit test.
GLYPH_WIDTH = 0.6
# Share of a label's box that must lie inside its territory.
COVERAGE = 0.97


@dataclass(frozen=True)
class MapClasses:
    """Class of every territory drawn and the legend entries, as the screen map has them."""

    frame: pd.DataFrame  # code, name, value, status, category, class (-1: a status), class_label
    entries: list[dict]  # one per class: color, label, count
    statuses: list[dict]  # one per status present: status, label, count, fill
    legend_title: str


def _level_label(level: str, lang: str) -> str:
    label = t(f"common.level_{level}", lang)
    # "Département" -> "département", but acronyms such as EPCI keep their capitals.
    if len(label) > 1 and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def map_classes(state: MapState) -> MapClasses:
    """Classes of the map of `state`, decoded from the screen map's payload."""
    indicator = load_catalogue().get(state.indicator)
    frame = level_frame(state.indicator, state.level, state.year, state.scope)
    payload = build_payload(indicator, frame, state, geometry_source(state.level, state.scope))
    status_letters = set(STATUS_CODES.values())
    classes = [-1 if char in status_letters else ord(char) - ord("0") for char in payload.data["classes"]]
    entries = payload.legend["entries"]
    frame = frame.copy()
    frame["class"] = np.asarray(classes, dtype="int16")
    frame["class_label"] = [entries[c]["label"] if 0 <= c < len(entries) else "" for c in frame["class"]]
    unit = indicator.unit_label(state.lang)
    method = payload.legend.get("method")
    title = t("export.map_legend_title", state.lang, unit=unit, method=method) if method else unit
    return MapClasses(frame, list(entries), list(payload.legend["statuses"]), title)


def _constant_colorscale(color: str) -> list:
    return [[0, color], [1, color]]


def _choropleth(geometry: LevelGeometry, codes: list[str], color: str, name: str, line_width: float,
                legendrank: int) -> go.Choropleth:
    return go.Choropleth(
        geojson=geometry.url, locations=codes, z=[0] * len(codes),
        colorscale=_constant_colorscale(color), showscale=False, name=name, showlegend=True,
        legendrank=legendrank, marker={"line": {"color": LINE_COLOR, "width": line_width}},
        hoverinfo="skip",
    )


def _relative_luminance(color: str) -> float:
    color = color.lstrip("#")
    if len(color) != 6:
        return 1.0
    channels = [int(color[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _mercator_bounds(geometries) -> tuple[float, float, float, float]:
    west, south, east, north = shapely.total_bounds(geometries)
    (x0, x1), (y0, y1) = geo.mercator([west, east], [south, north])
    return float(x0), float(y0), float(x1), float(y1)


def _pixels_per_metre(geometry: LevelGeometry, width: int, height: int) -> float:
    """Scale of the drawn map, as plotly fits every shape into the geo domain."""
    x0, y0, x1, y1 = _mercator_bounds(geometry.geometries)
    x0, x1 = x0 - (x1 - x0) * RANGE_PADDING, x1 + (x1 - x0) * RANGE_PADDING
    y0, y1 = y0 - (y1 - y0) * RANGE_PADDING, y1 + (y1 - y0) * RANGE_PADDING
    domain_width = (width - MARGIN["l"] - MARGIN["r"]) * (GEO_DOMAIN_X[1] - GEO_DOMAIN_X[0])
    domain_height = height - MARGIN["t"] - MARGIN["b"]
    return min(domain_width / max(x1 - x0, 1.0), domain_height / max(y1 - y0, 1.0))


def _join(tokens: list[str]) -> str:
    text = ""
    for token in tokens:
        text += token if not text or text.endswith("-") else " " + token
    return text


def label_lines(name: str, max_lines: int = 3) -> list[list[str]]:
    """Ways to write `name` on 1 to `max_lines` lines, breaking after hyphens and at spaces.

    For each line count, the split whose longest line is shortest is returned.
    """
    tokens = [token for token in re.split(r"(?<=-)|\s+", name) if token]
    options = [[name]]
    for count in range(2, min(max_lines, len(tokens)) + 1):
        best = None
        for cuts in itertools.combinations(range(1, len(tokens)), count - 1):
            bounds = (0, *cuts, len(tokens))
            lines = [_join(tokens[a:b]) for a, b in zip(bounds, bounds[1:])]
            if best is None or max(map(len, lines)) < max(map(len, best)):
                best = lines
        options.append(best)
    return options


def _largest_part(shape):
    parts = shapely.get_parts(shape)
    if len(parts) == 0:
        return shape
    return parts[int(np.argmax(shapely.area(parts)))]


def label_positions(geometry: LevelGeometry, names: Mapping[str, str], font: int, width: int,
                    height: int) -> pd.DataFrame:
    """Territories whose name fits inside their shape at this size: code, text, lon, lat, size.

    The name is placed at the pole of inaccessibility of the largest part of the shape and may
    wrap on up to three lines. It is kept when at least COVERAGE of its estimated text box lies
    inside that part and the box overlaps no label already placed. Larger territories are
    placed first, at most MAX_LABELS.
    """
    columns = ["code", "text", "lon", "lat", "size"]
    if not len(geometry.codes):
        return pd.DataFrame(columns=columns)
    scale = _pixels_per_metre(geometry, width, height)
    candidates = []
    for code, shape in zip(geometry.codes, geometry.geometries):
        name = names.get(code, "")
        if name and shape is not None and not shape.is_empty:
            part = _largest_part(shape)
            candidates.append((float(shapely.area(part)), code, name, part))
    candidates.sort(key=lambda item: item[0], reverse=True)

    rows, placed = [], []
    for area, code, name, part in candidates:
        west, south, east, north = part.bounds
        anchor = polylabel(part, tolerance=max(east - west, north - south) / 200)
        (anchor_x,), (anchor_y,) = geo.mercator([anchor.x], [anchor.y])
        for lines in label_lines(name):
            half_width = max(map(len, lines)) * font * GLYPH_WIDTH / 2 / scale
            half_height = len(lines) * font * 1.25 / 2 / scale
            (x0, x1), (y0, y1) = geo.inverse_mercator([anchor_x - half_width, anchor_x + half_width],
                                                      [anchor_y - half_height, anchor_y + half_height])
            box = shapely.box(x0, y0, x1, y1)
            inside = shapely.area(shapely.intersection(box, part)) / max(shapely.area(box), 1e-12)
            if inside >= COVERAGE and not any(box.intersects(other) for other in placed):
                placed.append(box)
                rows.append({"code": code, "text": "<br>".join(lines), "lon": anchor.x, "lat": anchor.y,
                             "size": area})
                break
        if len(rows) >= MAX_LABELS:
            break
    return pd.DataFrame(rows, columns=columns)


def _inset_traces(frames: list[dict]) -> list[go.Scattergeo]:
    lons, lats = [], []
    for inset in frames:
        west, south, east, north = inset["frame"]
        lons += [west, east, east, west, west, None]
        lats += [south, south, north, north, south, None]
    outline = go.Scattergeo(lon=lons, lat=lats, mode="lines", line={"color": FRAME_COLOR, "width": 0.6},
                            hoverinfo="skip", showlegend=False)
    names = go.Scattergeo(
        lon=[inset["frame"][2] for inset in frames],
        lat=[(inset["frame"][1] + inset["frame"][3]) / 2 for inset in frames],
        text=[inset["name"] for inset in frames], mode="text", textposition="middle right",
        textfont={"size": 8, "color": "#4a5263"}, hoverinfo="skip", showlegend=False)
    return [outline, names]


def _frames_in_use(geometry: LevelGeometry, frames: list[dict]) -> list[dict]:
    """Return the inset frames that contain at least one of the shapes."""
    return [inset for inset in frames
            if np.any(shapely.intersects(geometry.geometries, shapely.box(*inset["frame"])))]


def map_ranges(geometry: LevelGeometry) -> tuple[list[float], list[float]]:
    """Longitude and latitude ranges of the map: every shape plus a small margin.

    Explicit ranges make plotly fill the geo domain; `fitbounds` keeps a square frame.
    """
    west, south, east, north = shapely.total_bounds(geometry.geometries)
    pad_x, pad_y = (east - west) * RANGE_PADDING, (north - south) * RANGE_PADDING
    return [west - pad_x, east + pad_x], [south - pad_y, north + pad_y]


def _title(state: MapState, indicator, lang: str) -> str:
    level = _level_label(state.level, lang)
    scope = parse_scope(state.scope) if state.scope else None
    if scope is not None:
        territory = store.territory(*scope)
        if territory is not None:
            level = t("export.map_level_in_scope", lang, level=level, scope=territory["name"])
    return t("export.map_title", lang, indicator=indicator.text("label", lang), level=level,
             year=state.year)


def _label_font(level: str, drawn: int) -> int | None:
    if level in LABEL_FONT:
        return LABEL_FONT[level]
    # Smaller territories get names only on a zoomed map (a commune map of one département).
    return SMALL_LABEL_FONT if drawn <= MAX_SMALL_LABELLED else None


def build_map_figure(state: MapState, width: int = 800, height: int = 560) -> go.Figure:
    """Build the vector map of `state`; `width` x `height` (CSS pixels) decide which names fit."""
    lang = state.lang
    indicator = load_catalogue().get(state.indicator)
    classes = map_classes(state)
    # A map zoomed on one département or région keeps the full detail of the browser file.
    source = geometry_source(state.level, state.scope)
    level_shapes = level_geometry(source.name, 0.0 if state.scope else None)
    frame = classes.frame[classes.frame["code"].isin(set(level_shapes.codes))]
    geometry = level_shapes.subset(frame["code"])
    line_width = LINE_WIDTH.get(state.level, 0.3)
    if len(frame) < len(classes.frame):
        log.warning("export map %s %s: %d territories have no shape", state.indicator, state.level,
                    len(classes.frame) - len(frame))

    fig = go.Figure()
    fill_of: dict[str, str] = {}
    for number, entry in enumerate(classes.entries):
        codes = frame.loc[frame["class"] == number, "code"].tolist()
        if not codes:
            continue
        fill_of.update(dict.fromkeys(codes, entry["color"]))
        name = t("export.map_legend_count", lang, label=entry["label"],
                 count=format_number(entry["count"], 0, lang))
        fig.add_trace(_choropleth(geometry, codes, entry["color"], name, line_width, number))

    unclassed = frame[frame["class"] < 0]
    pixels_per_metre = _pixels_per_metre(geometry, width, height)
    hatches = []
    for rank, entry in enumerate(classes.statuses):
        codes = unclassed.loc[unclassed["status"] == entry["status"], "code"].tolist()
        if not codes:
            continue
        name = t("export.map_legend_count", lang, label=entry["label"],
                 count=format_number(entry["count"], 0, lang))
        status_trace = _choropleth(geometry, codes, entry["fill"], name, line_width, 100 + rank)
        status_trace.showlegend = False
        fig.add_trace(status_trace)
        fig.add_trace(legend_swatch(name, entry, 100 + rank))
        hatches.append(hatch_trace(geometry.subset(codes).geometries, entry["pattern"], entry["line"],
                                   pixels_per_metre))
    for hatch in hatches:
        if hatch is not None:
            fig.add_trace(hatch)

    for trace in _inset_traces(_frames_in_use(geometry, inset_frames())):
        fig.add_trace(trace)

    font = _label_font(state.level, len(frame))
    if font:
        names = dict(zip(frame["code"], frame["name"]))
        labels = label_positions(geometry, names, font, width, height)
        if len(labels):
            text_colors = ["#ffffff" if _relative_luminance(fill_of.get(code, "#ffffff")) < 0.25
                           else "#1d2330" for code in labels["code"]]
            fig.add_trace(go.Scattergeo(
                lon=labels["lon"], lat=labels["lat"], text=labels["text"], mode="text",
                textfont={"size": font, "color": text_colors, "family": FONT_FAMILY},
                hoverinfo="skip", showlegend=False))

    subtitle = indicator.unit_label(lang)
    if state.code and state.code in set(geometry.codes):
        selected = frame.loc[frame["code"] == state.code, "name"]
        fig.add_trace(go.Choropleth(
            geojson=geometry.url, locations=[state.code], z=[0],
            colorscale=_constant_colorscale("rgba(0,0,0,0)"), showscale=False, hoverinfo="skip",
            showlegend=False, marker={"line": {"color": HIGHLIGHT_COLOR, "width": 2.2}}))
        subtitle = t("export.map_subtitle_selected", lang, unit=subtitle,
                     name=selected.iloc[0] if len(selected) else state.code)

    lon_range, lat_range = map_ranges(geometry)
    fig.update_layout(
        title={"text": _title(state, indicator, lang), "x": 0.01, "xanchor": "left", "y": 0.985,
               "yanchor": "top", "font": {"size": 16},
               "subtitle": {"text": subtitle, "font": {"size": 11, "color": "#4a5263"}}},
        font={"family": FONT_FAMILY, "size": 11, "color": "#1d2330"},
        separators=separators(lang), paper_bgcolor="#ffffff", margin=MARGIN,
        legend={"x": LEGEND_X, "xanchor": "left", "y": 0.97, "yanchor": "top",
                "title": {"text": classes.legend_title, "font": {"size": 11}},
                "font": {"size": 10}, "itemclick": False, "traceorder": "normal",
                "bgcolor": "rgba(255,255,255,0)"},
        geo={"domain": {"x": list(GEO_DOMAIN_X), "y": [0, 1]}, "visible": False,
             "lonaxis": {"range": lon_range}, "lataxis": {"range": lat_range},
             "projection": {"type": "mercator"}, "bgcolor": "#ffffff"},
        # The empty bars that carry the hatched legend symbols need axes: hidden ones.
        xaxis={"visible": False}, yaxis={"visible": False}, plot_bgcolor="rgba(0,0,0,0)",
    )
    if not any(entry["count"] for entry in classes.entries):
        fig.add_annotation(text=t("export.map_no_value", lang), xref="paper", yref="paper", x=0.35,
                           y=0.5, showarrow=False, font={"size": 13})
    add_source_note(fig, indicator.text("source", lang), state.year, lang)
    # add_source_note places the note for chart margins; a map puts it just under the frame.
    fig.layout.annotations[-1].update(yshift=-12)
    return fig


def _state(params: Mapping[str, str]) -> MapState:
    state = parse_state(params)
    if state is None:
        raise LookupError("no indicator has map values; build the data first")
    return state


def map_figures(params: Mapping[str, str], lang: str | None = None, size=None) -> list[go.Figure]:
    """Build the Carte view as one figure (registry contract), laid out for `size` when given.

    The language comes from the query string, like on the page.
    """
    state = _state(params)
    width, height = (size.width, size.height) if size is not None else (800, 560)
    return [build_map_figure(state, width, height)]


def map_table(params: Mapping[str, str]) -> tuple[pd.DataFrame, list[dict]]:
    """Return the values behind the map, one row per territory, with class and status labels."""
    state = _state(params)
    lang = state.lang
    indicator = load_catalogue().get(state.indicator)
    classes = map_classes(state)
    frame = classes.frame
    table = pd.DataFrame({
        "level": state.level,
        "code": frame["code"],
        "name": frame["name"],
        "year": state.year,
        # Three decimals more than the atlas shows: enough to recompute, without float noise.
        "value": pd.to_numeric(frame["value"], errors="coerce").where(frame["status"] == "ok")
                   .round(indicator.decimals + 3),
        "status": frame["status"],
        "status_label": [t(f"common.status_{status}", lang) for status in frame["status"]],
        "class": [int(c) + 1 if c >= 0 else None for c in frame["class"]],
        "class_label": frame["class_label"],
    })
    if indicator.is_categorical:
        table.insert(5, "category", frame["category"])
    metadata = [{
        "indicator": indicator.id,
        "label": indicator.text("label", lang),
        "unit": indicator.unit_label(lang),
        "definition": indicator.text("definition", lang),
        "source": indicator.text("source", lang),
        "year": state.year,
        "level": t(f"common.level_{state.level}", lang),
        "scope": state.scope or "",
        "classification": "" if indicator.is_categorical else classes.legend_title,
        "classes": "; ".join(f"{entry['label']} ({entry['count']})" for entry in classes.entries),
        "notes": indicator.text("notes", lang),
    }]
    return table, metadata
