"""The change map of the Évolution view: the change of every territory of a level between two years.

`change_frame` computes the change for a whole level at once, because the page maps up to
35 000 communes. It follows the conventions of `atlas.evolution.change_between`, which computes
the same change for one series: no value without both years `ok`, and no percent change from a
zero start (a test checks that both agree).

`change_map` classifies the changes with quantiles on each side of zero (`classify_change`), on
a diverging palette centred on zero, and returns what the browser needs to colour the geometry
and label it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from atlas import classify, store
from atlas.cache import memoize
from atlas.catalogue import load_catalogue
from atlas.evolution import nearest_vintage
from atlas.evolution_params import POPULATION_ID, EvolutionParams, change_in_points, indicator_years
from atlas.evolution_view import MAX_POPULATION_DISTANCE, level_years
from atlas.formatting import format_number, format_percent_change
from atlas.i18n import t

log = logging.getLogger(__name__)

# Quantile classes on each side of zero: 4 on the side of two thirds of the territories or
# more, 3 on the other (the smallest count `atlas.classify` makes).
CHANGE_CLASSES_MAJOR = 4
CHANGE_CLASSES_MINOR = 3
CHANGE_METHOD = "quantiles"
# Purple for decreases, orange for increases: neither side reads as good or bad news.
CHANGE_SCHEME = "PuOr"
NOT_COMPUTABLE = "not_computable"
NOT_COMPUTABLE_STYLE = {"fill": "#fcfcfc", "line": "#9ca3af", "pattern": "none"}
# Statuses of territories without a change, in the order of their negative map classes.
NO_VALUE_STATUSES = (*classify.STATUS_STYLES, NOT_COMPUTABLE)


def map_years(indicator_id: str, level: str, start: int, end: int) -> tuple[int, int] | None:
    """Return the first and last years of the level inside [start, end], or None if fewer than two."""
    years = level_years(indicator_id, level, start, end)
    if len(years) < 2:
        return None
    return years[0], years[-1]


def level_measure(indicator_id: str, level: str, year: int, per_inhabitant: bool = False) -> pd.DataFrame:
    """Return `code`, `name`, `value`, `status` of every territory of `level` in `year`.

    With `per_inhabitant`, `value` is divided by the population of the nearest vintage of the
    level (at most `MAX_POPULATION_DISTANCE` years away; otherwise the status is `missing`).
    """
    frame = store.indicator_values(indicator_id, level, year)[["code", "name", "value", "status"]].copy()
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype("float64")
    frame["value"] = frame["value"].where(frame["status"] == "ok")
    if not per_inhabitant:
        return frame
    vintage = nearest_vintage(year, indicator_years(POPULATION_ID, level))
    if vintage is None or abs(vintage - year) > MAX_POPULATION_DISTANCE:
        return frame.assign(value=np.nan, status="missing")
    population = store.indicator_values(POPULATION_ID, level, vintage)[["code", "value", "status"]]
    people = pd.to_numeric(population["value"], errors="coerce").where(population["status"] == "ok")
    people = pd.Series(people.to_numpy(), index=population["code"].to_numpy())
    divisor = frame["code"].map(people).astype("float64")
    divisor = divisor.where(divisor > 0)
    ratio = frame["value"] / divisor
    status = frame["status"].where(ratio.notna() | (frame["status"] != "ok"), "missing")
    return frame.assign(value=ratio, status=status)


def change_frame(indicator_id: str, level: str, start: int, end: int,
                 per_inhabitant: bool = False) -> pd.DataFrame:
    """Return the change of every territory of `level` from `start` to `end`.

    Columns: `code`, `name`, `start_value`, `end_value`, `status` (`ok` when both values are,
    else the status of the missing one), `absolute` and `percent` (NaN when undefined).
    """
    first = level_measure(indicator_id, level, start, per_inhabitant)
    last = level_measure(indicator_id, level, end, per_inhabitant)
    frame = first.rename(columns={"value": "start_value", "status": "start_status"}).merge(
        last[["code", "value", "status"]].rename(columns={"value": "end_value", "status": "end_status"}),
        on="code", how="left")
    frame["end_status"] = frame["end_status"].fillna("missing")
    both = frame["start_value"].notna() & frame["end_value"].notna()
    frame["absolute"] = (frame["end_value"] - frame["start_value"]).where(both)
    nonzero = both & (frame["start_value"] != 0)
    frame["percent"] = (frame["absolute"] / frame["start_value"] * 100.0).where(nonzero)
    frame["status"] = np.where(frame["start_status"] != "ok", frame["start_status"],
                               np.where(frame["end_status"] != "ok", frame["end_status"], "ok"))
    return frame[["code", "name", "start_value", "end_value", "status", "absolute", "percent"]]


@dataclass
class ChangeClasses:
    """Classes of changes: decreases, no change, increases, never mixed in one class."""

    classes: np.ndarray
    colors: list[str]
    labels: list[str]
    counts: list[int]


def _side_classes(count: int, share: float) -> int:
    """Classes for one side of zero: 4 for a side holding two thirds of the values, else 3."""
    if count == 0:
        return 0
    return CHANGE_CLASSES_MAJOR if share >= 2 / 3 else CHANGE_CLASSES_MINOR


def classify_change(values, lang: str, decimals: int) -> ChangeClasses:
    """Classify changes with quantiles on each side of zero, and colour them from the centre.

    Quantiles over all values would put small decreases and small increases in one class, so
    a territory that lost inhabitants could be drawn in the colour of growth. Decreases take
    the cool side of the diverging scheme, darker as they grow, increases the warm side, and
    exact zeros a neutral class of their own. Classes are listed from the lowest value; NaN
    values get class -1.
    """
    array = np.asarray(values, dtype="float64")
    ok = ~np.isnan(array)
    negative, zero, positive = ok & (array < 0), ok & (array == 0), ok & (array > 0)
    nonzero = int(negative.sum() + positive.sum()) or 1
    sides = []
    for mask in (negative, positive):
        k = _side_classes(int(mask.sum()), int(mask.sum()) / nonzero)
        sides.append(classify.classify(array[mask], CHANGE_METHOD, k) if k else None)

    below = sides[0].k if sides[0] else 0
    above = sides[1].k if sides[1] else 0
    half = max(below, above, 1)
    full = classify.palette(CHANGE_SCHEME, 2 * half + 1, "diverging")
    neutral = full[half]

    classes = np.full(len(array), -1, dtype="int16")
    colors, labels, counts = [], [], []
    if sides[0]:
        classes[negative] = sides[0].classes
        colors += full[half - below:half]
        labels += sides[0].labels(lang, decimals)
        counts += list(sides[0].counts)
    if zero.any():
        classes[zero] = len(colors)
        colors.append(neutral)
        labels.append(format_number(0, 0, lang))
        counts.append(int(zero.sum()))
    if sides[1]:
        classes[positive] = sides[1].classes + len(colors)
        colors += full[half + 1:half + 1 + above]
        labels += sides[1].labels(lang, decimals)
        counts += list(sides[1].counts)
    return ChangeClasses(classes, colors, labels, counts)


@dataclass
class ChangeMap:
    """Everything the page draws for the change map, and the legend that goes with it."""

    level: str
    start: int
    end: int
    metric: str
    hideout: dict
    legend: list[dict] = field(default_factory=list)
    status_legend: list[dict] = field(default_factory=list)
    title: str = ""
    message: str = ""


def format_change(value: float, metric: str, decimals: int, unit: str, lang: str,
                  points: bool = False) -> str:
    """Write a change with its sign: +3,2 %, −120 habitants, or +0,4 pt for a percentage."""
    if metric == "percent":
        return format_percent_change(value, lang)
    sign = "+" if value > 0 else ""
    number = f"{sign}{format_number(value, decimals, lang)}"
    if points:
        return t("evolution.points", lang, value=number)
    return f"{number}\u00a0{unit}" if unit else number


def change_map(state: EvolutionParams, per_inhabitant_factor: int = 1) -> ChangeMap:
    """Classify the change of every territory of `state.level` over the period of `state`.

    The hideout contains `classes` (code -> class; -1, -2... for a territory without a change,
    naming its status in `NO_VALUE_STATUSES`), `colors` (per class), `labels` (code -> hover
    text of the territories with a change), `statusFill` and `statusLabels` (per status) and
    `selected` (codes of the selected territories at this level, outlined on the map).
    """
    result = _level_change_map(state.indicator, state.level, state.start, state.end, state.mode,
                               state.change, state.lang, per_inhabitant_factor)
    selected = [code for level, code in state.territories if level == state.level]
    return replace(result, hideout={**result.hideout, "selected": selected})


@memoize()
def _level_change_map(indicator_id: str, level: str, start: int, end: int, mode: str, change: str,
                      lang: str, per_inhabitant_factor: int) -> ChangeMap:
    """Build the change map without the selection; cached on primitive arguments because the
    commune level (35 000 territories) is slow to classify and label."""
    indicator = load_catalogue().get(indicator_id)
    per_inhabitant = mode == "per_inhabitant"
    empty_hideout = {"classes": {}, "colors": [], "labels": {}, "selected": [],
                     "statusFill": [_status_style(status)["fill"] for status in NO_VALUE_STATUSES],
                     "statusLabels": [_status_label(status, lang) for status in NO_VALUE_STATUSES]}
    years = map_years(indicator_id, level, start, end)
    if years is None:
        return ChangeMap(level, start, end, change, empty_hideout,
                         message=t("evolution.map_no_years", lang, level=t(f"common.level_{level}", lang)))
    start, end = years

    frame = change_frame(indicator_id, level, start, end, per_inhabitant)
    values = frame["percent" if change == "percent" else "absolute"]
    scale = per_inhabitant_factor if per_inhabitant else 1
    if change == "absolute":
        values = values * scale
    decimals = indicator.decimals if not per_inhabitant else 2
    classes = classify_change(values.to_numpy(), lang, 1 if change == "percent" else decimals)
    unit = "" if per_inhabitant else indicator.unit_label(lang)

    # Territories without a change get a negative class naming their status (-1 missing,
    # -2 secret...), so the browser needs no label or status per territory for them.
    no_value = frame["status"].where(frame["status"] != "ok", NOT_COMPUTABLE).where(values.isna())
    class_of, labels = {}, {}
    for code, cls, value, status, first, last in zip(frame["code"], classes.classes, values, no_value,
                                                     frame["start_value"], frame["end_value"]):
        code = str(code)
        if pd.isna(value):
            class_of[code] = -1 - NO_VALUE_STATUSES.index(status)
            continue
        class_of[code] = int(cls)
        text = format_change(value, change, decimals, unit, lang, change_in_points(indicator))
        # NOTE: communes get no second line, which would double a hideout of about 1.5 MB.
        if level != "commune":
            text += "\n" + t("evolution.map_values", lang, start=start, end=end,
                              start_value=format_number(first * scale, decimals, lang),
                              end_value=format_number(last * scale, decimals, lang))
        labels[code] = text
    hideout = {**empty_hideout, "classes": class_of, "colors": classes.colors, "labels": labels}

    legend = [{"color": color, "label": label, "count": count}
              for color, label, count in zip(classes.colors, classes.labels, classes.counts)]
    statuses = no_value.dropna().to_list()
    status_legend = [{"status": status, "label": _status_label(status, lang), "count": statuses.count(status),
                      **_status_style(status)} for status in NO_VALUE_STATUSES if status in statuses]
    title_key = "evolution.map_title_percent" if change == "percent" else "evolution.map_title_absolute"
    title = t(title_key, lang, level=t(f"evolution.level_plural_{level}", lang), start=start, end=end)
    return ChangeMap(level, start, end, change, hideout, legend, status_legend, title)


def _status_style(status: str) -> dict:
    return NOT_COMPUTABLE_STYLE if status == NOT_COMPUTABLE else classify.STATUS_STYLES[status]


def _status_label(status: str, lang: str) -> str:
    return t("evolution.not_computable" if status == NOT_COMPUTABLE else f"common.status_{status}", lang)
