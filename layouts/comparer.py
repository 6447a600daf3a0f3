"""Page Comparer (being built)."""

from __future__ import annotations

import dash
from dash import html

from atlas.i18n import normalize_lang, t
from layouts.components.page import page_header

dash.register_page(__name__, path="/comparer", name="Comparer", order=0)


def layout(**params):
    lang = normalize_lang(params.get("lang"))
    return html.Div(page_header(t("common.nav_comparer", lang), page_id="comparer"), className="page page-comparer")
