"""Indicator choices built from the catalogue, grouped by theme.

A dcc.Dropdown has no option groups, so each theme starts with a disabled heading option.
"""

from __future__ import annotations

from dash import dcc

from atlas import store
from atlas.catalogue import load_catalogue
from atlas.i18n import t
from layouts.components.dropdowns import dropdown_labels

THEME_PREFIX = "__theme__"


def indicator_options(lang: str, level: str | None = None, min_years: int = 1,
                      include_categorical: bool = True) -> list[dict]:
    """Dropdown options of visible indicators with values, theme headings first in each group.

    `level` keeps indicators published at that level; `min_years` keeps those with at least that
    many years of data (2 for the evolution views).
    """
    options: list[dict] = []
    for theme, indicators in load_catalogue().by_theme().items():
        group = []
        for indicator in indicators:
            if level and level not in indicator.levels:
                continue
            if not include_categorical and indicator.is_categorical:
                continue
            years = store.indicator_years(indicator.id, level) if store.is_built() else list(indicator.years)
            if len(years) < min_years:
                continue
            group.append({"label": indicator.text("label", lang), "value": indicator.id})
        if group:
            options.append({"label": t(f"common.theme_{theme}", lang), "value": THEME_PREFIX + theme,
                            "disabled": True})
            options.extend(group)
    return options


def indicator_dropdown(component_id: str, lang: str, value=None, multi: bool = False,
                       level: str | None = None, min_years: int = 1,
                       include_categorical: bool = True) -> dcc.Dropdown:
    return dcc.Dropdown(
        id=component_id,
        options=indicator_options(lang, level, min_years, include_categorical),
        value=value, multi=multi, clearable=multi, searchable=True,
        placeholder=t("common.choose_indicator", lang), className="indicator-picker",
        labels=dropdown_labels(lang),
    )


def theme_indicator_ids(theme: str, level: str | None = None) -> list[str]:
    """Visible indicator ids of one theme (the 'whole theme at once' shortcut)."""
    return [i.id for i in load_catalogue().by_theme().get(theme, [])
            if level is None or level in i.levels]
