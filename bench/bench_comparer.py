"""Benchmark of the Comparer page on the real build, in process.

Prints, for a few comparisons, the time to build the comparison, the export table and figures,
and the page layout of each view. Each time is given for the first call (cold caches of this
process) and as the median of later calls. The size of the JSON the page sends follows.

    .venv/bin/python bench/bench_comparer.py [--runs 3]

Times are wall-clock seconds (`time.perf_counter`) of the Python functions, without the HTTP
round trip or the browser; the first run of the first comparison also loads the value store
and, for the maps, the geometry of each level.
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

import app  # noqa: E402,F401  (registers the pages)
from atlas.compare import build_comparison, comparison_figures, comparison_table  # noqa: E402
from layouts.comparer import layout  # noqa: E402

COMPARISONS = {
    "Lyon and its parents, default indicators": {"t": "commune:69123,epci:200046977,departement:69,region:84"},
    "Lyon and its parents, spending theme": {
        "t": "commune:69123,epci:200046977,departement:69,region:84", "theme": "depenses_publiques"},
    "8 communes, context theme": {
        "t": "commune:69123,commune:69266,commune:69259,commune:69256,commune:38185,commune:42218,"
             "commune:01053,commune:73065", "theme": "contexte"},
    "3 régions, jobs theme": {"t": "region:84,region:76,region:75", "theme": "emploi_entreprises"},
}


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def measure(query: dict, runs: int) -> dict[str, tuple[float, float]]:
    """Return {step: (first call, median of the later calls)} in seconds."""
    steps = {
        "comparison": lambda: build_comparison(query),
        "export table": lambda: comparison_table(query),
        "export figures": lambda: comparison_figures(query, "fr"),
        "layout table": lambda: layout(**query),
        "layout charts": lambda: layout(**query, view="charts"),
        "layout maps": lambda: layout(**query, view="maps"),
    }
    results = {}
    for name, step in steps.items():
        times = [timed(step)[0] for _ in range(runs + 1)]
        results[name] = (times[0], statistics.median(times[1:]))
    return results


def payload_size(query: dict, view: str) -> int:
    tree = layout(**query, view=view)
    return len(json.dumps(tree, cls=plotly.utils.PlotlyJSONEncoder))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="timed calls after the first one (default 3)")
    args = parser.parse_args()
    for label, query in COMPARISONS.items():
        print(f"\n{label}")
        for step, (first, median) in measure(query, args.runs).items():
            print(f"  {step:<16} first {first:6.3f} s   median {median:6.3f} s")
        for view in ("table", "charts", "maps"):
            print(f"  JSON of the {view:<6} view: {payload_size(query, view) / 1024:7.1f} KiB")


if __name__ == "__main__":
    main()
