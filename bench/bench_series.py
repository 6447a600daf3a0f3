"""Time the `series` build step on the real raw data and print the figures.

The step needs the territory table and the crosswalk: they are copied from an existing build
(`ATLAS_BUILD_DIR` or data/build, made by `python -m loaders build`) into a scratch folder, so
the real build is never touched. Usage: `python bench/bench_series.py [--repeat N] [--keep DIR]`.
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

from atlas import config  # noqa: E402
from loaders.pipeline import BuildContext  # noqa: E402
from loaders.series import step  # noqa: E402

INPUTS = ("territories.parquet", "crosswalk.parquet")


def run_once(scratch: Path) -> tuple[float, float, dict[str, int]]:
    """Run the step into `scratch`; return its wall time, CPU time and the rows it wrote.

    On a machine shared with other jobs the wall time grows with the load. The CPU time of this
    process is close to the wall time the step would take alone on the machine.
    """
    ctx = BuildContext(raw_dir=config.RAW_DIR, out_dir=scratch)
    started, cpu_started = time.perf_counter(), time.process_time()
    step.run(ctx)
    return time.perf_counter() - started, time.process_time() - cpu_started, ctx.counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=1, help="number of timed runs (default 1)")
    parser.add_argument("--keep", type=Path, help="folder where the last run's output is kept")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    missing = [name for name in INPUTS if not (config.BUILD_DIR / name).exists()]
    if missing:
        print(f"missing {missing} in {config.BUILD_DIR}; run `python -m loaders build` first")
        return 2

    times, cpu_times, counts = [], [], {}
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="bench-series-") as folder:
            scratch = Path(folder)
            for name in INPUTS:
                shutil.copy(config.BUILD_DIR / name, scratch / name)
            elapsed, cpu, counts = run_once(scratch)
            times.append(elapsed)
            cpu_times.append(cpu)
            if args.keep:
                shutil.copytree(scratch, args.keep, dirs_exist_ok=True)

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}")
    print(f"series step: {len(times)} run(s), wall time min {min(times):.1f} s, "
          f"median {statistics.median(times):.1f} s, max {max(times):.1f} s; CPU time min "
          f"{min(cpu_times):.1f} s, median {statistics.median(cpu_times):.1f} s")
    print(f"load average over the last minute at the end: {os.getloadavg()[0]:.1f}")
    for name, rows in sorted(counts.items()):
        print(f"  {name}: {rows:,} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
