"""A download menu for any page whose state is in its URL.

The links point to `/export/<view>.<format>`; `assets/downloads.js` completes them with the
page's current query string at the moment they are used, so they always export what is on
screen, even after the page has rewritten its address without a Dash callback.
"""

from __future__ import annotations

import json

from dash import html

from atlas.i18n import t

# (message key, format, extra export parameters), in menu order.
DOWNLOADS = (
    ("downloads_png_note", "png", {"preset": "note"}),
    ("downloads_png_slide", "png", {"preset": "slide"}),
    ("downloads_svg", "svg", {}),
    ("downloads_pdf", "pdf", {}),
    ("downloads_csv_fr", "csv", {"sep": "fr"}),
    ("downloads_csv", "csv", {}),
    ("downloads_xlsx", "xlsx", {}),
)


def download_menu(view: str, page_id: str, lang: str) -> html.Details:
    """A disclosure listing every export of `view`; ids are prefixed with `page_id`."""
    links = []
    for key, file_format, extra in DOWNLOADS:
        query = "&".join(f"{name}={value}" for name, value in extra.items())
        links.append(html.Li(html.A(
            t(f"common.{key}", lang),
            href=f"/export/{view}.{file_format}" + (f"?{query}" if query else ""),
            className="download-link", target="_blank", rel="noopener",
            **{"data-export-view": view, "data-export-format": file_format,
               "data-export-params": json.dumps(extra)},
        )))
    return html.Details(id=f"{page_id}-downloads", className="downloads no-print", children=[
        html.Summary(t("common.downloads_title", lang), className="button button-secondary"),
        html.Ul(links, className="downloads-list"),
        html.P(t("common.downloads_help", lang), className="source-line"),
    ])
