"""Data of the map page: values aligned to the browser geometry, classes, legend, ranking.

The browser draws each level from a geobuf file whose features are the territories of the level
sorted by code (`client/<level>.pbf`, or `client/commune-<dep>.pbf` for one département). The
payload sent on each indicator, year or classification change holds only one class character
and one rounded value per feature, in that order, and never the geometry.

Class string: character `chr(48 + i)` is class i (so "0".."8" for up to 9 classes, further
characters for categories); statuses other than `ok` use the letters of `STATUS_CODES`.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from atlas import config, geo, store
from atlas.cache import memoize
from atlas.catalogue import Indicator, load_catalogue
from atlas.classify import (
    STATUS_STYLES, Classification, class_colors, classify, classify_categories, method_label,
)
from atlas.formatting import format_value
from atlas.i18n import localized, t
from atlas.mapstate import MapState, parse_scope

log = logging.getLogger(__name__)

STATUS_CODES = {"missing": "m", "secret": "s", "not_published": "p", "not_applicable": "n"}
FIRST_CLASS_CHAR = 48  # "0"
# Territories of each level listed under a selected territory, largest first.
PARENT_LEVELS = ("region", "departement", "zone_emploi", "epci", "aav")


@dataclass(frozen=True)
class GeometrySource:
    """Geobuf file that draws a level, and the départements of it to keep (région scope)."""

    name: str
    departements: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """Identifies the set of features, so the browser can tell a payload matches its layer."""
        return self.name + (":" + ",".join(self.departements) if self.departements else "")


def inset_frames() -> list[dict]:
    """Return the frames of the overseas insets (name, west, south, east, north, display lon/lat).

    They are read from the insets file written with the geometry, so they match its features.
    The frames of `atlas.geo` are the fallback.
    """
    path = store.build_dir() / "client" / "insets.json"
    try:
        items = json.loads(path.read_text(encoding="utf-8"))["insets"]
        return [{"code": item["departement"], "name": item["name"], "frame": [float(v) for v in item["frame"]]}
                for item in items]
    except (OSError, KeyError, ValueError, TypeError) as error:
        log.warning("inset frames not read from %s (%s); frames of atlas.geo used", path, error)
        return [{"code": inset.departement, "name": inset.name, "frame": list(inset.frame)}
                for inset in geo.INSETS.values()]


def departements_of_region(region: str) -> tuple[str, ...]:
    deps = store.territories_of("departement")
    return tuple(deps.loc[deps["region"] == region, "code"].tolist())


def geometry_source(level: str, scope: str | None) -> GeometrySource:
    """Return the geometry file of `level`.

    A département scope uses its own commune file; a région scope uses the national commune
    file filtered to the région's départements.
    """
    parsed = parse_scope(scope) if level == "commune" else None
    if parsed is None:
        return GeometrySource(level)
    scope_level, code = parsed
    if scope_level == "departement":
        return GeometrySource(f"commune-{code}")
    return GeometrySource("commune", departements_of_region(code))


def level_frame(indicator_id: str, level: str, year: int, scope: str | None = None) -> pd.DataFrame:
    """Values of the level in the order of the geometry features (code, name, value, status,
    category), restricted to the scope for commune maps."""
    frame = store.indicator_values(indicator_id, level, int(year))
    parsed = parse_scope(scope) if level == "commune" else None
    if parsed is not None:
        territories = store.territories_of("commune")
        inside = set(territories.loc[territories[parsed[0]] == parsed[1], "code"])
        frame = frame[frame["code"].isin(inside)].reset_index(drop=True)
    return frame


def _ok_values(frame: pd.DataFrame) -> np.ndarray:
    values = pd.to_numeric(frame["value"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan).copy()
    values[(frame["status"] != "ok").to_numpy()] = np.nan
    return values


def class_string(classes: np.ndarray, statuses: pd.Series) -> str:
    """Encode one character per feature: its class, or its status when not ok."""
    classes = np.asarray(classes)
    codes = np.where(classes >= 0, classes + FIRST_CLASS_CHAR, ord(STATUS_CODES["missing"])).astype(np.uint8)
    status = statuses.astype("object").to_numpy()
    for name, letter in STATUS_CODES.items():
        codes[(classes < 0) & (status == name)] = ord(letter)
    return codes.tobytes().decode("ascii")


def rounded_values(values: np.ndarray, decimals: int) -> str:
    """Values rounded for display, comma-separated, empty where not ok ("12,,3.5").

    One string rather than a list: it serialises and parses much faster for 35,000 values.
    """
    digits = max(int(decimals), 0)
    missing = np.isnan(values).tolist()
    rounded = np.round(np.where(np.isnan(values), 0.0, values), digits).tolist()
    return ",".join("" if gap else f"{value:.{digits}f}" for value, gap in zip(rounded, missing))


@dataclass(frozen=True)
class MapPayload:
    """Data the browser needs to repaint a choropleth, and the legend model."""

    data: dict
    legend: dict


def _legend_status_entries(statuses: pd.Series, lang: str) -> list[dict]:
    counts = statuses.astype("object").value_counts()
    entries = []
    for status, style in STATUS_STYLES.items():
        count = int(counts.get(status, 0))
        if count:
            entries.append({"status": status, "label": t(f"common.status_{status}", lang),
                            "count": count, "pattern": style["pattern"], "fill": style["fill"],
                            "line": style["line"]})
    return entries


def _numeric_classes(indicator: Indicator, frame: pd.DataFrame, state: MapState
                     ) -> tuple[Classification, list[str], list[str]]:
    values = _ok_values(frame)
    result = classify(values, state.method, state.k, list(state.breaks) or None)
    colors = class_colors(result, state.palette, indicator.palette.get("type", "sequential"))
    labels = result.labels(state.lang, indicator.decimals)
    return result, colors, labels


def build_payload(indicator: Indicator, frame: pd.DataFrame, state: MapState,
                  source: GeometrySource) -> MapPayload:
    """Classes, colours and rounded values of `frame` (in feature order) for the browser."""
    lang = state.lang
    statuses = frame["status"].astype("object")
    unit = indicator.unit_label(lang)
    status_entries = _legend_status_entries(statuses, lang)

    if indicator.is_categorical:
        codes = [str(category["code"]) for category in indicator.categories]
        categories = frame["category"].astype("object").where(statuses == "ok", None)
        classes, counts = classify_categories(categories.tolist(), codes)
        colors = [str(category.get("color") or "#999999") for category in indicator.categories]
        labels = [localized(category["label"], lang) for category in indicator.categories]
        values = "," * max(len(frame) - 1, 0)
        entries = [{"color": c, "label": lab, "count": n} for c, lab, n in zip(colors, labels, counts)]
        method_text = ""
        reduced = False
    else:
        result, colors, labels = _numeric_classes(indicator, frame, state)
        classes, counts = result.classes, result.counts
        values = rounded_values(_ok_values(frame), indicator.decimals)
        entries = [{"color": c, "label": lab, "count": n} for c, lab, n in zip(colors, labels, counts)]
        method_text = method_label(result.method, lang)
        reduced = result.reduced

    data = {
        "key": source.key,
        "n": int(len(frame)),
        "classes": class_string(np.asarray(classes), statuses),
        "values": values,
        "colors": colors,
        "labels": labels,
        "categorical": indicator.is_categorical,
        "decimals": indicator.decimals,
        "unit": unit,
        "locale": "fr-FR" if lang == "fr" else "en-GB",
        "status_labels": {letter: t(f"common.status_{name}", lang) for name, letter in STATUS_CODES.items()},
        "geometry_error": t("carte.geometry_error", lang),
    }
    legend = {
        "title": indicator.text("label", lang),
        "unit": unit,
        "year": state.year,
        "method": method_text,
        "entries": entries,
        "statuses": status_entries,
        "reduced": reduced,
        "total": int(len(frame)),
        "source": indicator.text("source", lang),
        "definition": indicator.text("definition", lang),
    }
    return MapPayload(data=data, legend=legend)


@memoize()
def cached_payload(indicator_id: str, level: str, year: int, scope: str | None, method: str,
                   k: int, breaks: tuple, palette: str | None, lang: str, stamp: str) -> MapPayload:
    """`build_payload` for primitive arguments, cached per build (`stamp`)."""
    indicator = load_catalogue().get(indicator_id)
    state = MapState(indicator=indicator_id, level=level, year=year, method=method, k=k,
                     breaks=tuple(breaks), palette=palette, scope=scope, lang=lang)
    frame = level_frame(indicator_id, level, year, scope)
    return build_payload(indicator, frame, state, geometry_source(level, scope))


def payload_for(state: MapState) -> MapPayload:
    return cached_payload(state.indicator, state.level, state.year, state.scope, state.method,
                          state.k, tuple(state.breaks), state.palette, state.lang, store.build_stamp())


def ranking(frame: pd.DataFrame, descending: bool = True) -> pd.DataFrame:
    """Rank of each territory by value (1 = highest by default); ties share the best rank and
    territories whose status is not ok have no rank."""
    ok = frame["status"].astype("object") == "ok"
    values = pd.to_numeric(frame["value"], errors="coerce").where(ok)
    ranks = values.rank(ascending=not descending, method="min")
    return frame.assign(rank=ranks.astype("Int64"))


def table_rows(indicator: Indicator, frame: pd.DataFrame, lang: str, sort_column: str = "rank",
               ascending: bool = True, page: int = 0, page_size: int = 20) -> tuple[list[dict], int]:
    """Return one page of the ranking table and the number of pages.

    Rows have rank, name, code and the formatted value (status labels where not ok); sorting by
    value or rank puts territories without a value last.
    """
    ranked = ranking(frame)
    ranked = ranked.assign(_value=pd.to_numeric(ranked["value"], errors="coerce")
                           .where(ranked["status"].astype("object") == "ok"))
    key = {"rank": "rank", "value": "_value", "name": "name", "code": "code"}.get(sort_column, "rank")
    ranked = ranked.sort_values([key, "code"], ascending=[ascending, True], na_position="last",
                                kind="stable")
    pages = max(1, math.ceil(len(ranked) / page_size))
    page = min(max(page, 0), pages - 1)
    chunk = ranked.iloc[page * page_size:(page + 1) * page_size]
    unit = indicator.unit_label(lang)
    rows = []
    for row in chunk.itertuples(index=False):
        if indicator.is_categorical:
            shown = (indicator.category_label(row.category, lang) if row.status == "ok"
                     else format_value(None, row.status, lang=lang))
        else:
            shown = format_value(row.value, row.status, unit, indicator.decimals, lang)
        rows.append({"rank": "" if pd.isna(row.rank) or indicator.is_categorical else int(row.rank),
                     "name": row.name, "code": row.code, "value": shown})
    return rows, pages


def territory_summary(indicator: Indicator, level: str, code: str, year: int, lang: str,
                      scope: str | None = None) -> dict | None:
    """Value, rank and parent values of one territory for the side panel; None if unknown."""
    row = store.territory(level, code)
    if row is None:
        return None
    frame = level_frame(indicator.id, level, year, scope)
    ranked = ranking(frame)
    match = ranked[ranked["code"] == code]
    if match.empty:
        return None
    item = match.iloc[0]
    rank = None if pd.isna(item["rank"]) or indicator.is_categorical else int(item["rank"])
    n_ranked = int(ranked["rank"].notna().sum())
    parents = []
    for parent_level in PARENT_LEVELS:
        parent_code = row.get(parent_level)
        if parent_level == level or not parent_code or (isinstance(parent_code, float) and math.isnan(parent_code)):
            continue
        parents.append(_reference_value(indicator, parent_level, str(parent_code), year, lang))
    parents.append(_reference_value(indicator, "france", config.FRANCE_CODE, year, lang))
    return {
        "code": code, "name": row["name"], "level": level,
        "value": _display(indicator, item["value"], item["status"], item.get("category"), lang),
        "status": item["status"], "rank": rank, "n_ranked": n_ranked,
        "parents": [p for p in parents if p is not None],
    }


def _display(indicator: Indicator, value, status, category, lang: str) -> str:
    if indicator.is_categorical and status == "ok":
        return indicator.category_label(category, lang)
    return format_value(value, status, indicator.unit_label(lang), indicator.decimals, lang)


def _reference_value(indicator: Indicator, level: str, code: str, year: int, lang: str) -> dict | None:
    territory = store.territory(level, code)
    if territory is None:
        return None
    if level not in indicator.levels:
        return None
    frame = store.indicator_values(indicator.id, level, int(year))
    match = frame[frame["code"] == code]
    if match.empty:
        shown = t("common.status_missing", lang)
    else:
        item = match.iloc[0]
        shown = _display(indicator, item["value"], item["status"], item.get("category"), lang)
    return {"level": level, "code": code, "name": territory["name"], "value": shown}
