"""Page À propos: what the atlas is for, who it serves, licence and accessibility."""

from __future__ import annotations

import dash
from dash import html

from atlas.i18n import t
from atlas.urlstate import StateParser
from layouts.components.page import invalid_params_notice, page_header

dash.register_page(__name__, path="/a-propos", name="À propos", order=5)


def _section(lang: str, title_key: str, *paragraph_keys: str, as_list: bool = False) -> html.Section:
    texts = [t(f"apropos.{key}", lang) for key in paragraph_keys]
    body = html.Ul([html.Li(text) for text in texts]) if as_list else [html.P(text) for text in texts]
    return html.Section([html.H2(t(f"apropos.{title_key}", lang)), *([body] if as_list else body)],
                        className="card apropos-section")


def layout(**params):
    parser = StateParser(params, "apropos")
    lang = parser.lang
    return html.Div(className="page page-apropos", children=[
        page_header(t("apropos.title", lang), page_id="apropos"),
        invalid_params_notice(parser.invalid, lang, "apropos"),
        _section(lang, "purpose_title", "purpose_text"),
        _section(lang, "users_title", "users_drac", "users_research", "users_pros", as_list=True),
        _section(lang, "pages_title", "page_carte", "page_comparer", "page_evolution", "page_portraits", as_list=True),
        _section(lang, "accessibility_title", "accessibility_text"),
        _section(lang, "licence_title", "licence_text"),
    ])
