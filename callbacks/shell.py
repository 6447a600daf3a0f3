"""Header and document language, driven by the URL."""

from __future__ import annotations

from dash import Input, Output, clientside_callback, callback, dcc

from atlas.i18n import normalize_lang, t
from atlas.urlstate import build_href, parse_search
from layouts.shell import NAV_ITEMS


def nav_links(pathname: str, lang: str) -> list:
    """Navigation links of the header; the current one gets `is-current` (and aria-current in the browser)."""
    links = []
    for path, key in NAV_ITEMS:
        current = pathname == path or (path == "/portraits" and (pathname or "").startswith("/portrait"))
        links.append(dcc.Link(t(key, lang), href=build_href(path, {"lang": lang}),
                              className="shell-nav-link" + (" is-current" if current else "")))
    return links


def language_switch_href(pathname: str, search: str, lang: str) -> str:
    """The current URL with the other language."""
    params = parse_search(search)
    params["lang"] = "en" if lang == "fr" else "fr"
    return build_href(pathname or "/", params)


@callback(
    Output("shell-nav", "children"),
    Output("shell-lang-switch", "href"),
    Output("shell-lang-switch", "children"),
    Output("shell-lang-switch", "lang"),
    Output("shell-lang-switch", "title"),
    Output("shell-title", "children"),
    Output("shell-tagline", "children"),
    Output("shell-home-link", "href"),
    Output("shell-skip-link", "children"),
    Output("shell-footer-text", "children"),
    Output("shell-nav", "aria-label"),
    Input("shell-url", "pathname"),
    Input("shell-url", "search"),
)
def render_header(pathname, search):
    lang = normalize_lang(parse_search(search).get("lang"))
    return (
        nav_links(pathname or "/", lang),
        language_switch_href(pathname, search, lang),
        t("common.lang_switch", lang),
        "en" if lang == "fr" else "fr",
        t("common.lang_switch_label", lang),
        t("common.site_title", lang),
        t("common.site_tagline", lang),
        build_href("/", {"lang": lang}),
        t("common.skip_to_content", lang),
        t("common.footer_text", lang),
        t("common.nav_label", lang),
    )


# The document language follows the URL so that screen readers pronounce the page correctly.
# dcc.Link takes no aria attributes, so the current link is marked here once the nav is drawn.
clientside_callback(
    """
    function(nav, search) {
        const params = new URLSearchParams(search || "");
        document.documentElement.lang = params.get("lang") === "en" ? "en" : "fr";
        document.querySelectorAll(".shell-nav-link").forEach(function(link) {
            if (link.classList.contains("is-current")) { link.setAttribute("aria-current", "page"); }
            else { link.removeAttribute("aria-current"); }
        });
        return window.dash_clientside.no_update;
    }
    """,
    Output("shell-lang-sink", "data"),
    Input("shell-nav", "children"),
    Input("shell-url", "search"),
)
