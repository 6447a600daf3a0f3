"""The page shown for an address that matches no page."""

from __future__ import annotations

import dash
from dash import dcc, html

from atlas.i18n import normalize_lang, t
from atlas.urlstate import build_href

dash.register_page(__name__, path="/404", name="404")


def layout(**params):
    lang = normalize_lang(params.get("lang"))
    return html.Div(className="page page-404", children=[
        html.H1(t("common.not_found_title", lang), id="notfound-title"),
        html.P(t("common.not_found_text", lang)),
        dcc.Link(t("common.back_home", lang), href=build_href("/", {"lang": lang}), className="button"),
    ])
