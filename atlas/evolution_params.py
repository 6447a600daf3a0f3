"""State of the Évolution view: what the URL query string can set, validated against the data.

`parse_params` turns query parameters into an `EvolutionParams`. It replaces each invalid value
by a default and lists the rejected parameter names, so the page shows a notice and the export
routes return a valid view instead of an error. `to_query` writes the state back.

Query parameters:

- `indicator`: catalogue id of an indicator with at least two years of values.
- `t`: up to 8 territories, comma-separated `level:code` (`commune:75056,departement:13`).
- `from`, `to`: the period, years of the indicator.
- `mode`: `raw`, `per_inhabitant` (divided by the population of the same year), `index`
  (base 100 in `base`) or `annual_change` (average annual rate between successive vintages).
- `base`: base year of the index, inside the period.
- `ref`: reference lines, comma-separated among `parent` and `france`.
- `level`: level of the change map; `change`: `percent` or `absolute` change on the map.
- `lang`: `fr` (default) or `en`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import lru_cache

from atlas import config, store
from atlas.catalogue import Indicator, load_catalogue
from atlas.urlstate import StateParser

log = logging.getLogger(__name__)

PAGE = "evolution"
MODES = ("raw", "per_inhabitant", "index", "annual_change")
REFERENCES = ("parent", "france")
CHANGE_METRICS = ("percent", "absolute")
MAX_TERRITORIES = 8
POPULATION_ID = "population"
RATE_OF_CHANGE_UNITS = ("pourcent_par_an",)
# Indicators in percent change in percentage points: a relative change of a share misleads.
PERCENT_UNITS = ("pourcent", "pourcent_par_an")
DEFAULT_INDICATOR = POPULATION_ID
DEFAULT_TERRITORIES = ("france:FR",)
DEFAULT_MAP_LEVEL = "departement"


@dataclass(frozen=True)
class EvolutionParams:
    """A valid view: every field has been checked against the catalogue and the store."""

    indicator: str
    territories: tuple[tuple[str, str], ...]
    start: int
    end: int
    mode: str = "raw"
    base: int | None = None
    refs: tuple[str, ...] = ()
    level: str = DEFAULT_MAP_LEVEL
    change: str = "percent"
    lang: str = config.DEFAULT_LANG
    invalid: tuple[str, ...] = field(default=(), compare=False)

    @property
    def territory_values(self) -> list[str]:
        """The territories as `level:code` strings, as the URL and the dropdown carry them."""
        return [f"{level}:{code}" for level, code in self.territories]

    @property
    def base_year(self) -> int:
        return self.base if self.base is not None else self.start

    def as_dict(self) -> dict:
        """Return the state as JSON-ready primitives, for a dcc.Store."""
        data = asdict(self)
        data["territories"] = self.territory_values
        data["refs"] = list(self.refs)
        data["invalid"] = list(self.invalid)
        return data

    @classmethod
    def from_dict(cls, data: Mapping) -> EvolutionParams:
        """Rebuild the state stored by `as_dict` (trusted: it was validated when stored)."""
        territories = tuple(tuple(item.split(":", 1)) for item in data.get("territories") or ())
        return cls(indicator=data["indicator"], territories=territories, start=int(data["start"]),
                   end=int(data["end"]), mode=data.get("mode", "raw"), base=data.get("base"),
                   refs=tuple(data.get("refs") or ()), level=data.get("level", DEFAULT_MAP_LEVEL),
                   change=data.get("change", "percent"),
                   lang=data.get("lang", config.DEFAULT_LANG),
                   invalid=tuple(data.get("invalid") or ()))


@lru_cache(maxsize=2)
def _years_of_every_indicator(stamp: str) -> dict[str, dict[str | None, tuple[int, ...]]]:
    """Return {indicator: {level: years}} for the whole store, with all levels under None.

    One pass over the store: a look-up per indicator would filter the frame of each indicator
    in turn. `stamp` is the build stamp, so a new build is read again.
    """
    values = store.values()
    keys = values[["indicator", "level", "year"]].drop_duplicates()
    found: dict[str, dict[str | None, tuple[int, ...]]] = {}
    for (indicator, level), years in keys.groupby(["indicator", "level"], observed=True)["year"]:
        found.setdefault(str(indicator), {})[str(level)] = tuple(sorted(int(year) for year in years))
    for by_level in found.values():
        by_level[None] = tuple(sorted({year for years in by_level.values() for year in years}))
    return found


def _years_by_level(indicator_id: str, stamp: str) -> dict[str | None, tuple[int, ...]]:
    return _years_of_every_indicator(stamp).get(indicator_id, {})


def indicator_years(indicator_id: str, level: str | None = None) -> list[int]:
    """Years with values of the indicator, at `level` or at any level; cached per build."""
    return list(_years_by_level(indicator_id, store.build_stamp()).get(level, ()))


def series_indicators() -> list[Indicator]:
    """Visible numeric catalogue indicators with at least two years of values, in catalogue order."""
    return [indicator for indicator in load_catalogue().visible()
            if not indicator.is_categorical and len(indicator_years(indicator.id)) >= 2]


def allows_per_inhabitant(indicator: Indicator) -> bool:
    """Tell whether dividing by the population means something: only for additive counts and amounts.

    Ratios and weighted means are already relative, and the population itself would give 1.
    """
    if indicator.id == POPULATION_ID or indicator.aggregation.get("rule") != "sum":
        return False
    return POPULATION_ID in load_catalogue() and bool(indicator_years(POPULATION_ID))


def allowed_modes(indicator: Indicator) -> list[str]:
    """Display modes that mean something for the indicator.

    An index or a rate of change of a rate of change (unit `% par an`) means nothing, so such
    indicators are shown as raw values only.
    """
    if indicator.unit in RATE_OF_CHANGE_UNITS:
        return ["raw"]
    return [mode for mode in MODES if mode != "per_inhabitant" or allows_per_inhabitant(indicator)]


def change_in_points(indicator: Indicator) -> bool:
    """Tell whether changes of the indicator are differences in percentage points, never in %."""
    return indicator.unit in PERCENT_UNITS


def allowed_changes(indicator: Indicator) -> list[str]:
    """Change metrics offered on the map: no percent change of a percentage."""
    return ["absolute"] if change_in_points(indicator) else list(CHANGE_METRICS)


def map_levels(indicator_id: str) -> list[str]:
    """Levels where the change map can be drawn: mappable levels with values of the indicator."""
    present = _years_by_level(indicator_id, store.build_stamp())
    return [level for level in config.MAP_LEVELS if len(present.get(level, ())) >= 2]


def _territory_exists(value: str) -> bool:
    if ":" not in value:
        return False
    level, code = value.split(":", 1)
    return level in config.LEVELS and store.territory(level, code) is not None


def _parse_territories(parser: StateParser) -> tuple[tuple[str, str], ...]:
    raw = parser.params.get("t") or ""
    items = [item for item in raw.split(",") if item]
    if len(items) > MAX_TERRITORIES and "t" not in parser.invalid:
        parser.invalid.append("t")
        log.warning("page %s: %d territories requested, only the first %d kept",
                    PAGE, len(items), MAX_TERRITORIES)
    kept = parser.codes("t", exists=_territory_exists, limit=MAX_TERRITORIES)
    unique = list(dict.fromkeys(kept))
    if not unique:
        unique = list(DEFAULT_TERRITORIES)
    return tuple(tuple(item.split(":", 1)) for item in unique)


def _parse_period(parser: StateParser, years: list[int]) -> tuple[int, int]:
    first, last = years[0], years[-1]
    start = parser.integer("from", first, allowed=years)
    end = parser.integer("to", last, allowed=years)
    if start >= end:
        parser.invalid.append("to" if "to" in parser.params else "from")
        log.warning("page %s: period %s-%s is empty, full period used", PAGE, start, end)
        start, end = first, last
    return start, end


def parse_params(params: Mapping[str, object] | None) -> EvolutionParams:
    """Read the query parameters into a valid `EvolutionParams`; see the module docstring.

    Raises LookupError when no indicator of the catalogue has two years of values, because no
    view of this page can then be drawn (the data build lacks every time series).
    """
    parser = StateParser(params, PAGE)
    indicators = {indicator.id: indicator for indicator in series_indicators()}
    if not indicators:
        raise LookupError("no indicator has two years of values; build the time series first")
    default_id = DEFAULT_INDICATOR if DEFAULT_INDICATOR in indicators else next(iter(indicators))
    indicator_id = parser.choice("indicator", list(indicators), default_id)
    indicator = indicators[indicator_id]

    territories = _parse_territories(parser)
    years = indicator_years(indicator_id)
    start, end = _parse_period(parser, years)

    mode = parser.choice("mode", allowed_modes(indicator), "raw")
    period_years = [year for year in years if start <= year <= end]
    base = parser.integer("base", start, allowed=period_years)

    refs_raw = parser.params.get("ref") or ""
    refs = tuple(ref for ref in REFERENCES if ref in refs_raw.split(","))
    if refs_raw and set(refs_raw.split(",")) - set(REFERENCES):
        parser.invalid.append("ref")

    levels = map_levels(indicator_id) or [DEFAULT_MAP_LEVEL]
    default_level = DEFAULT_MAP_LEVEL if DEFAULT_MAP_LEVEL in levels else levels[0]
    level = parser.choice("level", levels, default_level)
    changes = allowed_changes(indicator)
    change = parser.choice("change", changes, changes[0])

    return EvolutionParams(indicator=indicator_id, territories=territories, start=start, end=end,
                           mode=mode, base=base if mode == "index" else None, refs=refs,
                           level=level, change=change, lang=parser.lang,
                           invalid=tuple(dict.fromkeys(parser.invalid)))


def to_query(state: EvolutionParams) -> dict[str, object]:
    """Return the query parameters of `state`, defaults left out by `urlstate.build_href`."""
    return {
        "indicator": state.indicator,
        "t": state.territory_values,
        "from": state.start,
        "to": state.end,
        "mode": None if state.mode == "raw" else state.mode,
        "base": state.base if state.mode == "index" else None,
        "ref": list(state.refs),
        "level": state.level,
        "change": state.change if state.change != allowed_changes(load_catalogue().get(state.indicator))[0] else None,
        "lang": state.lang,
    }
