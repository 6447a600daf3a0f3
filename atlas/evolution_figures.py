"""Figures of the Évolution view: the line chart of the series, for the page and the exports.

Missing years are NaN points with `connectgaps=False`, so the line stops there. A series break
or a vintage absent from the series also cuts the line, and a break gets a dashed vertical
mark just before the first year of the new definition. Hover texts are formatted by
`atlas.formatting`. Exported figures carry their title and source (`charts.add_source_note`).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from atlas.charts import REFERENCE_COLOR, SERIES_COLORS, add_source_note, base_layout
from atlas.evolution import break_applies
from atlas.evolution_gaps import cadence_gaps
from atlas.evolution_view import (EvolutionData, Line, build_evolution, level_years, measure_decimals,
                                  measure_label)
from atlas.formatting import format_number, format_value
from atlas.i18n import t

log = logging.getLogger(__name__)

REFERENCE_DASHES = {"parent": "dash", "france": "dot"}
BREAK_COLOR = "#8a5a00"


def _cut_line(years: list[int], values: list[float | None], texts: list[str],
                     breaks: list[int], gaps: list[tuple[int, int]] = ()) -> tuple[list, list, list]:
    """Insert a None point before each break year and between the vintages around each gap."""
    out_years, out_values, out_texts = [], [], []
    for i, year in enumerate(years):
        cut = i > 0 and (any(years[i - 1] < b <= year for b in breaks)
                         or any(years[i - 1] <= before and after <= year for before, after in gaps))
        if cut:
            out_years.append(year - 0.5)
            out_values.append(None)
            out_texts.append("")
        out_years.append(year)
        out_values.append(values[i])
        out_texts.append(texts[i])
    return out_years, out_values, out_texts


def _hover_texts(line: Line, data: EvolutionData, lang: str) -> list[str]:
    """Write one hover text per year: the measure, then the raw value or its status."""
    indicator = data.indicator
    decimals = measure_decimals(data)
    mode = data.state.mode
    texts = []
    for row in line.frame.itertuples(index=False):
        raw = format_value(row.value, row.status, indicator.unit_label(lang), indicator.decimals, lang)
        if mode == "raw":
            texts.append(raw)
            continue
        if pd.isna(row.measure):
            measure = t("evolution.not_computable", lang)
        elif mode == "annual_change":
            measure = t("evolution.rate_per_year", lang, rate=format_number(row.measure, decimals, lang))
        else:
            measure = format_number(row.measure, decimals, lang)
        parts = [measure, t("evolution.raw_value", lang, value=raw)]
        if mode == "per_inhabitant" and not pd.isna(row.population_year):
            parts.append(t("evolution.population_used", lang, year=int(row.population_year),
                           population=format_number(row.population, 0, lang)))
        texts.append("<br>".join(parts))
    return texts


def _trace(line: Line, data: EvolutionData, color: str, lang: str) -> go.Scatter:
    years = [int(y) for y in line.frame["year"]]
    values = [None if np.isnan(v) else float(v) for v in line.frame["measure"].astype("float64")]
    texts = _hover_texts(line, data, lang)
    breaks = [item["year"] for item in data.breaks if break_applies(item, [line.level])]
    gaps = cadence_gaps(level_years(data.state.indicator, line.level))
    x, y, text = _cut_line(years, values, texts, breaks, gaps)
    is_reference = line.role != "territory"
    name = line.name
    if is_reference:
        name = t(f"evolution.reference_{line.role}", lang, name=line.name)
    return go.Scatter(
        x=x, y=y, text=text, name=name, mode="lines+markers", connectgaps=False,
        line={"color": color, "width": 1.5 if is_reference else 2.5,
              "dash": REFERENCE_DASHES.get(line.role, "solid")},
        marker={"size": 4 if is_reference else 6, "color": color},
        hovertemplate="<b>%{fullData.name}</b><br>%{x}<br>%{text}<extra></extra>",
    )


def chart_title(data: EvolutionData, lang: str) -> str:
    label = data.indicator.text("label", lang)
    if data.state.mode == "raw":
        return label
    return f"{label} — {measure_label(data, lang)}"


def _add_breaks(fig: go.Figure, data: EvolutionData, lang: str) -> None:
    for item in data.breaks:
        fig.add_vline(x=item["year"] - 0.5, line={"color": BREAK_COLOR, "dash": "dash", "width": 1.5})
        # Written along the mark, inside the plot, so that it never runs into the mode bar.
        fig.add_annotation(x=item["year"] - 0.5, y=1, yref="paper", xanchor="right", yanchor="top",
                           textangle=-90, showarrow=False,
                           text=t("evolution.break_mark", lang, year=item["year"]),
                           font={"size": 10, "color": BREAK_COLOR}, hovertext=item["label"])


def line_chart(data: EvolutionData, lang: str | None = None, standalone: bool = True) -> go.Figure:
    """Draw every line of `data` with its breaks and baseline.

    A `standalone` figure (exports) carries its title and source note; the page shows both
    around the chart instead.
    """
    lang = lang or data.state.lang
    fig = go.Figure()
    for position, line in enumerate(data.territory_lines):
        fig.add_trace(_trace(line, data, SERIES_COLORS[position % len(SERIES_COLORS)], lang))
    for line in data.reference_lines:
        fig.add_trace(_trace(line, data, REFERENCE_COLOR, lang))

    layout = base_layout(lang, title=chart_title(data, lang) if standalone else None, height=460)
    layout["xaxis"] = {"title": {"text": t("common.year", lang)}, "tickformat": "d",
                       "showgrid": False, "zeroline": False}
    axis_title = measure_label(data, lang)
    # Full numbers with the language's grouping (2 000 000), never SI suffixes such as "2M".
    layout["yaxis"] = {"title": {"text": axis_title[:1].upper() + axis_title[1:]}, "gridcolor": "#e5e7eb",
                       "tickformat": ",.2~f",
                       "zeroline": False, "rangemode": "tozero" if data.state.mode == "raw" else "normal"}
    layout["hovermode"] = "closest"
    layout["margin"] = {**layout["margin"], "b": 130 if standalone else 70}
    layout["legend"] = {"orientation": "h", "y": -0.22, "x": 0}
    fig.update_layout(**layout)

    if data.state.mode == "index":
        fig.add_hline(y=100, line={"color": "#9ca3af", "width": 1})
    if data.state.mode == "annual_change":
        fig.add_hline(y=0, line={"color": "#9ca3af", "width": 1})
    _add_breaks(fig, data, lang)
    if standalone:
        period = f"{data.state.start}-{data.state.end}"
        add_source_note(fig, data.indicator.text("source", lang), period, lang)
        # Below the legend, which sits lower than in the shared layout to clear the year axis.
        fig.layout.annotations[-1].update(yshift=-100)
    return fig


def evolution_figures(params, lang: str | None = None) -> list[go.Figure]:
    """Figures of the view described by `params` (EvolutionParams or query dict), for exports."""
    data = build_evolution(params)
    return [line_chart(data, lang or data.state.lang)]
