"""Callbacks of the portraits index (navigation) and of a portrait page (print)."""

from __future__ import annotations

import logging

from dash import Input, Output, State, callback, clientside_callback, no_update

from atlas.i18n import normalize_lang
from atlas.urlstate import build_href, parse_search
from layouts.components.territory_search import register_territory_search, split_value

log = logging.getLogger(__name__)

register_territory_search("portraits-search")


def portrait_href(value: str | None, lang: str) -> str | None:
    """Address of the portrait of a `level:code` value, None when the value is malformed."""
    parts = split_value(value) if value else None
    if parts is None:
        return None
    return build_href(f"/portrait/{parts[0]}/{parts[1]}", {"lang": lang})


@callback(
    Output("portraits-location", "href"),
    Input("portraits-search", "value"),
    Input("portraits-map", "clickData"),
    State("portraits-map-codes", "data"),
    State("shell-url", "search"),
    prevent_initial_call=True,
)
def open_portrait(value, click, codes, search):
    """Go to the portrait of the territory picked in the search box or clicked on the map."""
    from dash import ctx

    lang = normalize_lang(parse_search(search).get("lang"))
    if ctx.triggered_id == "portraits-map":
        try:
            code = codes[click["points"][0]["curveNumber"]]
        except (TypeError, KeyError, IndexError):
            log.warning("portraits map click without a région: %r", click)
            return no_update
        return build_href(f"/portrait/region/{code}", {"lang": lang})
    return portrait_href(value, lang) or no_update


clientside_callback(
    """
    function(clicks) {
        if (clicks) { window.print(); }
        return window.dash_clientside.no_update;
    }
    """,
    Output("portrait-print", "title"),
    Input("portrait-print", "n_clicks"),
    prevent_initial_call=True,
)
