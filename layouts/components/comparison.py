"""Components of the Comparer page built from a `Comparison`: table, charts, small multiples.

They only lay out what `atlas.compare*` computed; every text comes from the message catalogue or
the indicator catalogue.
"""

from __future__ import annotations

from dash import dcc, html

from atlas.compare import ROLE_PARENT, ROLE_SELECTED, SORT_LABEL, Comparison
from atlas.compare_charts import (bar_figures, bar_rows, column_label, profile_figure, profile_left_out,
                                  profile_rows, profile_series, sources_text)
from atlas.compare_gaps import GAP_IS_REFERENCE, GAP_NOT_COMPARABLE, GAP_OK
from atlas.compare_maps import geometry_available, small_multiples
from atlas.compare_text import gap_text, value_text
from atlas.i18n import t
from atlas.charts import GRAPH_CONFIG
from layouts.components.page import source_line

MAP_CONFIG = {**GRAPH_CONFIG, "scrollZoom": False}

SORT_ICONS = {"none": "↕", "asc": "↑", "desc": "↓"}
# Characters that look like the plotly marker symbols, for the HTML legend of the profile.
SYMBOL_GLYPHS = {"circle": "●", "diamond": "◆", "square": "■", "triangle-up": "▲", "triangle-down": "▼",
                 "cross": "✚", "x": "✖", "star": "★"}


def _sort_state(comparison: Comparison, key: str) -> str:
    if comparison.params.sort != key:
        return "none"
    return comparison.params.order


def _sort_button(comparison: Comparison, key: str, label: str) -> html.Button:
    state = _sort_state(comparison, key)
    return html.Button(SORT_ICONS[state], id={"type": "comparer-sort", "key": key},
                       className="comparer-sort" + (" is-active" if state != "none" else ""),
                       title=label, **{"aria-label": label}, n_clicks=0)


def _aria_sort(comparison: Comparison, key: str) -> dict:
    state = _sort_state(comparison, key)
    return {"aria-sort": {"asc": "ascending", "desc": "descending"}[state]} if state != "none" else {}


def _column_header(comparison: Comparison, column) -> html.Th:
    lang = comparison.params.lang
    is_reference = column.key == comparison.reference.key
    badges = []
    if column.role == ROLE_PARENT:
        badges.append(html.Span(t("comparer.role_parent", lang), className="comparer-badge"))
    if is_reference:
        badges.append(html.Span(t("comparer.role_reference", lang), className="comparer-badge is-reference"))
    level = "" if column.level == "france" else f"{t(f'common.level_{column.level}', lang)} {column.code}"
    children = [html.Span(column.name, className="comparer-col-name"),
                html.Span(level, className="comparer-col-level"), *badges]
    buttons = []
    if not is_reference:
        buttons.append(_sort_button(comparison, column.key,
                                    t("comparer.sort_by_index", lang, name=column_label(column, lang))))
    if column.role == ROLE_SELECTED:
        label = t("comparer.remove_territory", lang, name=column_label(column, lang))
        buttons.append(html.Button("×", id={"type": "comparer-remove", "key": column.key}, n_clicks=0,
                                   className="comparer-remove", title=label, **{"aria-label": label}))
    if buttons:
        children.append(html.Span(buttons, className="comparer-col-buttons"))
    return html.Th(children, scope="col", className="num comparer-col" + (" is-reference" if is_reference else ""),
                   **_aria_sort(comparison, column.key))


def _cell(comparison: Comparison, row, column) -> html.Td:
    lang = comparison.params.lang
    cell = row.cells[column.key]
    text = value_text(row.indicator, cell.value, cell.status, cell.category, lang)
    gap = gap_text(row.indicator, cell.gap, lang)
    value_class = "comparer-value" + ("" if cell.status == "ok" else " status-text")
    gap_class = "comparer-gap" + (" is-ok" if cell.gap.status == GAP_OK else "")
    if cell.gap.index is not None and cell.gap.index > 100:
        gap_class += " is-above"
    elif cell.gap.index is not None and cell.gap.index < 100:
        gap_class += " is-below"
    children = [html.Span(text, className=value_class)]
    if gap and cell.gap.status not in (GAP_IS_REFERENCE, GAP_NOT_COMPARABLE):
        children.append(html.Span(gap, className=gap_class))
    return html.Td(children, className="num" + (" is-reference" if column.key == comparison.reference.key else ""))


def comparison_table(comparison: Comparison) -> html.Div:
    """Build the table: one row per indicator, one column per territory, values and gaps."""
    lang = comparison.params.lang
    reference = comparison.reference

    header = html.Tr([
        html.Th([html.Span(t("comparer.column_indicator", lang)),
                 _sort_button(comparison, SORT_LABEL, t("comparer.sort_by_label", lang))],
                scope="col", className="comparer-indicator-col", **_aria_sort(comparison, SORT_LABEL)),
        html.Th(t("comparer.column_year", lang), scope="col", className="num comparer-year-col"),
        *[_column_header(comparison, column) for column in comparison.columns],
    ])

    body = []
    for row in comparison.rows:
        indicator = row.indicator
        unit = indicator.unit_label(lang)
        not_comparable = any(cell.gap.status == GAP_NOT_COMPARABLE for cell in row.cells.values())
        year_text = str(row.year) if row.year else t("comparer.no_year", lang)
        body.append(html.Tr([
            html.Th([html.Span(indicator.text("label", lang), className="comparer-indicator-label"),
                     html.Span(unit, className="comparer-indicator-unit") if unit else None,
                     # On a phone the year column is hidden and the year follows the unit.
                     html.Span(year_text, className="comparer-row-year", **{"aria-hidden": "true"}),
                     html.Span(t("comparer.row_not_comparable", lang), className="comparer-row-note")
                     if not_comparable else None],
                    scope="row", title=indicator.text("definition", lang)),
            html.Td(year_text, className="num comparer-year-col"),
            *[_cell(comparison, row, column) for column in comparison.columns],
        ], id=f"comparer-row-{indicator.id}"))

    caption = t("comparer.table_caption", lang, reference=reference.name)
    # The caption is read by screen readers; its visible copy stays outside the scrolled area.
    table = html.Table([html.Caption(caption, className="visually-hidden"), html.Thead(header), html.Tbody(body)],
                       className="data-table comparer-table", id="comparer-table")
    reset = None
    if comparison.params.sort:
        reset = html.Button(t("comparer.sort_reset", lang), id={"type": "comparer-sort", "key": "catalogue"},
                            className="button button-secondary comparer-sort-reset", n_clicks=0)
    return html.Div([
        reset,
        html.P(caption, className="comparer-caption", **{"aria-hidden": "true"}),
        html.P(t("comparer.table_scroll_hint", lang), className="comparer-scroll-hint"),
        html.Div(table, className="table-scroll", role="region", tabIndex="0",
                 **{"aria-label": caption}),
    ], className="comparer-table-block")


def definitions(comparison: Comparison) -> html.Div:
    """Build the list of sources and the definition, source and year of every indicator."""
    lang = comparison.params.lang
    items = []
    for row in comparison.rows:
        indicator = row.indicator
        year = row.year if row.year else t("comparer.no_year", lang)
        items.append(html.Li([
            html.Strong(indicator.text("label", lang)), " — ",
            t("comparer.definition_item", lang, definition=indicator.text("definition", lang),
              source=indicator.text("source", lang), year=year),
            html.Span(f" {indicator.text('notes', lang)}", className="comparer-note") if indicator.notes else None,
        ]))
    return html.Div([
        html.P(t("comparer.sources_multiple", lang, sources=sources_text(comparison.rows, lang)),
               className="source-line"),
        html.Details([html.Summary(t("comparer.definitions_title", lang)), html.Ul(items)],
                     className="comparer-definitions", id="comparer-definitions"),
    ])


def _height(figure) -> dict:
    """Return the style that gives a responsive graph the height of its figure (its container has none)."""
    height = figure["layout"]["height"] if isinstance(figure, dict) else figure.layout.height
    return {"height": f"{height}px"}


def charts(comparison: Comparison) -> html.Div:
    """Build the profile chart, then one bar chart per indicator, each with its source underneath."""
    lang = comparison.params.lang
    blocks = [html.H2(t("comparer.profile_heading", lang), className="comparer-h2")]
    profile = profile_figure(comparison, notes=False)
    if profile is None:
        blocks.append(html.P(t("comparer.profile_empty", lang), className="notice notice-warning"))
    else:
        left_out = profile_left_out(comparison, lang)
        legend = html.Ul([html.Li([html.Span(SYMBOL_GLYPHS.get(symbol, "●"), style={"color": color},
                                             className="comparer-symbol", **{"aria-hidden": "true"}),
                                   column_label(column, lang)])
                          for column, color, symbol in profile_series(comparison)],
                         className="comparer-legend-list comparer-profile-legend")
        blocks.append(html.Figure([
            dcc.Graph(id="comparer-profile", figure=profile, config=GRAPH_CONFIG, className="comparer-graph",
                      style=_height(profile)),
            html.Figcaption([
                legend,
                html.P(t("comparer.sources_multiple", lang, sources=sources_text(profile_rows(comparison), lang)),
                       className="source-line"),
                html.P(t("comparer.profile_not_shown", lang, labels=", ".join(left_out)), className="comparer-note")
                if left_out else None,
            ]),
        ], className="comparer-chart"))

    blocks.append(html.H2(t("comparer.bars_heading", lang), className="comparer-h2"))
    bars = []
    for row, figure in zip(bar_rows(comparison), bar_figures(comparison, notes=False)):
        bars.append(html.Figure([
            dcc.Graph(id=f"comparer-bars-{row.indicator.id}", figure=figure, config=GRAPH_CONFIG,
                      className="comparer-graph", style=_height(figure)),
            html.Figcaption(source_line(row.indicator.text("source", lang),
                                        row.year if row.year is not None else t("comparer.no_year", lang),
                                        lang, row.indicator.text("definition", lang))),
        ], className="comparer-chart"))
    blocks.append(html.Div(bars, className="comparer-bars"))
    if any(row.indicator.is_categorical for row in comparison.rows):
        blocks.append(html.P(t("comparer.bars_categorical_note", lang), className="comparer-note"))
    return html.Div(blocks, id="comparer-charts")


def _legend(legend, lang: str) -> html.Div:
    entries = [html.Li([html.Span(className="comparer-swatch", style={"background": entry.color}),
                        entry.label]) for entry in legend.classes + legend.statuses]
    return html.Div([
        html.P(t("comparer.map_classes", lang, method=legend.method.lower()),
               className="comparer-legend-title"),
        html.Ul(entries, className="comparer-legend-list"),
    ], className="comparer-legend")


def maps(comparison: Comparison, indicator_dropdown) -> html.Div:
    """Build the small multiples of the map indicator, each map with the legend of its level."""
    lang = comparison.params.lang
    blocks = [html.H2(t("comparer.maps_heading", lang), className="comparer-h2"),
              html.Label(t("comparer.maps_indicator_label", lang), htmlFor="comparer-map-indicator",
                         className="control-label"),
              indicator_dropdown,
              html.P(t("comparer.maps_intro", lang), className="page-intro")]
    params = comparison.params
    if params.map_indicator is None:
        blocks.append(html.P(t("comparer.maps_no_indicator", lang), className="notice notice-warning"))
        return html.Div(blocks, id="comparer-maps")
    if not comparison.selected_columns:
        blocks.append(html.P(t("comparer.maps_none", lang), className="notice notice-warning"))
        return html.Div(blocks, id="comparer-maps")
    if not any(geometry_available(column.level) for column in comparison.selected_columns):
        blocks.append(html.P(t("comparer.maps_no_geometry", lang), className="notice notice-error"))
        return html.Div(blocks, id="comparer-maps")

    result = small_multiples(comparison)
    row = next(r for r in comparison.rows if r.indicator.id == params.map_indicator)
    indicator = row.indicator
    title = t("comparer.map_legend_title", lang, indicator=indicator.text("label", lang),
              unit=indicator.unit_label(lang) or "-", year=row.year or t("comparer.no_year", lang))
    blocks.append(html.H3(title, className="comparer-h3"))
    for level in result.unavailable:
        blocks.append(html.P(t("comparer.map_not_available", lang, indicator=indicator.text("label", lang),
                               level=t(f"common.level_{level}", lang)), className="notice notice-warning"))
    # Each map carries the legend of its level, so that a map is never read with another's classes.
    legends = {legend.level: _legend(legend, lang) for legend in result.legends}
    panels = [html.Figure([
        html.Figcaption(t("comparer.map_title", lang, name=panel.name)
                        + f" ({t(f'common.level_{panel.level}', lang)})"),
        dcc.Graph(id=f"comparer-map-{panel.key.replace(':', '-')}", figure=panel.figure, config=MAP_CONFIG,
                  className="comparer-map", style=_height(panel.figure)),
        legends.get(panel.level),
    ], className="comparer-map-panel") for panel in result.panels]
    blocks.append(html.Div(panels, className="comparer-maps-grid"))
    blocks.append(source_line(indicator.text("source", lang), row.year, lang, indicator.text("definition", lang)))
    return html.Div(blocks, id="comparer-maps")

