"""Time the `places` build step on the real raw data and print the figures, with the map file size.

The step reads the territory table, crosswalk, commune geometry and the values of the earlier
steps (population, cinema screens): they are copied from an existing build (`ATLAS_BUILD_DIR`
or data/build, made by `python -m loaders build`) into a scratch folder, so the real build is
never touched. Usage: `python bench/bench_places.py [--repeat N]`.
"""

from __future__ import annotations

import argparse
import gzip
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
from loaders.places import step  # noqa: E402

INPUTS = ("territories.parquet", "crosswalk.parquet", "geometry/commune.parquet",
          "geometry/arrondissement_municipal.parquet")


def copy_inputs(scratch: Path) -> None:
    for name in INPUTS:
        (scratch / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(config.BUILD_DIR / name, scratch / name)
    (scratch / "values").mkdir()
    for path in sorted((config.BUILD_DIR / "values").glob("*.parquet")):
        if path.stem != step.OWN_FAMILY:
            shutil.copy(path, scratch / "values" / path.name)


def run_once(scratch: Path) -> tuple[float, float]:
    """Run the step into `scratch`; return its wall time and CPU time (seconds).

    On a machine shared with other jobs the wall time grows with the load, while the CPU time
    of this process stays close to what the step takes alone.
    """
    ctx = BuildContext(raw_dir=config.RAW_DIR, out_dir=scratch)
    started, cpu_started = time.perf_counter(), time.process_time()
    step.run(ctx)
    return time.perf_counter() - started, time.process_time() - cpu_started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=1, help="number of timed runs (default 1)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    missing = [name for name in INPUTS if not (config.BUILD_DIR / name).exists()]
    if missing:
        print(f"missing {missing} in {config.BUILD_DIR}; run `python -m loaders build` first")
        return 2

    times, cpu_times = [], []
    sizes: dict[str, int] = {}
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="bench-places-") as folder:
            scratch = Path(folder)
            copy_inputs(scratch)
            elapsed, cpu = run_once(scratch)
            times.append(elapsed)
            cpu_times.append(cpu)
            client = (scratch / "client" / "places.pbf").read_bytes()
            sizes = {
                "places.parquet": (scratch / "places.parquet").stat().st_size,
                "values/places.parquet": (scratch / "values" / "places.parquet").stat().st_size,
                "client/places.pbf": len(client),
                "client/places.pbf gzip -6": len(gzip.compress(client, compresslevel=6)),
                "client/places.pbf gzip -9": len(gzip.compress(client, compresslevel=9)),
            }

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"places step: median {statistics.median(times):.1f} s wall, "
          f"{statistics.median(cpu_times):.1f} s CPU over {len(times)} run(s)")
    for name, size in sizes.items():
        print(f"{name}: {size / 1024:,.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
