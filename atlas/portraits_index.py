"""Data of the portraits index: the régions map (overseas in insets) and the région list."""

from __future__ import annotations

import logging

import plotly.graph_objects as go

from atlas import store
from atlas.cache import memoize
from atlas.charts import SERIES_COLORS, base_layout
from atlas.geo import DROM, to_display_geometry
from atlas.portrait_figures import _geometry, _path

log = logging.getLogger(__name__)

FILL = "#c9d8ee"


def regions_with_departements() -> list[dict]:
    """Régions sorted by name, each with its départements sorted by code."""
    territories = store.territories()
    departements = territories[territories["level"] == "departement"]
    regions = territories[territories["level"] == "region"].sort_values("name")
    return [{
        "code": region.code, "name": region.name,
        "departements": departements[departements["region"] == region.code]
        .sort_values("code")[["code", "name"]].to_dict("records"),
    } for region in regions.itertuples(index=False)]


def _overseas_departement(region_code: str) -> str | None:
    """The single overseas département of an overseas région, or None for other régions."""
    departements = store.territories_of("departement")
    codes = departements.loc[departements["region"] == region_code, "code"].tolist()
    return codes[0] if len(codes) == 1 and codes[0] in DROM else None


@memoize()
def regions_map(lang: str) -> tuple[go.Figure | None, list[str]]:
    """A clickable map of the régions (one trace each) and the région code of each trace."""
    regions = _geometry("region")
    if regions is None:
        return None, []
    names = dict(zip(store.territories_of("region")["code"], store.territories_of("region")["name"]))
    fig = go.Figure()
    codes = []
    for row in regions.sort_values("code").itertuples(index=False):
        geometry = row.geometry
        departement = _overseas_departement(row.code)
        if departement:
            geometry = to_display_geometry(geometry, departement)
        xs, ys = _path([geometry], 0.02)
        fig.add_trace(go.Scatter(
            x=xs, y=ys, mode="lines", fill="toself", fillcolor=FILL, hoveron="fills",
            line={"color": "#ffffff", "width": 1}, name=names.get(row.code, row.code),
            hoverinfo="name", showlegend=False,
        ))
        codes.append(row.code)
    layout = base_layout(lang, height=520)
    layout.update(margin={"l": 0, "r": 0, "t": 0, "b": 0}, hoverlabel={"bgcolor": SERIES_COLORS[0]})
    fig.update_layout(**layout)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1.45)
    return fig, codes
