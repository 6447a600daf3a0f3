"""Shared look of every plotly chart, on screen and in exports.

`base_layout` sets fonts, colours, margins and the number separators of the language (French
charts read 1 234,5). `add_source_note` writes the source and year on the figure itself, so
that an exported image keeps them.
"""

from __future__ import annotations

import textwrap

import plotly.graph_objects as go

from atlas.i18n import normalize_lang, t

FONT_FAMILY = "DejaVu Sans, system-ui, Arial, sans-serif"
# Colour-blind-safe qualitative palette (Okabe-Ito) for series and groups.
SERIES_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
REFERENCE_COLOR = "#6b7280"
# dcc.Graph settings of on-screen charts. Plotly's toolbar is hidden: its tooltips are English
# only and its "share" button would send the chart to an outside service; the pages offer their
# own downloads through the export routes.
GRAPH_CONFIG = {"displayModeBar": False, "displaylogo": False, "showSendToCloud": False,
                "showEditInChartStudio": False, "responsive": True}


def separators(lang: str | None) -> str:
    """Plotly `separators`: decimal mark then thousands separator."""
    return ", " if normalize_lang(lang) == "fr" else ".,"


def base_layout(lang: str | None, title: str | None = None, height: int = 420) -> dict:
    return {
        "title": {"text": title, "x": 0, "xref": "paper", "xanchor": "left", "font": {"size": 16}} if title else None,
        "font": {"family": FONT_FAMILY, "size": 12, "color": "#1d2330"},
        "separators": separators(lang),
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "height": height,
        "margin": {"l": 60, "r": 20, "t": 60 if title else 20, "b": 90},
        "colorway": list(SERIES_COLORS),
        "hoverlabel": {"font": {"family": FONT_FAMILY}},
        "legend": {"orientation": "h", "y": -0.18, "x": 0},
    }


def add_source_note(fig: go.Figure, source: str, year: object | None, lang: str | None,
                    max_chars: int = 90) -> go.Figure:
    """Write 'Source : ..., year' and the atlas name at the bottom left of the figure.

    Long source lists are wrapped at `max_chars` characters and the bottom margin grows to fit,
    so the note stays inside an exported image.
    """
    text = t("common.source_year", lang, source=source, year=year) if year is not None \
        else t("common.source", lang, source=source)
    lines = textwrap.wrap(f"{text} · {t('common.site_title', lang)}", width=max_chars) or [""]
    fig.add_annotation(
        text="<br>".join(lines),
        xref="paper", yref="paper", x=0, y=0, yshift=-70, xanchor="left", yanchor="top",
        showarrow=False, font={"size": 10, "color": "#4a5263"}, align="left",
    )
    bottom = (fig.layout.margin.b or 90) + 14 * (len(lines) - 1)
    fig.update_layout(margin={"b": bottom}, height=(fig.layout.height or 420) + 14 * (len(lines) - 1))
    return fig
