"""The short text under the Évolution chart, generated from the data in French or English.

Each selected territory gets the change over the period, between its first and last years with
a value. Then come its rank among the territories of the same level and parent, the years of
its maximum and minimum, and a warning when a series break lies inside the period.
"""

from __future__ import annotations

import logging

import pandas as pd

from atlas import store
from atlas.evolution import break_applies, change_between
from atlas.evolution_map import change_frame, format_change
from atlas.evolution_params import change_in_points
from atlas.evolution_view import EvolutionData, Line, measure_decimals, measure_label, parent_of
from atlas.formatting import format_number, format_percent_change, format_value
from atlas.i18n import normalize_lang, t

log = logging.getLogger(__name__)


def ordinal(rank: int, lang: str | None) -> str:
    """Return 1er, 2e... in French and 1st, 2nd, 3rd, 4th... in English."""
    if normalize_lang(lang) == "fr":
        return "1er" if rank == 1 else f"{rank}e"
    if 10 <= rank % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"{rank}{suffix}"


def _summary_series(line: Line, data: EvolutionData) -> pd.Series:
    """Return the values the summary describes: ratios in per-inhabitant mode, else raw values."""
    column = "measure" if data.state.mode == "per_inhabitant" else "value"
    return pd.Series(line.frame[column].to_numpy(dtype="float64"), index=line.frame["year"].astype(int))


def _format(value: float, data: EvolutionData, lang: str) -> str:
    indicator = data.indicator
    if data.state.mode == "per_inhabitant":
        return f"{format_number(value, measure_decimals(data), lang)}\u00a0{measure_label(data, lang)}"
    return format_value(value, "ok", indicator.unit_label(lang), indicator.decimals, lang)


def rank_among_siblings(data: EvolutionData, line: Line, start: int, end: int) -> dict | None:
    """Rank the territory's change among the territories of its level and parent.

    The change is in percent, or in points for an indicator in percent. Per-inhabitant mode
    ranks the change of the ratio. Returns `rank` (1 for the largest increase, ties sharing a
    rank), `count` (territories with a computable change) and `parent` (level, code, name).
    Returns None when the territory has no computable change or no sibling.
    """
    if line.level == "france":
        return None
    per_inhabitant = data.state.mode == "per_inhabitant"
    frame = change_frame(data.state.indicator, line.level, start, end, per_inhabitant)
    parent = parent_of(line.level, line.code)
    if parent is not None:
        members = store.territories_of(line.level)
        codes = set(members.loc[members[parent[0]] == parent[1], "code"])
        frame = frame[frame["code"].isin(codes)]
    column = "absolute" if change_in_points(data.indicator) else "percent"
    ranked = frame[frame[column].notna()]
    own = ranked[ranked["code"] == line.code]
    if own.empty or len(ranked) < 2:
        return None
    value = float(own[column].iloc[0])
    rank = int((ranked[column] > value).sum()) + 1
    parent_info = None
    if parent is not None:
        row = store.territory(*parent)
        parent_info = {"level": parent[0], "code": parent[1], "name": row["name"] if row else parent[1]}
    return {"rank": rank, "count": int(len(ranked)), "parent": parent_info}


def _rank_sentence(data: EvolutionData, line: Line, start: int, end: int, lang: str) -> str | None:
    ranking = rank_among_siblings(data, line, start, end)
    if ranking is None:
        return None
    params = {"rank": ordinal(ranking["rank"], lang), "count": ranking["count"],
              "level_plural": t(f"evolution.level_plural_{line.level}", lang)}
    parent = ranking["parent"]
    if parent is None:
        return t("evolution.summary_rank_all", lang, **params)
    return t(f"evolution.summary_rank_in_{parent['level']}", lang, parent=parent["name"], **params)


def territory_summary(data: EvolutionData, line: Line, lang: str | None = None) -> list[str]:
    """Write the sentences about one territory line."""
    lang = normalize_lang(lang or data.state.lang)
    series = _summary_series(line, data)
    known = series.dropna()
    if len(known) < 2:
        return [t("evolution.summary_too_short", lang, name=line.name,
                  start=data.state.start, end=data.state.end)]

    start, end = int(known.index[0]), int(known.index[-1])
    breaks = [item["year"] for item in data.breaks if break_applies(item, [line.level])]
    change = change_between(series, start, end, breaks)
    params = {"name": line.name, "start": start, "end": end,
              "start_value": _format(change.start_value, data, lang),
              "end_value": _format(change.end_value, data, lang)}
    if change_in_points(data.indicator) and data.state.mode != "per_inhabitant":
        absolute = format_change(change.absolute, "absolute", data.indicator.decimals, "", lang, points=True)
        sentences = [t("evolution.summary_change_absolute", lang, absolute=absolute, **params)]
    elif change.percent is not None and change.annual_rate is not None:
        sentences = [t("evolution.summary_change", lang, percent=format_percent_change(change.percent, lang),
                       rate=format_percent_change(change.annual_rate, lang, decimals=2), **params)]
    elif change.percent is not None:
        sentences = [t("evolution.summary_change_no_rate", lang,
                       percent=format_percent_change(change.percent, lang), **params)]
    else:
        sentences = [t("evolution.summary_change_absolute", lang,
                       absolute=_format(change.absolute, data, lang), **params)]

    rank = _rank_sentence(data, line, start, end, lang)
    if rank:
        sentences.append(rank)

    maximum_year, minimum_year = int(known.idxmax()), int(known.idxmin())
    sentences.append(t("evolution.summary_extremes", lang,
                       max_year=maximum_year, max_value=_format(known.max(), data, lang),
                       min_year=minimum_year, min_value=_format(known.min(), data, lang)))
    if change.breaks:
        sentences.append(t("evolution.summary_break", lang,
                           years=", ".join(str(year) for year in change.breaks)))
    return sentences


def summarize(data: EvolutionData, lang: str | None = None) -> list[dict]:
    """Summarize each selected territory: `key` (level:code), `name` and its `sentences`."""
    return [{"key": line.key, "name": line.name, "sentences": territory_summary(data, line, lang)}
            for line in data.territory_lines]

