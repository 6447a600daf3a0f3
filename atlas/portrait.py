"""Data of a territory portrait: its figures set against its parent and France, section by section.

The sections and their order follow the regional portraits of the Deps "Atlas régional de la
culture". Every figure comes from the catalogue and the store, so a new catalogue indicator
appears in the portraits with no change here. Figures are taken at the latest year available
at the territory's level. This module computes; `atlas.portrait_figures` draws.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from atlas import config, store
from atlas.cache import memoize
from atlas.catalogue import Indicator, load_catalogue
from atlas.formatting import format_number, format_value
from atlas.i18n import t

log = logging.getLogger(__name__)

# (section id, catalogue themes shown in it), in the order of the printed regional portraits.
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("contexte", ("contexte", "zonages")),
    ("offre_lieux", ("offre_lieux",)),
    ("depenses_publiques", ("depenses_publiques",)),
    ("emploi_entreprises", ("emploi_entreprises",)),
)

# The territory a portrait compares with, by level. Zones d'emploi and AAV cross région borders,
# so they are set against France only.
PARENT_LEVEL = {
    "commune": "departement",
    "epci": "departement",
    "departement": "region",
    "region": "france",
    "zone_emploi": "france",
    "aav": "france",
    "france": None,
}
PORTRAIT_LEVELS = ("france", "region", "departement", "zone_emploi", "epci", "aav", "commune")


@dataclass(frozen=True)
class Place:
    """A territory as shown in a portrait."""

    level: str
    code: str
    name: str


@dataclass
class FigureRow:
    """One indicator of a portrait section, for the territory, its parent and France."""

    indicator: Indicator
    year: int | None
    value: float | None
    status: str
    category: str | None = None
    parent_value: float | None = None
    parent_status: str = "missing"
    france_value: float | None = None
    france_status: str = "missing"
    rank: int | None = None
    rank_total: int | None = None
    rank_ties: int = 0

    @property
    def index_to_france(self) -> float | None:
        """The territory's value with France = 100, for intensive indicators only."""
        if not is_intensive(self.indicator) or self.status != "ok" or self.france_status != "ok":
            return None
        if not self.france_value:
            return None
        return 100.0 * self.value / self.france_value


@dataclass
class Section:
    id: str
    rows: list[FigureRow] = field(default_factory=list)


def is_intensive(indicator: Indicator) -> bool:
    """True for rates, shares, medians and per-inhabitant amounts: comparable across sizes."""
    return indicator.aggregation.get("rule") in ("ratio", "weighted_mean", "none") and not indicator.is_categorical


def parse_place(level: str | None, code: str | None) -> Place | None:
    """Return the territory at `level`/`code`, or None when either is unknown."""
    if level not in PORTRAIT_LEVELS or not code:
        return None
    row = store.territory(level, code)
    if row is None:
        return None
    return Place(level, code, str(row["name"]))


def parent_of(place: Place) -> Place | None:
    """Return the territory the portrait compares with (see PARENT_LEVEL), or None for France."""
    parent_level = PARENT_LEVEL.get(place.level)
    if parent_level is None:
        return None
    if parent_level == "france":
        return Place("france", config.FRANCE_CODE, t("common.level_france", "fr"))
    row = store.territory(place.level, place.code)
    parent_code = row.get(parent_level) if row else None
    if parent_code is None or (isinstance(parent_code, float) and math.isnan(parent_code)) or pd.isna(parent_code):
        return Place("france", config.FRANCE_CODE, t("common.level_france", "fr"))
    return parse_place(parent_level, str(parent_code))


def breadcrumb(place: Place) -> list[Place]:
    """Return the administrative parents above the territory, largest first, France included."""
    row = store.territory(place.level, place.code) or {}
    chain = [Place("france", config.FRANCE_CODE, "France")] if place.level != "france" else []
    for level in ("region", "departement", "epci"):
        code = row.get(level)
        if level == place.level or code is None or pd.isna(code):
            continue
        parent = parse_place(level, str(code))
        if parent:
            chain.append(parent)
    return chain


@memoize()
def latest_year(indicator_id: str, level: str) -> int | None:
    years = store.indicator_years(indicator_id, level)
    return years[-1] if years else None


@lru_cache(maxsize=256)
def _level_values(indicator_id: str, level: str, year: int) -> pd.DataFrame:
    """Values of the level with the parent code of each territory, for ranks among siblings.

    Kept in process memory (not flask-caching) because pickling a 35,000-row frame on every
    read would cost more than the lookup it saves."""
    values = store.indicator_values(indicator_id, level, year)
    parent_level = PARENT_LEVEL.get(level)
    territories = store.territories_of(level)
    if parent_level and parent_level != "france" and parent_level in territories.columns:
        values = values.merge(territories[["code", parent_level]].rename(columns={parent_level: "parent"}),
                              on="code", how="left")
    else:
        values = values.assign(parent=config.FRANCE_CODE)
    return values.set_index("code")


def _value_at(indicator_id: str, place: Place, year: int) -> tuple[float | None, str, str | None]:
    return store.value_of(indicator_id, place.level, year, place.code)


def sibling_rank(indicator_id: str, place: Place, year: int) -> tuple[int | None, int | None, int]:
    """Rank of the territory (1 = highest value) among the territories of its level with the same
    parent, how many of them have a value, and how many others share its value (ex aequo).
    (None, None, 0) when the territory has no value."""
    value, status, _ = store.value_of(indicator_id, place.level, year, place.code)
    if status != "ok":
        return None, None, 0
    frame = _level_values(indicator_id, place.level, year)
    parent = frame.at[place.code, "parent"]
    siblings = frame[(frame["parent"] == parent) & (frame["status"] == "ok")]
    if len(siblings) < 2:
        return None, None, 0
    rank = int((siblings["value"] > value).sum()) + 1
    ties = int((siblings["value"] == value).sum()) - 1
    return rank, len(siblings), ties


def figure_row(indicator: Indicator, place: Place, parent: Place | None) -> FigureRow | None:
    """Build the row of one indicator, or return None when it is not published at this level."""
    if place.level not in indicator.levels:
        return None
    year = latest_year(indicator.id, place.level)
    if year is None:
        return None
    value, status, category = _value_at(indicator.id, place, year)
    row = FigureRow(indicator=indicator, year=year, value=value, status=status, category=category)
    if parent is not None and parent.level in indicator.levels:
        row.parent_value, row.parent_status, _ = _value_at(indicator.id, parent, year)
    if place.level != "france" and "france" in indicator.levels:
        row.france_value, row.france_status, _ = _value_at(indicator.id, Place("france", config.FRANCE_CODE, "France"), year)
    if not indicator.is_categorical:
        row.rank, row.rank_total, row.rank_ties = sibling_rank(indicator.id, place, year)
    return row


def portrait_sections(place: Place) -> list[Section]:
    """Build every section of the portrait with the indicators published at the territory's level."""
    catalogue = load_catalogue()
    parent = parent_of(place)
    groups = catalogue.by_theme()
    sections = []
    for section_id, themes in SECTIONS:
        section = Section(section_id)
        for theme in themes:
            for indicator in groups.get(theme, []):
                row = figure_row(indicator, place, parent)
                if row is not None:
                    section.rows.append(row)
        sections.append(section)
    return sections


def format_row_value(row: FigureRow, which: str, lang: str) -> str:
    """Format the territory's ('value'), parent's or France's figure of a row."""
    indicator = row.indicator
    if which == "value":
        value, status = row.value, row.status
        if indicator.is_categorical and status == "ok":
            return indicator.category_label(row.category, lang)
    elif which == "parent":
        value, status = row.parent_value, row.parent_status
    else:
        value, status = row.france_value, row.france_status
    if indicator.is_categorical and which != "value":
        return "—"
    return format_value(value, status, indicator.unit_label(lang), indicator.decimals, lang)


def gap_text(row: FigureRow, lang: str) -> str:
    """Format the gap to France as an index (France = 100) for intensive indicators, else ''."""
    index = row.index_to_france
    return "" if index is None else format_number(index, 0, lang)


def rank_text(row: FigureRow, place: Place, lang: str) -> str:
    if row.rank is None:
        return ""
    key = "portrait.rank_tied" if row.rank_ties else "portrait.rank"
    return t(key, lang, rank=row.rank, total=row.rank_total, ties=row.rank_ties + 1)


def section_summary(section: Section, place: Place, parent: Place | None, lang: str,
                    max_facts: int = 3) -> list[str]:
    """Short factual sentences for a section, built from its first rows that have values."""
    facts = []
    for row in section.rows:
        if len(facts) >= max_facts:
            break
        if row.status != "ok":
            continue
        indicator = row.indicator
        label = indicator.text("label", lang)
        value = format_row_value(row, "value", lang)
        if indicator.is_categorical:
            facts.append(t("portrait.fact_category", lang, label=label, value=value, year=row.year))
            continue
        sentence = t("portrait.fact_value", lang, label=label, value=value, year=row.year)
        if row.france_status == "ok" and place.level != "france":
            sentence += " " + t("portrait.fact_france", lang, value=format_row_value(row, "france", lang))
        sentence += "."
        if row.rank is not None and parent is not None:
            key = "portrait.fact_rank_tied" if row.rank_ties else "portrait.fact_rank"
            sentence += " " + t(key, lang, rank=row.rank, total=row.rank_total, ties=row.rank_ties + 1,
                                level=t(f"portrait.level_plural_{place.level}", lang), parent=parent.name)
        facts.append(sentence)
    if not facts:
        facts.append(t("portrait.no_figures", lang))
    return facts


def portrait_table(place: Place, lang: str) -> tuple[pd.DataFrame, list[dict]]:
    """Collect all figures of the portrait in one table, with one metadata row per indicator."""
    parent = parent_of(place)
    rows, metadata = [], []
    for section in portrait_sections(place):
        for row in section.rows:
            indicator = row.indicator
            rows.append({
                t("portrait.col_section", lang): t(f"portrait.section_{section.id}", lang),
                t("portrait.col_indicator", lang): indicator.text("label", lang),
                t("portrait.col_year", lang): row.year,
                place.name: row.value if row.status == "ok" else None,
                t("portrait.col_status", lang): t(f"common.status_{row.status}", lang),
                (parent.name if parent else t("portrait.col_parent", lang)): row.parent_value,
                "France": row.france_value,
                t("portrait.col_unit", lang): indicator.unit_label(lang),
            })
            metadata.append({
                "indicator": indicator.id,
                t("portrait.col_indicator", lang): indicator.text("label", lang),
                t("common.definition", lang): indicator.text("definition", lang),
                t("portrait.col_source", lang): indicator.text("source", lang),
                t("portrait.col_year", lang): row.year,
                t("portrait.col_unit", lang): indicator.unit_label(lang),
            })
    return pd.DataFrame(rows), metadata


def place_from_params(params: dict) -> Place:
    """Return the territory named by the `level` and `code` parameters, or France when they are invalid."""
    place = parse_place(str(params.get("level") or ""), str(params.get("code") or ""))
    return place or Place("france", config.FRANCE_CODE, "France")


def _lang(params: dict, lang: str | None = None) -> str:
    from atlas.i18n import normalize_lang

    return normalize_lang(lang or params.get("lang"))


# Export entry points: the export registry calls these with the page's query string.

def portrait_export_table(params: dict) -> tuple[pd.DataFrame, list[dict]]:
    return portrait_table(place_from_params(params), _lang(params))


def portrait_figures(params: dict, lang: str | None = None) -> list:
    from atlas.portrait_figures import all_figures

    place = place_from_params(params)
    return all_figures(place, portrait_sections(place), _lang(params, lang))


def section_table_rows(section: Section, place: Place, lang: str) -> list[list[str]]:
    """Rows of a section table as displayed: indicator, value, parent, France, index, rank, year."""
    return [[row.indicator.text("label", lang), format_row_value(row, "value", lang),
             format_row_value(row, "parent", lang), format_row_value(row, "france", lang),
             gap_text(row, lang), rank_text(row, place, lang), str(row.year or "")]
            for row in section.rows]


def section_table_columns(place: Place, parent: Place | None, lang: str) -> list[str]:
    return [t("portrait.col_indicator", lang), place.name,
            parent.name if parent else t("portrait.col_parent", lang), "France",
            t("portrait.col_index", lang), t("portrait.col_rank", lang), t("portrait.col_year", lang)]


def portrait_pdf_blocks(params: dict, lang: str | None = None) -> dict:
    """Build the whole portrait as an A4 document: its title, subtitle and blocks.

    The blocks are, per section, the summary, the table and the vector charts."""
    from atlas.export.pdf import Figure, Heading, Paragraph, Table
    from atlas.portrait_figures import index_chart, locator_map, population_chart

    lang = _lang(params, lang)
    place = place_from_params(params)
    parent = parent_of(place)
    sections = portrait_sections(place)
    blocks: list = []
    intro = t("portrait.compared_with", lang, parent=parent.name) if parent and parent.level != "france" \
        else t("portrait.compared_with_france", lang) if parent else t("portrait.france_intro", lang)
    blocks.append(Paragraph(intro))
    locator = locator_map(place.level, place.code, lang)
    if locator is not None:
        blocks.append(Figure(locator, caption=t("portrait.locator_title", lang),
                             source="IGN ADMIN EXPRESS, Insee COG 2025", height_mm=70))
    for section in sections:
        blocks.append(Heading(t(f"portrait.section_{section.id}", lang)))
        for sentence in section_summary(section, place, parent, lang):
            blocks.append(Paragraph(sentence))
        sources = "; ".join(dict.fromkeys(row.indicator.text("source", lang) for row in section.rows))
        if section.rows:
            blocks.append(Table(columns=section_table_columns(place, parent, lang),
                                rows=section_table_rows(section, place, lang),
                                source=sources, numeric=(1, 2, 3, 4)))
        if section.id == "contexte":
            population = population_chart(place.level, place.code, lang)
            if population is not None:
                blocks.append(Figure(population, source=load_catalogue().get("population").text("source", lang)))
        chart = index_chart(section, place, parent, lang)
        if chart is not None:
            blocks.append(Figure(chart, source=sources))
    blocks.append(Paragraph(t("portrait.not_available_note", lang), small=True))
    return {"title": t("portrait.page_title", lang, name=place.name),
            "subtitle": t("portrait.level_line", lang, level=t(f"common.level_{place.level}", lang), code=place.code),
            "blocks": blocks}
