"""The comparison of territories side by side: URL state, values, gaps, export table and figures.

Query parameters (all optional; an invalid value falls back and is listed in `invalid`):

- `t`: up to 8 territories, comma-separated `level:code` (`commune:69123,epci:200046977`).
  France is always a column of its own. So is the common parent of the selection when it has
  one. Neither needs to be listed.
- `theme`: a theme id, all its indicators; `indicators`: comma-separated indicator ids, added
  after the theme's. Without either, the first indicator of each theme.
- `ref`: the reference of the gaps: `FR` (default), `parent` (the common parent), or the
  `level:code` of a selected territory.
- `sort`: order of the indicator rows: catalogue order (default), `label`, or the `level:code`
  of a column to sort by its index; `order`: `asc` or `desc` (default).
- `view`: `table` (default), `charts` or `maps`; `map`: the indicator of the maps.
- `lang`: `fr` (default) or `en`.

`comparison_table` and `comparison_figures` take the query parameters as a dict of strings, so
the page and the export routes build the same table and the same charts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache

import pandas as pd

from atlas import config, store
from atlas.catalogue import Indicator, load_catalogue
from atlas.compare_gaps import (GAP_CATEGORICAL, GAP_IS_REFERENCE, Gap, compute_gap, gap_comparable,
                                has_ratio_scale, is_additive, latest_common_year, ok_years_by_level,
                                sort_key)
from atlas.compare_selection import common_parent, member_containers, parents_to_add, similar_territories
from atlas.i18n import normalize_lang, t
from atlas.urlstate import StateParser

log = logging.getLogger(__name__)

PAGE = "comparer"
MAX_TERRITORIES = 8
MAX_INDICATORS = 40
SIMILAR_COUNT = 3
POPULATION_ID = "population"
# Levels a user can select; France is always shown, so selecting it adds nothing.
SELECTABLE_LEVELS = tuple(level for level in config.LEVELS if level != "france")
REF_FRANCE = config.FRANCE_CODE
REF_PARENT = "parent"
SORT_LABEL = "label"
ORDERS = ("desc", "asc")
VIEWS = ("table", "charts", "maps")

ROLE_SELECTED = "selected"
ROLE_PARENT = "parent"
ROLE_FRANCE = "france"


@dataclass(frozen=True)
class ComparisonParams:
    """A valid comparison request; every field has been checked against the catalogue and store."""

    territories: tuple[tuple[str, str], ...] = ()
    indicators: tuple[str, ...] = ()
    theme: str | None = None
    ref: str = REF_FRANCE
    sort: str = ""
    order: str = "desc"
    view: str = "table"
    map_indicator: str | None = None
    lang: str = config.DEFAULT_LANG
    invalid: tuple[str, ...] = field(default=(), compare=False)

    @property
    def territory_values(self) -> list[str]:
        """The selected territories as `level:code` strings, as the URL and the dropdown carry them."""
        return [f"{level}:{code}" for level, code in self.territories]


# --- URL state ---------------------------------------------------------------------------------

def _territory_exists(value: str) -> bool:
    level, _, code = value.partition(":")
    return level in SELECTABLE_LEVELS and bool(code) and store.territory(level, code) is not None


def _parse_territories(parser: StateParser) -> tuple[tuple[str, str], ...]:
    raw = parser.params.get("t") or ""
    items = [item for item in raw.split(",") if item]
    # France is always a column: listing it is allowed and ignored.
    items = [item for item in items if item != f"france:{config.FRANCE_CODE}"]
    if len(items) > MAX_TERRITORIES:
        parser.invalid.append("t")
        log.warning("page %s: %d territories requested, only the first %d kept",
                    PAGE, len(items), MAX_TERRITORIES)
    existing = [item for item in items[:MAX_TERRITORIES] if ":" in item and _territory_exists(item)]
    if len(existing) != len(items[:MAX_TERRITORIES]) and "t" not in parser.invalid:
        parser.invalid.append("t")
        log.warning("page %s: unknown territories dropped from t=%r", PAGE, raw[:120])
    unique = list(dict.fromkeys(existing))
    return tuple(tuple(item.split(":", 1)) for item in unique)


def comparable_indicators() -> list[Indicator]:
    """Visible catalogue indicators with at least one value, in catalogue order."""
    catalogue = load_catalogue()
    return [catalogue.get(indicator_id) for indicator_id in _comparable_ids(store.build_stamp())]


@lru_cache(maxsize=2)
def _comparable_ids(stamp: str) -> tuple[str, ...]:
    return tuple(indicator.id for indicator in load_catalogue().visible() if store.indicator_years(indicator.id))


def theme_indicators(theme: str) -> list[str]:
    return [indicator.id for indicator in comparable_indicators() if indicator.theme == theme]


# An indicator published at fewer levels than this is a poor default: most columns would be empty.
MIN_DEFAULT_LEVELS = 3


def default_indicators() -> list[str]:
    """Return one indicator per theme, a profile across the catalogue.

    Each theme offers its first indicator published at MIN_DEFAULT_LEVELS levels or more,
    preferring a rate, share or mean to a count or an amount, because counts and amounts cannot
    be compared across levels (see `compare_gaps.gap_comparable`).
    """
    best: dict[str, tuple[tuple[bool, bool, int], str]] = {}
    for position, indicator in enumerate(comparable_indicators()):
        if indicator.is_categorical:
            continue
        rank = (len(indicator.levels) < MIN_DEFAULT_LEVELS, is_additive(indicator), position)
        if indicator.theme not in best or rank < best[indicator.theme][0]:
            best[indicator.theme] = (rank, indicator.id)
    return [best[theme][1] for theme in config.THEMES if theme in best]


def _parse_indicators(parser: StateParser) -> tuple[tuple[str, ...], str | None]:
    available = {indicator.id for indicator in comparable_indicators()}
    themes = [theme for theme in config.THEMES if theme_indicators(theme)]
    theme = parser.choice("theme", themes, None)
    chosen = theme_indicators(theme) if theme else []

    raw = parser.params.get("indicators") or ""
    requested = [item for item in raw.split(",") if item]
    valid = [item for item in requested if item in available]
    if len(valid) != len(requested):
        parser.invalid.append("indicators")
        log.warning("page %s: unknown indicators dropped from indicators=%r", PAGE, raw[:120])
    chosen = list(dict.fromkeys(chosen + valid))
    if len(chosen) > MAX_INDICATORS:
        parser.invalid.append("indicators")
        chosen = chosen[:MAX_INDICATORS]
    if not chosen:
        return tuple(default_indicators()), None
    # The theme stays in the URL only while the selection is exactly that theme.
    if theme and chosen != theme_indicators(theme):
        theme = None
    return tuple(chosen), theme


def parse_params(params: Mapping[str, object] | None) -> ComparisonParams:
    """Read the query parameters into a valid `ComparisonParams` (see the module docstring)."""
    if isinstance(params, ComparisonParams):
        return params
    parser = StateParser(params, PAGE)
    territories = _parse_territories(parser)
    indicators, theme = _parse_indicators(parser)
    keys = [f"{level}:{code}" for level, code in territories]

    has_parent = parent_of(territories) is not None
    refs = [REF_FRANCE] + ([REF_PARENT] if has_parent else []) + keys
    ref = parser.choice("ref", refs, REF_FRANCE)

    sort = parser.choice("sort", [SORT_LABEL] + keys, "")
    order = parser.choice("order", ORDERS, "desc")
    view = parser.choice("view", VIEWS, "table")
    numeric = [item for item in indicators if not load_catalogue().get(item).is_categorical]
    map_indicator = parser.choice("map", numeric, numeric[0] if numeric else None)

    return ComparisonParams(territories=territories, indicators=indicators, theme=theme, ref=ref,
                            sort=sort or "", order=order, view=view, map_indicator=map_indicator,
                            lang=parser.lang, invalid=tuple(dict.fromkeys(parser.invalid)))


def to_query(params: ComparisonParams) -> dict[str, object]:
    """Return the query parameters of `params`, defaults left out (see `urlstate.build_href`)."""
    if params.theme:
        theme, indicators = params.theme, []
    elif list(params.indicators) == default_indicators():
        theme, indicators = None, []
    else:
        theme, indicators = None, list(params.indicators)
    numeric = [item for item in params.indicators if not load_catalogue().get(item).is_categorical]
    default_map = numeric[0] if numeric else None
    return {
        "t": params.territory_values,
        "theme": theme,
        "indicators": indicators,
        "ref": None if params.ref == REF_FRANCE else params.ref,
        "sort": params.sort or None,
        "order": None if params.order == "desc" or not params.sort else params.order,
        "view": None if params.view == "table" else params.view,
        "map": None if params.map_indicator == default_map else params.map_indicator,
        "lang": params.lang,
    }


def with_territories(params: ComparisonParams, territories) -> ComparisonParams:
    """Return `params` with a new selection, dropping a reference or sort that left it."""
    territories = tuple(dict.fromkeys(tuple(item) for item in territories))[:MAX_TERRITORIES]
    keys = {f"{level}:{code}" for level, code in territories}
    ref = params.ref
    if ref not in (REF_FRANCE, REF_PARENT) and ref not in keys:
        ref = REF_FRANCE
    if ref == REF_PARENT and parent_of(territories) is None:
        ref = REF_FRANCE
    sort = params.sort if params.sort in ("", SORT_LABEL) or params.sort in keys else ""
    return replace(params, territories=territories, ref=ref, sort=sort, invalid=())


def with_indicators(params: ComparisonParams, indicators, theme: str | None = None) -> ComparisonParams:
    """Return `params` with a new list of indicators (a theme's when `theme` is given)."""
    indicators = tuple(dict.fromkeys(indicators))[:MAX_INDICATORS] or tuple(default_indicators())
    if theme and list(indicators) != theme_indicators(theme):
        theme = None
    map_indicator = params.map_indicator
    numeric = [item for item in indicators if not load_catalogue().get(item).is_categorical]
    if map_indicator not in numeric:
        map_indicator = numeric[0] if numeric else None
    return replace(params, indicators=indicators, theme=theme, map_indicator=map_indicator, invalid=())


SORT_CATALOGUE = "catalogue"


def with_sort(params: ComparisonParams, key: str) -> ComparisonParams:
    """Return `params` sorted by `key`; the current key again reverses the order.

    `catalogue` goes back to the catalogue order. Labels sort A to Z first, indices from the
    highest first. An unknown key leaves `params` unchanged.
    """
    keys = {SORT_LABEL, *params.territory_values}
    if key == SORT_CATALOGUE:
        return replace(params, sort="", order="desc", invalid=())
    if key not in keys:
        return params
    if key == params.sort:
        return replace(params, order="asc" if params.order == "desc" else "desc", invalid=())
    return replace(params, sort=key, order="asc" if key == SORT_LABEL else "desc", invalid=())


def with_reference(params: ComparisonParams, ref: str | None) -> ComparisonParams:
    """Return `params` with the reference `ref` when it is valid for the selection."""
    valid = {REF_FRANCE, *params.territory_values}
    if parent_of(params.territories) is not None:
        valid.add(REF_PARENT)
    return replace(params, ref=ref, invalid=()) if ref in valid else params


# --- selection shortcuts -----------------------------------------------------------------------

@lru_cache(maxsize=8)
def _grouping(level: str, stamp: str) -> pd.DataFrame:
    return member_containers(store.territories(), level)


def _grouping_by_level() -> dict[str, pd.DataFrame]:
    stamp = store.build_stamp()
    return {level: _grouping(level, stamp) for level in ("epci", "zone_emploi", "aav")}


def parent_of(territories) -> tuple[str, str] | None:
    """Return the common parent of the selection, or None (France is never returned)."""
    if not territories:
        return None
    return _parent_of(tuple(tuple(item) for item in territories), store.build_stamp())


@lru_cache(maxsize=256)
def _parent_of(territories: tuple[tuple[str, str], ...], stamp: str) -> tuple[str, str] | None:
    return common_parent(store.territories(), list(territories), _grouping_by_level())


def with_parents(params: ComparisonParams) -> ComparisonParams:
    """Add the containing territories of the first selected territory (EPCI, département, région)."""
    if not params.territories:
        return params
    level, code = params.territories[0]
    grouping = _grouping_by_level().get(level)
    added = [item for item in parents_to_add(store.territories(), level, code, grouping)
             if item[0] in SELECTABLE_LEVELS]
    return with_territories(params, list(params.territories) + added)


def with_similar(params: ComparisonParams, count: int = SIMILAR_COUNT) -> ComparisonParams:
    """Add territories of the same level and parent as the first one, with the closest population."""
    if not params.territories:
        return params
    level, code = params.territories[0]
    room = min(count, MAX_TERRITORIES - len(params.territories))
    population = latest_population(level)
    if room <= 0 or population is None:
        return params
    found = similar_territories(store.territories(), population, level, code, room,
                                exclude=params.territories)
    return with_territories(params, list(params.territories) + found)


def latest_population(level: str) -> pd.DataFrame | None:
    """Populations of every territory of `level` in the latest vintage, or None without data."""
    if POPULATION_ID not in load_catalogue():
        return None
    years = store.indicator_years(POPULATION_ID, level)
    if not years:
        return None
    return store.indicator_values(POPULATION_ID, level, years[-1])


# --- the comparison ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """One territory of the table: a selected one, the common parent or France."""

    level: str
    code: str
    name: str
    role: str

    @property
    def key(self) -> str:
        return f"{self.level}:{self.code}"


@dataclass(frozen=True)
class Cell:
    value: float | None
    status: str
    category: str | None
    gap: Gap


@dataclass(frozen=True)
class Row:
    """One indicator across every column, all for the same `year` (None without any value)."""

    indicator: Indicator
    year: int | None
    cells: dict[str, Cell]


@dataclass(frozen=True)
class Comparison:
    params: ComparisonParams
    columns: tuple[Column, ...]
    reference: Column
    rows: tuple[Row, ...]

    @property
    def selected_columns(self) -> tuple[Column, ...]:
        return tuple(column for column in self.columns if column.role == ROLE_SELECTED)

    def column(self, key: str) -> Column | None:
        return next((column for column in self.columns if column.key == key), None)


def _territory_name(level: str, code: str) -> str:
    row = store.territory(level, code)
    return str(row["name"]) if row is not None else code


def comparison_columns(params: ComparisonParams) -> tuple[tuple[Column, ...], Column]:
    """Return the columns (selected territories, common parent, France) and the reference column."""
    columns = [Column(level, code, _territory_name(level, code), ROLE_SELECTED)
               for level, code in params.territories]
    parent = parent_of(params.territories)
    if parent is not None and parent not in params.territories:
        columns.append(Column(parent[0], parent[1], _territory_name(*parent), ROLE_PARENT))
    france = Column("france", config.FRANCE_CODE, _territory_name("france", config.FRANCE_CODE), ROLE_FRANCE)
    columns.append(france)

    if params.ref == REF_PARENT and parent is not None:
        reference = next(column for column in columns if (column.level, column.code) == parent)
    else:
        reference = next((column for column in columns if column.key == params.ref), france)
    return tuple(columns), reference


ValueLookup = Callable[[str, str, int], tuple[float | None, str, str | None]]


def indicator_cells(years_by_level: Mapping[str, frozenset[int]], lookup: ValueLookup, indicator: Indicator,
                    columns, reference: Column) -> tuple[int | None, dict[str, Cell]]:
    """Return the common year and one cell per column for one indicator.

    `years_by_level` maps each level to its years with values (`compare_gaps.ok_years_by_level`)
    and `lookup(level, code, year)` returns the stored (value, status, category), with the
    status `missing` when there is no row. A column without a row gets the status
    `not_applicable` when the catalogue does not publish the indicator at its level; a value is
    never filled with zero.
    """
    levels = [column.level for column in columns
              if column.level in indicator.levels or column.level in years_by_level]
    year = latest_common_year(years_by_level, levels)

    raw: dict[str, tuple[float | None, str, str | None]] = {}
    for column in columns:
        value, status, category = (None, "missing", None) if year is None else lookup(column.level, column.code, year)
        if status == "missing" and value is None and column.level not in indicator.levels:
            status = "not_applicable"
        raw[column.key] = (value, status, category)

    reference_value, reference_status, _ = raw[reference.key]
    cells = {}
    for column in columns:
        value, status, category = raw[column.key]
        if indicator.is_categorical:
            gap = Gap(GAP_CATEGORICAL)
        elif column.key == reference.key:
            gap = Gap(GAP_IS_REFERENCE)
        else:
            gap = compute_gap(value, status, reference_value, reference_status,
                              comparable=gap_comparable(indicator, column.level, reference.level),
                              ratio_scale=has_ratio_scale(indicator))
        cells[column.key] = Cell(value, status, category, gap)
    return year, cells


@lru_cache(maxsize=256)
def _years_by_level(indicator_id: str, stamp: str) -> dict[str, frozenset[int]]:
    return ok_years_by_level(store.indicator_frame(indicator_id))


def _store_lookup(indicator_id: str) -> ValueLookup:
    def lookup(level: str, code: str, year: int):
        return store.value_of(indicator_id, level, year, code)
    return lookup


def sort_rows(rows: list[Row], sort: str, order: str, lang: str) -> list[Row]:
    """Order the rows: catalogue order, by label, or by the index of the column `sort`.

    Rows without an index stay last in both directions.
    """
    if not sort:
        return list(rows)
    if sort == SORT_LABEL:
        ordered = sorted(rows, key=lambda row: row.indicator.text("label", lang).casefold())
        return ordered[::-1] if order == "desc" else ordered

    def key(row: Row):
        missing, number = sort_key(row.cells[sort].gap if sort in row.cells else None)
        return (missing, -number if order == "desc" else number)

    return sorted(rows, key=key)


def build_comparison(params: ComparisonParams | Mapping[str, object] | None) -> Comparison:
    """Compute the comparison described by `params` (parsed first when given as a dict)."""
    params = parse_params(params)
    columns, reference = comparison_columns(params)
    catalogue = load_catalogue()
    rows = []
    for indicator_id in params.indicators:
        indicator = catalogue.get(indicator_id)
        year, cells = indicator_cells(_years_by_level(indicator_id, store.build_stamp()),
                                      _store_lookup(indicator_id), indicator, columns, reference)
        rows.append(Row(indicator, year, cells))
    rows = sort_rows(rows, params.sort, params.order, params.lang)
    return Comparison(params, columns, reference, tuple(rows))


# --- export ------------------------------------------------------------------------------------

TABLE_COLUMNS = ("indicator", "indicator_label", "unit", "year", "level", "code", "name", "role",
                 "value", "status", "status_label", "category", "reference_level", "reference_code",
                 "reference_name", "reference_value", "difference", "index", "gap_status")


def comparison_frame(comparison: Comparison) -> pd.DataFrame:
    """Return the comparison in long form: one row per indicator and territory."""
    lang = comparison.params.lang
    reference = comparison.reference
    records = []
    for row in comparison.rows:
        indicator = row.indicator
        reference_cell = row.cells[reference.key]
        for column in comparison.columns:
            cell = row.cells[column.key]
            category = cell.category
            if category is not None and indicator.is_categorical:
                category = indicator.category_label(category, lang)
            records.append({
                "indicator": indicator.id,
                "indicator_label": indicator.text("label", lang),
                "unit": indicator.unit_label(lang),
                "year": row.year,
                "level": column.level,
                "code": column.code,
                "name": column.name,
                "role": t(f"comparer.role_{column.role}", lang),
                "value": cell.value,
                "status": cell.status,
                "status_label": t(f"common.status_{cell.status}", lang),
                "category": category,
                "reference_level": reference.level,
                "reference_code": reference.code,
                "reference_name": reference.name,
                "reference_value": reference_cell.value,
                "difference": cell.gap.difference,
                "index": cell.gap.index,
                "gap_status": cell.gap.status,
            })
    frame = pd.DataFrame.from_records(records, columns=list(TABLE_COLUMNS))
    frame["year"] = frame["year"].astype("Int64")
    for column in ("value", "reference_value", "difference", "index"):
        frame[column] = frame[column].astype("float64")
    return frame


def metadata_rows(comparison: Comparison) -> list[dict]:
    """Return one row per indicator: id, label, definition, source, year and unit, in the page language."""
    lang = comparison.params.lang
    return [{
        "indicator": row.indicator.id,
        "label": row.indicator.text("label", lang),
        "definition": row.indicator.text("definition", lang),
        "source": row.indicator.text("source", lang),
        "year": row.year,
        "unit": row.indicator.unit_label(lang),
        "notes": row.indicator.text("notes", lang),
    } for row in comparison.rows]


def comparison_table(params: ComparisonParams | Mapping[str, object] | None
                     ) -> tuple[pd.DataFrame, list[dict]]:
    """Return the comparison table in long form and its metadata rows, for CSV and XLSX."""
    comparison = build_comparison(params)
    return comparison_frame(comparison), metadata_rows(comparison)


def comparison_figures(params: ComparisonParams | Mapping[str, object] | None, lang: str | None = None):
    """Return the charts of the comparison: the profile of indices, then one bar chart per indicator."""
    from atlas.compare_charts import bar_figures, profile_figure

    parsed = parse_params(params)
    if lang:
        parsed = replace(parsed, lang=normalize_lang(lang))
    comparison = build_comparison(parsed)
    figures = []
    profile = profile_figure(comparison)
    if profile is not None:
        figures.append(profile)
    figures.extend(bar_figures(comparison))
    return figures
