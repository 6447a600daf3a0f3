"""Callbacks of the Comparer page: each control writes the query string, nothing else.

The page is rebuilt from the URL by `layouts.comparer.layout` (the shell's location uses
`refresh="callback-nav"`), so the URL is the only state and a reload shows the same view.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from dash import ALL, Input, Output, State, callback, ctx, no_update

from atlas.compare import (parse_params, to_query, with_indicators, with_reference, with_sort,
                           with_territories)
from atlas.urlstate import build_href, parse_search
from layouts.components.territory_search import register_territory_search, split_value

log = logging.getLogger(__name__)

register_territory_search("comparer-territories")


def next_search(search: str | None, trigger, value) -> str | None:
    """Return the query string after a change of the control `trigger` to `value`.

    None when the change leaves the state as it is (no new history entry then).
    """
    params = parse_params(parse_search(search))
    if trigger == "comparer-territories":
        items = [split_value(item) for item in (value or []) if isinstance(item, str)]
        updated = with_territories(params, [item for item in items if item is not None])
    elif trigger == "comparer-indicators":
        updated = with_indicators(params, [item for item in (value or []) if isinstance(item, str)])
    elif trigger == "comparer-ref":
        updated = with_reference(params, value)
    elif trigger == "comparer-map-indicator":
        updated = replace(params, map_indicator=value, invalid=()) if value in params.indicators else params
    elif isinstance(trigger, dict) and trigger.get("type") == "comparer-sort":
        updated = with_sort(params, str(trigger.get("key")))
    elif isinstance(trigger, dict) and trigger.get("type") == "comparer-remove":
        removed = str(trigger.get("key"))
        updated = with_territories(params, [item for item in params.territories
                                            if f"{item[0]}:{item[1]}" != removed])
    else:
        return None
    search_after = build_href("", to_query(updated)) or "?"
    before = build_href("", to_query(params)) or "?"
    return None if search_after == before else search_after


@callback(
    Output("shell-url", "search", allow_duplicate=True),
    Input("comparer-territories", "value"),
    Input("comparer-indicators", "value"),
    Input("comparer-ref", "value"),
    Input({"type": "comparer-sort", "key": ALL}, "n_clicks"),
    Input({"type": "comparer-remove", "key": ALL}, "n_clicks"),
    State("shell-url", "search"),
    prevent_initial_call=True,
)
def update_query(territories, indicators, ref, sort_clicks, remove_clicks, search):
    trigger = ctx.triggered_id
    if isinstance(trigger, dict) and not (ctx.triggered and ctx.triggered[0].get("value")):
        return no_update  # a button that appeared, not one that was clicked
    value = {"comparer-territories": territories, "comparer-indicators": indicators,
             "comparer-ref": ref}.get(trigger) if isinstance(trigger, str) else None
    result = next_search(search, trigger, value)
    return no_update if result is None else result


@callback(
    Output("shell-url", "search", allow_duplicate=True),
    Input("comparer-map-indicator", "value"),
    State("shell-url", "search"),
    prevent_initial_call=True,
)
def update_map_indicator(indicator, search):
    result = next_search(search, "comparer-map-indicator", indicator)
    return no_update if result is None else result
