"""Small multiples of a comparison: one indicator mapped around each selected territory.

Each map shows the selected territory and its neighbours of the same level (the territories
whose bounding box meets the selected one's, widened by a margin). Maps of the same level share
one classification (`atlas.classify`, the catalogue's method and palette) so that a colour means
the same on each of them. Figures are plotly `Choroplethmap` traces on the `white-bg` style:
no tiles and no request outside the app.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd
import shapely

from atlas import classify, store
from atlas.charts import FONT_FAMILY, separators
from atlas.compare_text import value_text
from atlas.geo import geometry_path, read_geometry
from atlas.i18n import t

log = logging.getLogger(__name__)

# Margin around the selected territory, as a share of its largest side. It is at least
# MIN_MARGIN degrees, so that a small commune still shows the communes around it.
MARGIN_SHARE = 0.6
MIN_MARGIN = 0.04
MAX_NEIGHBOURS = 150
MAP_WIDTH = 290  # CSS pixels the zoom is computed for: the narrowest map of the grid (assets/comparer.css)
MAP_HEIGHT = 320
OUTLINE_COLOR = "#111111"
BORDER_COLOR = "#b9bec8"  # grey, so that a white "sans objet" territory keeps its outline


@dataclass(frozen=True)
class LegendEntry:
    color: str
    label: str


@dataclass
class MapPanel:
    """One small map: the selected territory (`key`, `name`) among its neighbours."""

    key: str
    name: str
    level: str
    figure: dict  # a plotly figure as a dict


@dataclass
class LevelLegend:
    """The classes shared by the maps of one level."""

    level: str
    method: str
    classes: list[LegendEntry] = field(default_factory=list)
    statuses: list[LegendEntry] = field(default_factory=list)


@dataclass
class SmallMultiples:
    indicator_id: str
    year: int | None
    panels: list[MapPanel] = field(default_factory=list)
    legends: list[LevelLegend] = field(default_factory=list)
    unavailable: list[str] = field(default_factory=list)  # levels without values


def geometry_available(level: str) -> bool:
    return geometry_path(level).exists()


@lru_cache(maxsize=4)
def _level_geometry(level: str, stamp: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the codes, shapely geometries and bounds (minx, miny, maxx, maxy) of every territory of `level`."""
    frame = read_geometry(level)
    codes = frame["code"].astype(str).to_numpy()
    geometries = np.asarray(frame.geometry.values, dtype=object)
    return codes, geometries, shapely.bounds(geometries)


def view_box(bounds: np.ndarray, position: int) -> tuple[float, float, float, float]:
    """Return the area a map shows around the territory at `position`: its bounding box widened
    by `MARGIN_SHARE` of its largest side, at least `MIN_MARGIN` degrees."""
    own = bounds[position]
    size = max(own[2] - own[0], own[3] - own[1])
    margin = max(size * MARGIN_SHARE, MIN_MARGIN)
    return (float(own[0] - margin), float(own[1] - margin), float(own[2] + margin), float(own[3] + margin))


def neighbours(codes: np.ndarray, bounds: np.ndarray, code: str,
               limit: int = MAX_NEIGHBOURS) -> list[int]:
    """Return the positions of `code` and of the territories around it, nearest first.

    A territory is around when its bounding box meets the `view_box` of `code`. At most `limit`
    positions are kept, by distance between box centres. [] when `code` is unknown.
    """
    matches = np.flatnonzero(codes == code)
    if matches.size == 0:
        return []
    own = bounds[matches[0]]
    box = view_box(bounds, int(matches[0]))
    near = np.flatnonzero((bounds[:, 2] >= box[0]) & (bounds[:, 0] <= box[2])
                          & (bounds[:, 3] >= box[1]) & (bounds[:, 1] <= box[3]))
    centre = ((own[0] + own[2]) / 2, (own[1] + own[3]) / 2)
    centres_x = (bounds[near, 0] + bounds[near, 2]) / 2
    centres_y = (bounds[near, 1] + bounds[near, 3]) / 2
    distance = np.hypot(centres_x - centre[0], centres_y - centre[1])
    ordered = near[np.argsort(distance, kind="stable")]
    ordered = [int(matches[0])] + [int(i) for i in ordered if i != matches[0]]
    return ordered[:limit]


def zoom_for(bounds: tuple[float, float, float, float], width: int = MAP_WIDTH,
             height: int = MAP_HEIGHT) -> tuple[dict, float]:
    """Return the centre and the Web Mercator zoom that fit `bounds` (lon/lat) in the map."""
    west, south, east, north = bounds

    def mercator_y(lat: float) -> float:
        lat = max(min(lat, 85.0), -85.0)
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    span_x = max(east - west, 1e-6) / 360.0
    span_y = max(mercator_y(north) - mercator_y(south), 1e-6) / (2 * math.pi)
    zoom = min(math.log2(width / 256 / span_x), math.log2(height / 256 / span_y)) - 0.15
    centre_lat = math.degrees(math.atan(math.sinh((mercator_y(north) + mercator_y(south)) / 2)))
    return {"lon": (west + east) / 2, "lat": centre_lat}, max(min(zoom, 14.0), 0.0)


def _feature_collection(codes, geometries, names) -> dict:
    features = []
    for code, geometry, name in zip(codes, geometries, names):
        features.append({"type": "Feature", "id": str(code), "properties": {"code": str(code), "name": name},
                         "geometry": shapely.geometry.mapping(geometry)})
    return {"type": "FeatureCollection", "features": features}


def _outline(geometry) -> tuple[list, list]:
    """Return the longitudes and latitudes of the exterior rings, rings separated by None."""
    lons, lats = [], []
    for polygon in getattr(geometry, "geoms", [geometry]):
        xs, ys = polygon.exterior.coords.xy
        lons.extend(list(xs) + [None])
        lats.extend(list(ys) + [None])
    return lons, lats


def _status_colors() -> dict[str, str]:
    return {status: style["fill"] for status, style in classify.STATUS_STYLES.items()}


def small_multiples(comparison) -> SmallMultiples:
    """Build one map per selected territory for `comparison.params.map_indicator`.

    The year is the one of the indicator's row in the comparison table. Levels whose geometry
    is not built are skipped with a warning in the log.
    """
    params = comparison.params
    lang = params.lang
    indicator_id = params.map_indicator
    row = next((r for r in comparison.rows if r.indicator.id == indicator_id), None)
    result = SmallMultiples(indicator_id or "", row.year if row else None)
    if row is None or row.year is None:
        return result
    indicator = row.indicator
    stamp = store.build_stamp()

    # Neighbourhoods first, grouped by level, so that each level is classified once.
    by_level: dict[str, list[tuple[object, list[int]]]] = {}
    for column in comparison.selected_columns:
        if not geometry_available(column.level):
            log.warning("compare maps: geometry of level %s not built, map of %s skipped",
                        column.level, column.key)
            continue
        codes, _, bounds = _level_geometry(column.level, stamp)
        positions = neighbours(codes, bounds, column.code)
        if positions:
            by_level.setdefault(column.level, []).append((column, positions))

    method = indicator.classification.get("method", "quantiles")
    k = int(indicator.classification.get("k", 5))
    if method == "manual":
        method = "quantiles"
    palette_kind = indicator.palette.get("type", "sequential")
    scheme = indicator.palette.get("scheme")
    status_colors = _status_colors()

    for level, items in by_level.items():
        codes, geometries, bounds = _level_geometry(level, stamp)
        values = store.indicator_values(indicator.id, level, row.year).set_index("code")
        if not (values["status"] == "ok").any():
            result.unavailable.append(level)
        mapped_positions = sorted({position for _, positions in items for position in positions})
        shown_codes = codes[mapped_positions]
        shown_values = pd.to_numeric(values["value"].reindex(shown_codes), errors="coerce")
        shown_status = values["status"].reindex(shown_codes).fillna("missing").astype(str)
        shown_values = shown_values.where(shown_status == "ok")
        classification = classify.classify(shown_values.to_numpy(dtype="float64", copy=True), method, k)
        colors = classify.class_colors(classification, scheme, palette_kind)
        labels = classification.labels(lang, indicator.decimals)
        class_of = dict(zip(shown_codes, classification.classes))
        value_of = dict(zip(shown_codes, shown_values))
        status_of = dict(zip(shown_codes, shown_status))
        name_of = values["name"].reindex(shown_codes).fillna("").astype(str).to_dict()

        legend = LevelLegend(level, classify.method_label(method, lang),
                             [LegendEntry(color, label) for color, label in zip(colors, labels)])
        present = {status_of[code] for code in shown_codes} - {"ok"}
        legend.statuses = [LegendEntry(status_colors[status], t(f"common.status_{status}", lang))
                           for status in classify.STATUS_STYLES if status in present]
        result.legends.append(legend)

        for column, positions in items:
            panel_codes = codes[positions]
            figure = _map_figure(
                column, indicator, lang, panel_codes, geometries[positions], bounds[positions],
                [name_of.get(code, code) for code in panel_codes],
                [int(class_of[code]) for code in panel_codes],
                [value_text(indicator, value_of[code], status_of[code], None, lang) for code in panel_codes],
                [status_of[code] for code in panel_codes], colors, status_colors)
            result.panels.append(MapPanel(column.key, column.name, level, figure))
    return result


def prepare_for_map(geometries, box: tuple[float, float, float, float], width: int = MAP_WIDTH):
    """Return `geometries` cut to a little more than `box`, simplified to about one pixel of a
    map of `box` drawn `width` pixels wide, with coordinates rounded to the digits that pixel
    needs. A territory much larger than the view (an AAV's rural remainder, a région around a
    commune) then costs no more than what is seen."""
    pad = 0.1 * max(box[2] - box[0], box[3] - box[1])
    clipped = shapely.clip_by_rect(np.asarray(geometries, dtype=object),
                                   box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad)
    pixel = max(box[2] - box[0], box[3] - box[1], 1e-6) / width
    simplified = shapely.simplify(clipped, pixel, preserve_topology=True)
    digits = min(max(math.ceil(-math.log10(pixel)) + 1, 3), 6)
    return shapely.transform(simplified, lambda coordinates: np.round(coordinates, digits))


def _map_figure(column, indicator, lang, codes, geometries, bounds, names, classes, texts,
                statuses, colors, status_colors) -> dict:
    """Draw one map: territories coloured by class, statuses in greys, the selected one outlined.

    Returns a plain figure dict: `go.Figure` would deep-copy the GeoJSON, which costs more than
    building the map.
    """
    box = view_box(bounds, 0)  # the first position is the selected territory
    simplified = prepare_for_map(geometries, box)
    geojson = _feature_collection(list(codes), simplified, names)
    hover = [t("comparer.map_hover", lang, name=name, code=code, value=text)
             for name, code, text in zip(names, codes, texts)]

    # Each feature gets its own colour: z is the position in a list of colours made of the
    # class colours followed by the status colours.
    palette = list(colors) + [status_colors[status] for status in classify.STATUS_STYLES]
    status_position = {status: len(colors) + i for i, status in enumerate(classify.STATUS_STYLES)}
    z = [cls if cls >= 0 else status_position.get(status, status_position["missing"])
         for cls, status in zip(classes, statuses)]
    # Each colour owns an equal slice of the scale; z = i falls in the middle of slice i.
    count = len(palette)
    colorscale = []
    for i, color in enumerate(palette):
        colorscale += [[i / count, color], [(i + 1) / count, color]]

    lons, lats = _outline(simplified[0])
    centre, zoom = zoom_for(box)
    return {
        "data": [
            {"type": "choroplethmap", "geojson": geojson, "locations": [str(code) for code in codes],
             "featureidkey": "properties.code", "z": z, "zmin": -0.5, "zmax": count - 0.5,
             "colorscale": colorscale, "showscale": False,
             "marker": {"line": {"color": BORDER_COLOR, "width": 0.6}, "opacity": 1},
             "hovertext": hover, "hoverinfo": "text"},
            {"type": "scattermap", "lon": lons, "lat": lats, "mode": "lines", "hoverinfo": "skip",
             "line": {"color": OUTLINE_COLOR, "width": 2.5}, "showlegend": False},
        ],
        "layout": {
            "map": {"style": "white-bg", "center": centre, "zoom": zoom},
            "margin": {"l": 0, "r": 0, "t": 0, "b": 0}, "height": MAP_HEIGHT,
            "separators": separators(lang), "font": {"family": FONT_FAMILY}, "paper_bgcolor": "#ffffff",
        },
    }
