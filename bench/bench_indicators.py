"""Time the `indicators` build step on the real raw data and print the figures.

The step needs the territory table and the crosswalk: they are copied from an existing build
(`ATLAS_BUILD_DIR` or data/build, made by `python -m loaders build`) into a scratch folder, so
the real build is never touched. Besides the whole step, it times each phase of the engine.
Target: the whole step in under 90 s on a 2-core machine.
Usage: `python bench/bench_indicators.py [--repeat N]`.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd  # noqa: E402

from atlas import config  # noqa: E402
from atlas.catalogue import load_catalogue  # noqa: E402
from loaders.indicators import checks, step  # noqa: E402
from loaders.indicators.engine import Engine  # noqa: E402
from loaders.pipeline import BuildContext  # noqa: E402

INPUTS = ("territories.parquet", "crosswalk.parquet")
TARGET_SECONDS = 90


def time_phases(territories: pd.DataFrame, crosswalk: pd.DataFrame) -> dict[str, float]:
    """Run the engine phase by phase and return the seconds of each."""
    timings: dict[str, float] = {}

    def timed(name, function, *args):
        started = time.perf_counter()
        result = function(*args)
        timings[name] = time.perf_counter() - started
        return result

    engine = timed("setup (crosswalk lookup)", Engine, load_catalogue(), territories, crosswalk,
                   config.RAW_DIR)
    timed("read workbooks", engine.read_sources)
    timed("check totals", checks.check_totals, engine)
    timed("derive", engine.derive)
    timed("patch ratios", engine.patch_ratios)
    timed("aggregate levels", engine.resolve)
    folder = engine.raw_dir / "deps-atlas" / "indicateurs"
    timed("check equal columns", checks.check_equal_columns, engine, folder)
    timed("check typologies", checks.check_typologies, engine)
    timed("check populations", checks.check_populations, engine)
    timed("collect", engine.collect)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=1, help="number of timed runs (default 1)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    source = config.BUILD_DIR
    missing = [name for name in INPUTS if not (source / name).exists()]
    if missing:
        print(f"missing {missing} in {source}: run `python -m loaders build` first", file=sys.stderr)
        return 1

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}")
    runs = []
    for attempt in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="bench-indicators-") as scratch:
            for name in INPUTS:
                shutil.copy(source / name, Path(scratch) / name)
            ctx = BuildContext(raw_dir=config.RAW_DIR, out_dir=Path(scratch))
            started = time.perf_counter()
            cpu_started = time.process_time()
            step.run(ctx)
            wall = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
        runs.append(wall)
        print(f"run {attempt + 1}: whole indicators step {wall:.1f} s wall, {cpu:.1f} s CPU; "
              f"{ctx.counts.get('values/deps.parquet', 0)} values written")

    territories = pd.read_parquet(source / "territories.parquet")
    crosswalk = pd.read_parquet(source / "crosswalk.parquet")
    print("phases of one run (s):")
    for name, seconds in time_phases(territories, crosswalk).items():
        print(f"  {name:<28} {seconds:6.2f}")
    median = statistics.median(runs)
    verdict = "within" if median < TARGET_SECONDS else "OVER"
    print(f"median of {len(runs)} runs: {median:.1f} s ({verdict} the {TARGET_SECONDS} s target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
