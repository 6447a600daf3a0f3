"""Page Carte (being built)."""

from __future__ import annotations

import dash
from dash import html

from atlas.i18n import normalize_lang, t
from layouts.components.page import page_header

dash.register_page(__name__, path="/", name="Carte", order=0)


def layout(**params):
    lang = normalize_lang(params.get("lang"))
    return html.Div(page_header(t("common.nav_carte", lang), page_id="carte"), className="page page-carte")
