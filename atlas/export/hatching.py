"""Status hatches for exported maps, drawn as vector lines like the screen map's patterns.

Plotly choropleths fill a shape with one colour and cannot draw a pattern. Territories whose
value is not `ok` therefore get their status fill colour (`atlas.classify.STATUS_STYLES`) and,
on top, the hatch of their status as clipped line segments. The hatch is diagonal, cross,
horizontal or dots, one line every `SPACING_PX` CSS pixels like the browser map. Lines are laid out in Web Mercator
metres, the projection of the exported map, so they stay evenly spaced on the page.

The legend cannot show a hatch for a choropleth trace either. `legend_swatch` returns an empty
bar trace whose legend symbol is the matching plotly bar pattern.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import plotly.graph_objects as go
import shapely

from atlas import geo

log = logging.getLogger(__name__)

SPACING_PX = 8.0
LINE_WIDTH = 0.6
# Plotly bar pattern shapes that look like each hatch, for the legend symbols.
LEGEND_SHAPES = {"diagonal": "/", "cross": "x", "horizontal": "-", "dots": "."}


def _to_mercator(geometry):
    def project(coords: np.ndarray) -> np.ndarray:
        x, y = geo.mercator(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geometry, project)


def _union(geometries) -> shapely.Geometry:
    try:
        return shapely.coverage_union_all(geometries)
    except shapely.errors.GEOSException:
        # Shapes that overlap a little (not a clean coverage) need the general union.
        return shapely.union_all(geometries)


def _parallel_lines(bounds, spacing: float, slope: int) -> list[shapely.LineString]:
    """Lines y = slope * x + c (slope 1, -1 or 0) covering `bounds`, `spacing` metres apart."""
    minx, miny, maxx, maxy = bounds
    if slope == 0:
        return [shapely.LineString([(minx, y), (maxx, y)]) for y in np.arange(miny + spacing / 2, maxy, spacing)]
    step = spacing * math.sqrt(2)  # distance between the lines measured along the y axis
    if slope > 0:
        low, high = miny - maxx, maxy - minx
    else:
        low, high = miny + minx, maxy + maxx
    return [shapely.LineString([(minx, slope * minx + c), (maxx, slope * maxx + c)])
            for c in np.arange(low + step / 2, high, step)]


def _lonlat_path(lines) -> tuple[list, list]:
    """Coordinates of every line part in lon/lat, parts separated by None (a plotly gap)."""
    lons: list = []
    lats: list = []
    for part in shapely.get_parts(lines):
        if part.is_empty or part.geom_type != "LineString":
            continue
        coords = np.asarray(part.coords)
        lon, lat = geo.inverse_mercator(coords[:, 0], coords[:, 1])
        lons += [*lon.round(5).tolist(), None]
        lats += [*lat.round(5).tolist(), None]
    return lons, lats


def hatch_trace(geometries, pattern: str, color: str, pixels_per_metre: float) -> go.Scattergeo | None:
    """Draw the hatch of `pattern` over the union of `geometries` (lon/lat); None when empty."""
    if len(geometries) == 0 or pattern not in LEGEND_SHAPES:
        return None
    area = _to_mercator(_union(geometries))
    if area.is_empty:
        return None
    spacing = SPACING_PX / pixels_per_metre
    if pattern == "dots":
        minx, miny, maxx, maxy = area.bounds
        xs, ys = np.meshgrid(np.arange(minx + spacing / 2, maxx, spacing),
                             np.arange(miny + spacing / 2, maxy, spacing))
        inside = shapely.contains_xy(area, xs.ravel(), ys.ravel())
        lon, lat = geo.inverse_mercator(xs.ravel()[inside], ys.ravel()[inside])
        return go.Scattergeo(lon=lon.round(5), lat=lat.round(5), mode="markers",
                             marker={"size": 1.6, "color": color}, hoverinfo="skip", showlegend=False)

    slopes = {"diagonal": (1,), "cross": (1, -1), "horizontal": (0,)}[pattern]
    lines = [line for slope in slopes for line in _parallel_lines(area.bounds, spacing, slope)]
    clipped = shapely.intersection(shapely.MultiLineString(lines), area)
    lons, lats = _lonlat_path(clipped)
    if not lons:
        return None
    return go.Scattergeo(lon=lons, lat=lats, mode="lines", line={"color": color, "width": LINE_WIDTH},
                         hoverinfo="skip", showlegend=False)


def legend_swatch(name: str, style: dict, rank: int) -> go.Bar:
    """Return an empty bar whose legend symbol shows the status fill and hatch."""
    return go.Bar(
        x=[None], y=[None], name=name, showlegend=True, legendrank=rank, hoverinfo="skip",
        marker={"color": style["fill"], "line": {"color": style["line"], "width": 0.5},
                "pattern": {"shape": LEGEND_SHAPES.get(style["pattern"], ""), "fgcolor": style["line"],
                            "size": 5, "solidity": 0.25}},
    )
