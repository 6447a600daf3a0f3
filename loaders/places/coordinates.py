"""Parse point coordinates from every format the place sources use.

Formats met in the sources:
- text "[lat, lon]" (Deps workbooks; latitude first) and "lat, lon" without brackets (Muséofile,
  festivals, CNC `geolocalisation`);
- separate latitude and longitude columns, with a decimal point or a decimal comma;
- GeoJSON Point geometries, `[lon, lat]` (RFC 7946 order).

Every parser returns `(lon, lat, problem)`: floats in WGS84 degrees and None, or NaN, NaN and a
short problem id (`empty`, `unparsable`, `out_of_range`, `null_island`) that the quality
report counts.
"""

from __future__ import annotations

import math
import re

import pandas as pd

NAN = float("nan")
# Two signed numbers with a decimal point, in optional square brackets, separated by a comma
# and a space, or by a semicolon. A bare comma only separates numbers that both have a decimal
# point ("[41.93,8.74]"): "45,93" is one number with a decimal comma, not the pair (45, 93).
_PAIR = re.compile(r"^\s*\[?\s*(-?\d+(?:\.\d+)?)\s*(?:,\s+|;\s*)(-?\d+(?:\.\d+)?)\s*\]?\s*$")
_TIGHT_PAIR = re.compile(r"^\s*\[?\s*(-?\d+\.\d+),(-?\d+\.\d+)\s*\]?\s*$")


def _checked(lon: float, lat: float) -> tuple[float, float, str | None]:
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return NAN, NAN, "unparsable"
    if abs(lat) > 90 or abs(lon) > 180:
        return NAN, NAN, "out_of_range"
    if lon == 0 and lat == 0:
        return NAN, NAN, "null_island"
    return lon, lat, None


def _is_empty(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def parse_latlon_text(value) -> tuple[float, float, str | None]:
    """Parse "[lat, lon]" or "lat, lon" text (latitude first)."""
    if _is_empty(value):
        return NAN, NAN, "empty"
    match = _PAIR.match(str(value)) or _TIGHT_PAIR.match(str(value))
    if not match:
        return NAN, NAN, "unparsable"
    lat, lon = float(match.group(1)), float(match.group(2))
    return _checked(lon, lat)


def parse_number(value) -> float:
    """Parse one coordinate from a number or text with a decimal point or comma."""
    if _is_empty(value):
        return NAN
    if isinstance(value, (int, float)):
        return float(value)
    cleaned = str(value).strip().replace("\xa0", "").replace(" ", "").replace(",", ".")
    try:
        return float(cleaned)
    except ValueError:
        return NAN


def parse_pair(lat_value, lon_value) -> tuple[float, float, str | None]:
    """Parse separate latitude and longitude cells."""
    if _is_empty(lat_value) and _is_empty(lon_value):
        return NAN, NAN, "empty"
    lat, lon = parse_number(lat_value), parse_number(lon_value)
    if math.isnan(lat) or math.isnan(lon):
        return NAN, NAN, "unparsable"
    return _checked(lon, lat)


def parse_geojson_point(geometry) -> tuple[float, float, str | None]:
    """Parse a GeoJSON Point geometry (a dict with `coordinates` [lon, lat])."""
    if not geometry:
        return NAN, NAN, "empty"
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        return NAN, NAN, "unparsable"
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, (list, tuple)) or len(coordinates) < 2:
        return NAN, NAN, "unparsable"
    try:
        lon, lat = float(coordinates[0]), float(coordinates[1])
    except (TypeError, ValueError):
        return NAN, NAN, "unparsable"
    return _checked(lon, lat)


def _frame(results) -> pd.DataFrame:
    frame = pd.DataFrame(list(results), columns=["source_lon", "source_lat", "coordinate_problem"])
    frame["source_lon"] = frame["source_lon"].astype("float64")
    frame["source_lat"] = frame["source_lat"].astype("float64")
    frame["coordinate_problem"] = frame["coordinate_problem"].astype("object")
    return frame


def latlon_text_column(values: pd.Series) -> pd.DataFrame:
    """Parse a column of "[lat, lon]" text into `source_lon`, `source_lat`, `coordinate_problem`."""
    out = _frame(parse_latlon_text(v) for v in values)
    out.index = values.index
    return out


def pair_columns(lats: pd.Series, lons: pd.Series) -> pd.DataFrame:
    """Parse separate latitude and longitude columns into the same three columns."""
    out = _frame(parse_pair(a, o) for a, o in zip(lats, lons))
    out.index = lats.index
    return out
