"""Building blocks every page uses: title block, notices, source lines."""

from __future__ import annotations

from dash import html

from atlas.i18n import t


def page_header(title: str, intro: str | None = None, page_id: str = "page") -> html.Div:
    children = [html.H1(title, id=f"{page_id}-title")]
    if intro:
        children.append(html.P(intro, className="page-intro"))
    return html.Div(children, className="page-header")


def invalid_params_notice(invalid: list[str], lang: str, page_id: str) -> html.Div | None:
    """A visible message listing URL parameters that were invalid and replaced by defaults."""
    if not invalid:
        return None
    return html.Div(
        [html.P(t("common.invalid_parameter", lang, name=name)) for name in invalid],
        id=f"{page_id}-notice", className="notice notice-warning", role="status",
    )


def source_line(source: str, year: object, lang: str, definition: str | None = None) -> html.Div:
    """The line under a chart: source and year, and the definition when given."""
    children = [html.Span(t("common.source_year", lang, source=source, year=year))]
    if definition:
        children.append(html.Details([html.Summary(t("common.definition", lang)), html.P(definition)]))
    return html.Div(children, className="source-line")


def store_missing_notice(lang: str, page_id: str) -> html.Div:
    return html.Div(t("common.no_data_build", lang), id=f"{page_id}-nodata",
                    className="notice notice-error", role="alert")
