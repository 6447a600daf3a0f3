"""The frame around every page: skip link, header with navigation and language switch, footer.

The header is rendered by `callbacks.shell` from the URL, so that its labels follow the
language and its links keep the `lang` parameter.
"""

from __future__ import annotations

import dash
from dash import dcc, html

from atlas.i18n import t

# Navigation entries: (page path, message key). Order is the menu order.
NAV_ITEMS = (
    ("/", "common.nav_carte"),
    ("/comparer", "common.nav_comparer"),
    ("/evolution", "common.nav_evolution"),
    ("/portraits", "common.nav_portraits"),
    ("/donnees", "common.nav_donnees"),
    ("/a-propos", "common.nav_apropos"),
)

INDEX_STRING = """<!DOCTYPE html>
<html lang="fr">
    <head>
        {%metas%}
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


def shell_layout():
    """Top-level layout; `dash.page_container` holds the current page."""
    lang = "fr"
    return html.Div(className="shell", children=[
        dcc.Location(id="shell-url", refresh="callback-nav"),
        dcc.Store(id="shell-lang-sink"),
        html.A(t("common.skip_to_content", lang), href="#shell-main", className="skip-link",
               id="shell-skip-link"),
        html.Header(className="shell-header", role="banner", children=[
            dcc.Link(id="shell-home-link", href="/", className="shell-brand", children=[
                html.Span(t("common.site_title", lang), id="shell-title", className="shell-title"),
                html.Span(t("common.site_tagline", lang), id="shell-tagline", className="shell-tagline"),
            ]),
            html.Nav(id="shell-nav", className="shell-nav", **{"aria-label": t("common.nav_label", lang)}),
            html.A(t("common.lang_switch", lang), id="shell-lang-switch", href="?lang=en",
                   className="shell-lang", lang="en", title=t("common.lang_switch_label", lang)),
        ]),
        html.Main(id="shell-main", className="shell-main", tabIndex="-1", children=dash.page_container),
        html.Footer(className="shell-footer", children=html.P(t("common.footer_text", lang), id="shell-footer-text")),
    ])
