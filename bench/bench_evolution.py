"""Benchmark of the Évolution page callbacks on the real build, in process.

Prints, for a few views, the time of the state, series and map callbacks on the first call
(cold caches of this process) and the median of later calls. It also prints the size of the
JSON sent for the chart figure and for the map hideout.

    .venv/bin/python bench/bench_evolution.py [--runs 3]

Times are wall-clock seconds of the callback functions (`time.perf_counter`), without the HTTP
round trip; the first run of the first view also loads the value store.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import plotly.io  # noqa: E402

import app  # noqa: E402
from atlas.evolution_params import parse_params  # noqa: E402
from callbacks.evolution import render_map, render_series  # noqa: E402

VIEWS = {
    "population, 2 départements, index, map by département": {
        "t": "departement:13,departement:23", "mode": "index", "base": "1962", "from": "1962",
        "ref": "parent,france"},
    "population, commune, raw, map by commune": {
        "t": "commune:13055", "level": "commune"},
    "museum attendance, 3 territories, per inhabitant, map by commune": {
        "indicator": "musees_frequentation", "t": "commune:75056,departement:13,region:84",
        "mode": "per_inhabitant", "ref": "france", "level": "commune"},
    "festivals, 1 commune, annual change, map by EPCI": {
        "indicator": "festivals_nombre", "t": "commune:13055", "mode": "annual_change", "level": "epci"},
}


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="calls per view after the first one")
    args = parser.parse_args()

    with app.server.app_context():
        for name, query in VIEWS.items():
            rows = {"state": [], "series": [], "map": []}
            for _ in range(1 + args.runs):
                seconds, state = timed(parse_params, query)
                rows["state"].append(seconds)
                stored = state.as_dict()
                seconds, series = timed(render_series, stored)
                rows["series"].append(seconds)
                seconds, drawn = timed(render_map, stored)
                rows["map"].append(seconds)
            figure_bytes = len(plotly.io.to_json(series[0]))
            hideout_bytes = len(json.dumps(drawn[1]))
            print(name)
            for step, values in rows.items():
                later = statistics.median(values[1:]) if len(values) > 1 else float("nan")
                print(f"  {step:<7} first {values[0]:6.2f} s   later (median) {later:6.3f} s")
            print(f"  chart figure {figure_bytes / 1024:8.1f} KiB   map hideout {hideout_bytes / 1024:8.1f} KiB")


if __name__ == "__main__":
    main()
