"""A search-as-you-type territory picker shared by the pages.

Values are `level:code` strings (`commune:75056`, `departement:2A`, `france:FR`). Each page
creates the dropdown with `territory_dropdown` and registers its options callback once with
`register_territory_search`, so every page searches the same way (name or code, ignoring case,
accents, hyphens and Saint/St variants).
"""

from __future__ import annotations

import logging

from dash import Input, Output, State, callback, dcc, no_update

from atlas import config, store
from atlas.i18n import normalize_lang, t
from atlas.urlstate import parse_search
from layouts.components.dropdowns import dropdown_labels

log = logging.getLogger(__name__)

MIN_QUERY_LENGTH = 2
MAX_OPTIONS = 30


def split_value(value: str) -> tuple[str, str] | None:
    """Split `level:code` into (level, code); None when malformed or unknown."""
    if not isinstance(value, str) or ":" not in value:
        return None
    level, code = value.split(":", 1)
    if level not in config.LEVELS or not code:
        return None
    return level, code


def territory_exists(value: str) -> bool:
    parts = split_value(value)
    return parts is not None and store.territory(*parts) is not None


def territory_label(level: str, code: str, name: str, lang: str, departement: str | None = None) -> str:
    """Label shown in the list: name, then level and code (and département for communes)."""
    level_name = t(f"common.level_{level}", lang)
    if level == "france":
        return name
    if level == "commune" and departement:
        return f"{name} ({level_name} {code}, {departement})"
    return f"{name} ({level_name} {code})"


def territory_option(value: str, lang: str) -> dict | None:
    parts = split_value(value)
    if parts is None:
        return None
    row = store.territory(*parts)
    if row is None:
        return None
    return {"label": territory_label(parts[0], parts[1], row["name"], lang, row.get("departement")),
            "value": value}


def search_options(text: str, lang: str, levels: tuple[str, ...] | None = None,
                   limit: int = MAX_OPTIONS) -> list[dict]:
    """Options matching `text`, best matches first, across the allowed levels."""
    from atlas.territories import search

    if not text or len(text.strip()) < MIN_QUERY_LENGTH:
        return []
    found = search(store.territories(), text, limit=limit * 2)
    options = []
    for row in found.itertuples(index=False):
        if levels and row.level not in levels:
            continue
        if row.level not in config.LEVELS:
            continue
        options.append({
            "label": territory_label(row.level, row.code, row.name, lang, getattr(row, "departement", None)),
            "value": f"{row.level}:{row.code}",
        })
        if len(options) >= limit:
            break
    return options


def territory_dropdown(component_id: str, lang: str, value=None, multi: bool = False,
                       placeholder_key: str = "common.search_territory") -> dcc.Dropdown:
    """Build the dropdown, with the currently selected territories as its first options."""
    selected = value if isinstance(value, list) else ([value] if value else [])
    options = [option for option in (territory_option(v, lang) for v in selected) if option]
    return dcc.Dropdown(
        id=component_id, options=options, value=value, multi=multi, searchable=True,
        clearable=True, placeholder=t(placeholder_key, lang), optionHeight=44,
        search_value="", className="territory-search", labels=dropdown_labels(lang),
    )


def register_territory_search(component_id: str, levels: tuple[str, ...] | None = None,
                              url_id: str = "shell-url") -> None:
    """Register the callback that fills the options of `component_id` while the user types."""

    @callback(
        Output(component_id, "options"),
        Input(component_id, "search_value"),
        State(component_id, "value"),
        State(url_id, "search"),
        prevent_initial_call=True,
    )
    def update_options(search_value, value, url_search):
        if not search_value or len(search_value.strip()) < MIN_QUERY_LENGTH:
            return no_update
        lang = normalize_lang(parse_search(url_search).get("lang"))
        selected = value if isinstance(value, list) else ([value] if value else [])
        kept = [option for option in (territory_option(v, lang) for v in selected) if option]
        kept_values = {option["value"] for option in kept}
        found = [option for option in search_options(search_value, lang, levels)
                 if option["value"] not in kept_values]
        return kept + found
