"""State of the map page (indicator, level, year, classes, selection, layers, view) and its URL.

`parse_state` reads the query string into a valid `MapState`: each invalid parameter falls back
to its default, is listed in `invalid` (the page shows a message) and is logged once by
`atlas.urlstate.StateParser`. `state_query` writes a state back as query parameters, leaving
defaults out so that shared links stay short.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from atlas import config, store
from atlas.catalogue import Indicator, load_catalogue
from atlas.classify import (
    DIVERGING_SCHEMES, MAX_CLASSES, METHODS, MIN_CLASSES, SEQUENTIAL_SCHEMES, ClassificationError,
    check_manual_breaks,
)
from atlas.places import DOMAIN_IDS, TYPE_IDS
from atlas.urlstate import StateParser

log = logging.getLogger(__name__)

PAGE = "carte"
DEFAULT_LEVEL = "departement"
# The default indicator is the first catalogue entry matching the most preferences in order:
# public cultural spending, per inhabitant, at département level.
DEFAULT_THEME = "depenses_publiques"
DEFAULT_UNIT = "euros_par_habitant"
# Levels a commune map can be restricted to.
SCOPE_LEVELS = ("region", "departement")
# Latitude, longitude and zoom limits of a view in the URL (display coordinates include the
# overseas insets west of Brittany).
VIEW_LIMITS = ((-90.0, 90.0), (-180.0, 180.0), (3.0, 18.0))
MAX_PLACE_FILTERS = 20


@dataclass(frozen=True)
class MapState:
    """Everything a map view shows; built by `parse_state`, written to the URL by `state_query`."""

    indicator: str
    level: str
    year: int | None
    method: str
    k: int
    breaks: tuple[float, ...] = ()
    palette: str | None = None
    code: str | None = None
    scope: str | None = None  # "departement:34" or "region:76", commune level only
    places: tuple[str, ...] = ()  # place domain or type ids shown on top of the map
    view: tuple[float, float, float] | None = None  # lat, lon, zoom
    lang: str = "fr"
    invalid: tuple[str, ...] = field(default=(), compare=False)


@lru_cache(maxsize=1)
def _years_by_level(stamp: str) -> dict[tuple[str, str], tuple[int, ...]]:
    """Years with values of every (indicator, level), read once per build (`stamp`)."""
    values = store.values()
    pairs = values[["indicator", "level", "year"]].drop_duplicates()
    years: dict[tuple[str, str], list[int]] = {}
    for indicator_id, level, year in pairs.itertuples(index=False, name=None):
        years.setdefault((str(indicator_id), str(level)), []).append(int(year))
    return {key: tuple(sorted(found)) for key, found in years.items()}


def indicator_years(indicator_id: str, level: str) -> list[int]:
    """Years with values of an indicator at a level, ascending (cached per build)."""
    if not store.is_built():
        return []
    return list(_years_by_level(store.build_stamp()).get((indicator_id, level), ()))


def map_levels(indicator: Indicator) -> list[str]:
    """Mappable levels of an indicator: in the catalogue and with values in the store."""
    if not store.is_built():
        return [level for level in config.MAP_LEVELS if level in indicator.levels]
    return [level for level in config.MAP_LEVELS
            if level in indicator.levels and indicator_years(indicator.id, level)]


def map_indicators() -> list[Indicator]:
    """Visible catalogue indicators that have values at one mappable level at least."""
    return [indicator for indicator in load_catalogue().visible() if map_levels(indicator)]


def default_indicator(indicators: list[Indicator]) -> Indicator | None:
    """Return the indicator shown first: the best match of theme, unit and level preferences.

    Preferences are scored so that no indicator id is written in code, and ties keep the
    catalogue order.
    """
    if not indicators:
        return None

    def score(indicator: Indicator) -> tuple[int, int, int, int]:
        return (indicator.theme == DEFAULT_THEME, indicator.unit == DEFAULT_UNIT,
                DEFAULT_LEVEL in indicator.levels, not indicator.is_categorical)

    return max(indicators, key=score)


def default_classification(indicator: Indicator) -> tuple[str, int]:
    method = indicator.classification.get("method", "quantiles")
    k = int(indicator.classification.get("k", 5))
    if method not in METHODS or method == "manual":
        method = "quantiles"
    return method, min(max(k, MIN_CLASSES), MAX_CLASSES)


def palette_choices(indicator: Indicator) -> tuple[str, ...]:
    """Colour-blind-safe ColorBrewer schemes offered for the indicator's palette type."""
    if indicator.is_categorical:
        return ()
    return DIVERGING_SCHEMES if indicator.palette.get("type") == "diverging" else SEQUENTIAL_SCHEMES


def default_palette(indicator: Indicator) -> str | None:
    choices = palette_choices(indicator)
    scheme = indicator.palette.get("scheme")
    if not choices:
        return None
    return scheme if scheme in choices else choices[0]


def parse_scope(value: str | None) -> tuple[str, str] | None:
    """Split `departement:34` into ("departement", "34") when the territory exists."""
    if not value or ":" not in value:
        return None
    level, code = value.split(":", 1)
    if level not in SCOPE_LEVELS or not code.isalnum() or len(code) > 3:
        return None
    if store.territory(level, code) is None:
        return None
    return level, code


def _parse_view(parser: StateParser) -> tuple[float, float, float] | None:
    raw = parser.params.get("view")
    if not raw:
        return None
    numbers = parser.floats("view")
    if len(numbers) != 3 or not all(math.isfinite(n) for n in numbers) or not all(
            low <= n <= high for n, (low, high) in zip(numbers, VIEW_LIMITS)):
        if "view" not in parser.invalid:
            parser.invalid.append("view")
        return None
    return numbers[0], numbers[1], numbers[2]


def _parse_places(parser: StateParser) -> tuple[str, ...]:
    raw = parser.params.get("places")
    if not raw:
        return ()
    items = [item for item in raw.split(",") if item][:MAX_PLACE_FILTERS]
    valid = set(DOMAIN_IDS) | set(TYPE_IDS)
    kept = tuple(dict.fromkeys(item for item in items if item in valid))
    if len(kept) != len(items) or len(raw) > 400:
        parser.invalid.append("places")
    return kept


def _parse_breaks(parser: StateParser, method: str) -> tuple[str, tuple[float, ...]]:
    """Manual breaks; an invalid or absent list makes the method fall back to quantiles."""
    if method != "manual":
        return method, ()
    numbers = parser.floats("breaks")
    try:
        return method, tuple(check_manual_breaks(numbers))
    except ClassificationError:
        if "breaks" not in parser.invalid:
            parser.invalid.append("breaks")
        return "quantiles", ()


class _QuietParser(StateParser):
    """A StateParser that collects invalid parameters without logging each one, so that a
    bad link makes one log line (written by `parse_state`)."""

    def _reject(self, name: str, value: str) -> None:
        self.invalid.append(name)


def parse_state(params: Mapping[str, object] | None) -> MapState | None:
    """Read the query parameters into a valid MapState; None when no indicator has values.

    Invalid parameters fall back to their defaults and are logged on one line.
    """
    parser = _QuietParser(params, PAGE)
    state = _parse_state(parser)
    if parser.invalid:
        shown = {name: str(parser.params.get(name, ""))[:40] for name in dict.fromkeys(parser.invalid)}
        log.warning("page %s: invalid URL parameters %s, defaults used", PAGE, shown)
    return state


def _parse_state(parser: StateParser) -> MapState | None:
    indicators = {indicator.id: indicator for indicator in map_indicators()}
    chosen = default_indicator(list(indicators.values()))
    if chosen is None:
        return None
    indicator = indicators[parser.choice("indicator", list(indicators), chosen.id)]

    levels = map_levels(indicator)
    level = parser.choice("level", levels, DEFAULT_LEVEL if DEFAULT_LEVEL in levels else levels[0])
    years = indicator_years(indicator.id, level)
    year = parser.integer("year", years[-1] if years else None, allowed=years)

    method, k = default_classification(indicator)
    if not indicator.is_categorical:
        method = parser.choice("method", METHODS, method)
        k = parser.integer("k", k, minimum=MIN_CLASSES, maximum=MAX_CLASSES)
        method, breaks = _parse_breaks(parser, method)
        palette = parser.choice("palette", palette_choices(indicator), default_palette(indicator))
    else:
        breaks, palette = (), None

    code = parser.code("code", None, exists=lambda value: store.territory(level, value) is not None)
    scope = None
    if parser.params.get("scope"):
        if level == "commune" and parse_scope(parser.params["scope"]) is not None:
            scope = parser.params["scope"]
        else:
            parser.invalid.append("scope")
    if code and scope and not code_in_scope(code, scope):
        code = None

    return MapState(indicator=indicator.id, level=level, year=year, method=method, k=k,
                    breaks=breaks, palette=palette, code=code, scope=scope,
                    places=_parse_places(parser), view=_parse_view(parser), lang=parser.lang,
                    invalid=tuple(dict.fromkeys(parser.invalid)))


def code_in_scope(code: str, scope: str | None) -> bool:
    """True when commune `code` lies in the scope (always true without a scope)."""
    parsed = parse_scope(scope)
    if parsed is None:
        return True
    row = store.territory("commune", code)
    return row is not None and row.get(parsed[0]) == parsed[1]


def state_query(state: MapState) -> dict[str, object]:
    """Query parameters of a state; values equal to the defaults are left out."""
    indicator = load_catalogue().get(state.indicator)
    method, k = default_classification(indicator)
    params: dict[str, object] = {"indicator": state.indicator, "level": state.level}
    years = indicator_years(state.indicator, state.level)
    if state.year is not None and (not years or state.year != years[-1]):
        params["year"] = state.year
    if state.method != method:
        params["method"] = state.method
    if state.k != k and state.method != "manual":
        params["k"] = state.k
    if state.method == "manual":
        params["breaks"] = [format_break(b) for b in state.breaks]
    if state.palette and state.palette != default_palette(indicator):
        params["palette"] = state.palette
    params.update({"code": state.code, "scope": state.scope, "places": list(state.places),
                   "lang": state.lang})
    if state.view:
        params["view"] = f"{state.view[0]:.4f},{state.view[1]:.4f},{state.view[2]:g}"
    return params


def format_break(value: float) -> str:
    """Format a break for a URL: no trailing zeros, no exponent for usual magnitudes."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


class BreaksInputError(ValueError):
    """Manual breaks typed by the user that cannot be used; `reason` is a message key."""

    def __init__(self, reason: str, **params):
        super().__init__(reason)
        self.reason = reason
        self.params = params


def parse_breaks_text(text: str | None) -> tuple[float, ...]:
    """Read breaks typed as "10 ; 20,5 ; 50" (French comma or English point decimals).

    Semicolons, spaces or line breaks separate values; a comma is a decimal comma when it sits
    between digits, otherwise a separator. Raises BreaksInputError with a message key.
    """
    from atlas.classify import MAX_MANUAL_BREAKS

    if not text or not text.strip():
        raise BreaksInputError("carte.breaks_reason_count", maximum=MAX_MANUAL_BREAKS)
    normalized = text.replace("\u2212", "-").replace("\u202f", "").replace("\u00a0", "")
    normalized = re.sub(r"(?<=\d),(?=\d)", ".", normalized)
    parts = [part for part in re.split(r"[;\s,]+", normalized) if part]
    values = []
    for part in parts:
        try:
            number = float(part)
        except ValueError:
            raise BreaksInputError("carte.breaks_reason_number", value=part[:20]) from None
        if not math.isfinite(number):
            raise BreaksInputError("carte.breaks_reason_number", value=part[:20])
        values.append(number)
    if not 1 <= len(values) <= MAX_MANUAL_BREAKS:
        raise BreaksInputError("carte.breaks_reason_count", maximum=MAX_MANUAL_BREAKS)
    if any(b <= a for a, b in zip(values, values[1:])):
        raise BreaksInputError("carte.breaks_reason_order")
    return tuple(values)
