"""Charts of a comparison: the profile of indices and one bar chart per indicator.

Built with `atlas.charts` (French separators, source note) from a `Comparison`, so the page and
the image exports draw the same figures. Every figure has a title with its unit and year. The
exported figures carry their source on the image (`notes=True`). On screen the page writes the
source under each chart instead, because HTML text wraps on a narrow screen.
"""

from __future__ import annotations

import math
import textwrap

import plotly.graph_objects as go

from atlas.charts import REFERENCE_COLOR, SERIES_COLORS, add_source_note, base_layout
from atlas.compare_text import gap_text, index_text, value_text
from atlas.formatting import format_number
from atlas.i18n import t

PARENT_COLOR = "#a7adb8"
STATUS_COLOR = "#4a5263"
MARKER_SYMBOLS = ("circle", "diamond", "square", "triangle-up", "triangle-down", "cross", "x", "star")
LABEL_WIDTH = 22  # characters per line of an indicator label on the profile's axis
TITLE_WIDTH = 34  # characters per line of a bar chart title
AXIS_LABEL_WIDTH = 18  # characters per line of a territory name on a bar chart axis
NOTE_WIDTH = 100  # characters per line of a source note written on an exported image
# Ticks of the index axis, from the narrowest range of indices to the widest.
INDEX_TICK_SETS = ((25, 50, 75, 100, 150, 200, 300, 400), (10, 20, 50, 100, 200, 500, 1000),
                   (1, 10, 100, 1000, 10000, 100000))
NOTE_SHIFT = -62  # pixels between the bottom of the plot and the source note


def column_label(column, lang: str) -> str:
    """Return the name shown on a chart, "Paris (commune)", because names repeat across levels."""
    if column.level == "france":
        return column.name
    return f"{column.name} ({t(f'comparer.level_short_{column.level}', lang)})"


def axis_label(column, lang: str) -> str:
    """`column_label` on lines of at most AXIS_LABEL_WIDTH characters, to leave room for the bars."""
    return wrap(column_label(column, lang), AXIS_LABEL_WIDTH)


def column_colors(comparison) -> dict[str, str]:
    """Return one colour per column, the same on every chart: selected territories in the
    qualitative palette, the common parent and France in greys."""
    colors = {}
    position = 0
    for column in comparison.columns:
        if column.role == "france":
            colors[column.key] = REFERENCE_COLOR
        elif column.role == "parent":
            colors[column.key] = PARENT_COLOR
        else:
            colors[column.key] = SERIES_COLORS[position % len(SERIES_COLORS)]
            position += 1
    return colors


def wrap(text: str, width: int) -> str:
    """Break `text` into lines of at most `width` characters, joined by <br> for plotly."""
    return "<br>".join(textwrap.wrap(text, width)) or text


def sources_text(rows, lang: str) -> str:
    """"Source, years" for the indicators of `rows`, each source named once."""
    years_by_source: dict[str, list[int]] = {}
    for row in rows:
        years = years_by_source.setdefault(row.indicator.text("source", lang), [])
        if row.year is not None and row.year not in years:
            years.append(row.year)
    parts = [f"{source}, {', '.join(str(y) for y in sorted(years))}" if years else source
             for source, years in years_by_source.items()]
    return (" ; " if lang == "fr" else "; ").join(parts)


def add_notes(fig: go.Figure, rows, lang: str, extra: str | None = None) -> None:
    """Write the source and year of `rows` (and an `extra` note) under the plot, and make room.

    One indicator uses `charts.add_source_note`; several list each source once with its years.
    """
    if len(rows) == 1 and not extra:
        row = rows[0]
        add_source_note(fig, row.indicator.text("source", lang), row.year, lang, max_chars=NOTE_WIDTH)
        note = fig.layout.annotations[-1]
        note.yshift = NOTE_SHIFT
        lines = note.text.count("<br>") + 1
    else:
        text = wrap(t("comparer.sources_multiple", lang, sources=sources_text(rows, lang))
                    + " · " + t("common.site_title", lang), NOTE_WIDTH)
        if extra:
            text += "<br>" + wrap(extra, NOTE_WIDTH)
        fig.add_annotation(text=text, xref="paper", yref="paper", x=0, y=0, yshift=NOTE_SHIFT,
                           xanchor="left", yanchor="top", showarrow=False, align="left",
                           font={"size": 10, "color": STATUS_COLOR})
        lines = text.count("<br>") + 1
    fig.update_layout(margin={"b": 70 + 14 * lines})


def profile_rows(comparison) -> list:
    """Rows that have at least one index to draw, in table order."""
    return [row for row in comparison.rows if any(cell.gap.index is not None and cell.gap.index > 0
                                                  for cell in row.cells.values())]


def profile_left_out(comparison, lang: str) -> list[str]:
    """Labels of the indicators that have no index, so are missing from the profile."""
    drawn = {row.indicator.id for row in profile_rows(comparison)}
    return [row.indicator.text("label", lang) for row in comparison.rows if row.indicator.id not in drawn]


def _index_axis(indices: list[float], lang: str) -> dict:
    """Return a log axis covering the indices and at least 50 to 200, ticked at round indices."""
    low = min(min(indices), 50.0)
    high = max(max(indices), 200.0)
    decades = math.log10(high / low)
    if decades <= 1.2:
        tick_set = INDEX_TICK_SETS[0]
    elif decades <= 2.2:
        tick_set = INDEX_TICK_SETS[1]
    else:
        tick_set = INDEX_TICK_SETS[2]
    ticks = [value for value in tick_set if low / 1.3 <= value <= high * 1.3]
    return {"type": "log", "range": [math.log10(low) - 0.08, math.log10(high) + 0.08],
            "tickvals": ticks, "ticktext": [index_text(value, lang) for value in ticks],
            "showgrid": True, "gridcolor": "#e5e7eb", "zeroline": False}


def profile_series(comparison) -> list[tuple[object, str, str]]:
    """Return the columns drawn on the profile (all but the reference) with their colour and
    marker symbol, in legend order."""
    colors = column_colors(comparison)
    others = [column for column in comparison.columns if column.key != comparison.reference.key]
    return [(column, colors[column.key], MARKER_SYMBOLS[position % len(MARKER_SYMBOLS)])
            for position, column in enumerate(others)]


def profile_figure(comparison, notes: bool = True) -> go.Figure | None:
    """Indices of every territory against the reference, one line per indicator (log scale).

    Rows without any index (categories, counts compared across levels, missing references) are
    left out; `notes` names them under the plot with the sources. None when no row has an index.
    """
    lang = comparison.params.lang
    reference = comparison.reference
    rows = profile_rows(comparison)
    if not rows:
        return None
    # Plotly draws the first category at the bottom: reverse to keep the table order.
    ordered = rows[::-1]
    tick_values = [row.indicator.id for row in ordered]
    tick_text = [wrap(row.indicator.text("label", lang), LABEL_WIDTH) for row in ordered]

    fig = go.Figure()
    indices = []
    series = profile_series(comparison)
    for column, color, symbol in series:
        xs, ys, hover = [], [], []
        for row in ordered:
            cell = row.cells[column.key]
            if cell.gap.index is None or cell.gap.index <= 0:
                continue
            xs.append(cell.gap.index)
            ys.append(row.indicator.id)
            hover.append(t("comparer.profile_hover", lang, name=column_label(column, lang),
                           indicator=row.indicator.text("label", lang),
                           value=value_text(row.indicator, cell.value, cell.status, cell.category, lang),
                           index=index_text(cell.gap.index, lang)))
        indices.extend(xs)
        fig.add_trace(go.Scatter(
            x=xs, y=ys, mode="markers", name=column_label(column, lang),
            marker={"color": color, "size": 13, "symbol": symbol, "line": {"color": "#ffffff", "width": 1}},
            hovertext=hover, hoverinfo="text",
        ))

    legend_rows = math.ceil(len(series) / 2) if notes else 0
    layout = base_layout(lang, title=t("comparer.profile_title", lang, reference=reference.name),
                         height=190 + 48 * len(rows) + 22 * legend_rows)
    layout["title"].update({"subtitle": {"text": t("comparer.profile_subtitle", lang, reference=reference.name)},
                            "yref": "container", "y": 0.99, "yanchor": "top"})
    # Exported images have a known width: the legend sits between the title and the plot and
    # plotly widens the top margin to fit it. On screen the page writes the legend in HTML,
    # which wraps on a narrow screen where a plotly legend would cover the title.
    layout["legend"] = {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom"}
    layout["showlegend"] = notes
    layout["margin"].update({"t": 110 if notes else 70, "b": 50})
    fig.update_layout(**layout)
    fig.update_xaxes(**_index_axis(indices, lang))
    fig.update_yaxes(type="category", tickvals=tick_values, ticktext=tick_text, automargin=True,
                     categoryorder="array", categoryarray=tick_values, showgrid=True, gridcolor="#f0f1f4")
    fig.add_vline(x=100, line={"color": REFERENCE_COLOR, "width": 2, "dash": "dash"})
    if notes:
        left_out = profile_left_out(comparison, lang)
        extra = t("comparer.profile_not_shown", lang, labels=", ".join(left_out)) if left_out else None
        add_notes(fig, rows, lang, extra)
    return fig


def _value_axis(values: list[float]) -> dict:
    """Return a linear axis from zero (or the lowest negative value) with room for the bar labels."""
    low = min([0.0, *values])
    high = max([0.0, *values])
    span = (high - low) or 1.0
    return {"range": [low - (0.35 * span if low < 0 else 0), high + 0.35 * span],
            "showgrid": True, "gridcolor": "#e5e7eb", "zeroline": True, "zerolinecolor": "#9ca3af",
            "exponentformat": "none", "separatethousands": True}


def bar_figure(comparison, row, notes: bool = True) -> go.Figure:
    """Draw one horizontal bar per territory for one indicator.

    A value that is not `ok` is written as its status where the bar would start (never drawn as
    zero), and a dashed line marks the reference value.
    """
    lang = comparison.params.lang
    indicator = row.indicator
    colors = column_colors(comparison)
    columns = list(comparison.columns)[::-1]  # first column on top
    keys = [column.key for column in columns]
    values, texts, bar_colors, hover = [], [], [], []
    for column in columns:
        cell = row.cells[column.key]
        ok = cell.status == "ok" and cell.value is not None
        label = value_text(indicator, cell.value, cell.status, cell.category, lang)
        values.append(cell.value if ok else None)
        # The unit is in the subtitle: the bar label is the number alone, to fit narrow screens.
        texts.append(format_number(cell.value, indicator.decimals, lang) if ok else "")
        bar_colors.append(colors[column.key])
        lines = [column_label(column, lang), label, gap_text(indicator, cell.gap, lang)]
        hover.append("<br>".join(line for line in lines if line))

    fig = go.Figure(go.Bar(
        x=values, y=keys, orientation="h", marker={"color": bar_colors}, text=texts,
        textposition="outside", cliponaxis=False, hovertext=hover, hoverinfo="text", showlegend=False,
    ))
    unit = indicator.unit_label(lang)
    year = row.year if row.year is not None else t("comparer.no_year", lang)
    subtitle = f"{unit}, {year}" if unit else str(year)
    title = wrap(indicator.text("label", lang), TITLE_WIDTH)
    layout = base_layout(lang, title=title, height=150 + 38 * len(columns) + 18 * title.count("<br>"))
    layout["title"]["subtitle"] = {"text": subtitle}
    layout["margin"].update({"t": 80 + 18 * title.count("<br>"), "r": 20, "b": 40})
    fig.update_layout(**layout)
    fig.update_yaxes(type="category", tickvals=keys, ticktext=[axis_label(c, lang) for c in columns],
                     automargin=True, categoryorder="array", categoryarray=keys)
    fig.update_xaxes(**_value_axis([v for v in values if v is not None]))

    for column, value in zip(columns, values):
        if value is None:
            status = row.cells[column.key].status
            fig.add_annotation(x=0, y=column.key, text=f"<i>{t(f'common.status_{status}', lang)}</i>",
                               xanchor="left", showarrow=False, font={"size": 11, "color": STATUS_COLOR})
    reference_cell = row.cells[comparison.reference.key]
    if reference_cell.status == "ok" and reference_cell.value is not None:
        fig.add_vline(x=reference_cell.value, line={"color": REFERENCE_COLOR, "width": 1.5, "dash": "dash"})
    if notes:
        add_notes(fig, [row], lang)
    return fig


def bar_rows(comparison) -> list:
    """Rows drawn as bar charts: every numeric indicator, in table order."""
    return [row for row in comparison.rows if not row.indicator.is_categorical]


def bar_figures(comparison, notes: bool = True) -> list[go.Figure]:
    return [bar_figure(comparison, row, notes) for row in bar_rows(comparison)]
