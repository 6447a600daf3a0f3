"""Time every export: each view in each format, map levels, 20 in a row and 4 at once.

Runs the export service directly (no HTTP, no cache) against the real build and the system
Chromium. It prints markdown tables: seconds per export (first call and median of the warm
ones), output size, and the unique memory of the browser process tree during repeated exports.
The first image export of a run includes the browser start, and the first map of a level the
preparation of its geometry file.

    .venv/bin/python bench/bench_export.py [--repeat 3] [--views carte,comparaison]

Pool size: ATLAS_EXPORT_RENDERERS (default 1).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from atlas.export.registry import available_views  # noqa: E402
from atlas.export.renderer import get_pool, reset_pool  # noqa: E402
from atlas.export.service import export_view  # noqa: E402
from atlas.logs import setup_logging  # noqa: E402
from atlas.urlstate import build_href  # noqa: E402

FORMATS = ("png", "svg", "pdf", "csv", "xlsx")


def view_query(view: str) -> dict[str, str]:
    """Return a real query for `view`, written by the page's own URL writer."""
    from urllib.parse import parse_qsl

    if view == "carte":
        from atlas.mapstate import parse_state, state_query
        params = state_query(parse_state({"level": "departement"}))
    elif view == "comparaison":
        from atlas.compare import parse_params, to_query
        params = to_query(parse_params({"t": "region:76,departement:34"}))
    elif view == "evolution":
        from atlas.evolution_params import parse_params, to_query
        params = to_query(parse_params({"t": "departement:34,region:76"}))
    else:
        params = {"level": "departement", "code": "34"}
    return dict(parse_qsl(build_href("", params).lstrip("?")))


def browser_memory_mb() -> float:
    return get_pool().browser_memory_mb()


def timed(view: str, fmt: str, params: dict[str, str]) -> tuple[float, int]:
    started = time.perf_counter()
    result = export_view(view, fmt, params)
    return time.perf_counter() - started, len(result.content)


def bench_views(views: list[str], repeat: int) -> None:
    print("| view | format | first (s) | warm median (s) | bytes |")
    print("|---|---|---|---|---|")
    for view in views:
        try:
            params = view_query(view)
        except LookupError as error:
            print(f"| {view} | - | no data: {error} | | |")
            continue
        for fmt in FORMATS:
            first, size = timed(view, fmt, params)
            warm = [timed(view, fmt, params)[0] for _ in range(repeat)]
            print(f"| {view} | {fmt} | {first:.2f} | {statistics.median(warm):.2f} | {size:,} |")


def bench_levels(repeat: int) -> None:
    from atlas.mapstate import parse_state, state_query

    print("\n| map level | format | preset | first (s) | warm median (s) | bytes |")
    print("|---|---|---|---|---|---|")
    for level in ("region", "departement", "epci", "commune"):
        state = parse_state({"level": level})
        if state is None or state.level != level:
            print(f"| {level} | - | - | no values at this level | | |")
            continue
        params = {key: str(value) for key, value in state_query(state).items() if value}
        for fmt in ("png", "svg", "pdf"):
            for preset in ("", "note"):
                query = {**params, "preset": preset} if preset else params
                first, size = timed("carte", fmt, query)
                warm = [timed("carte", fmt, query)[0] for _ in range(repeat if level != "commune" else 1)]
                print(f"| {level} | {fmt} | {preset or 'default'} | {first:.2f} | "
                      f"{statistics.median(warm):.2f} | {size:,} |")


def bench_repeated() -> None:
    params = view_query("carte")
    print("\n| run | exports | wall (s) | max single (s) | browser memory, USS (MB) |")
    print("|---|---|---|---|---|")
    durations = []
    started = time.perf_counter()
    peak = 0.0
    for _ in range(20):
        durations.append(timed("carte", "png", params)[0])
        peak = max(peak, browser_memory_mb())
    print(f"| same map, 20 in a row | 20 | {time.perf_counter() - started:.2f} | {max(durations):.2f} | "
          f"{peak:.0f} (after: {browser_memory_mb():.0f}) |")

    started = time.perf_counter()
    formats = ("png", "svg", "pdf", "png")
    with ThreadPoolExecutor(max_workers=4) as executor:
        results = list(executor.map(lambda fmt: timed("carte", fmt, params), formats))
    print(f"| 4 at once ({', '.join(formats)}) | 4 | {time.perf_counter() - started:.2f} | "
          f"{max(duration for duration, _ in results):.2f} | {browser_memory_mb():.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="warm runs per export (default 3)")
    parser.add_argument("--views", default="", help="comma-separated views (default: all available)")
    parser.add_argument("--skip-levels", action="store_true", help="skip the map-level table")
    args = parser.parse_args()
    setup_logging("WARNING")
    views = [v for v in args.views.split(",") if v] or list(available_views())
    started = time.perf_counter()
    get_pool()
    print(f"renderers: {get_pool().settings.size}, render timeout {get_pool().settings.render_timeout:.0f} s\n")
    try:
        bench_views(views, args.repeat)
        if not args.skip_levels:
            bench_levels(args.repeat)
        bench_repeated()
    finally:
        reset_pool()
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
