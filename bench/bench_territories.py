"""Benchmark of the territories step: build time and browser geometry sizes.

Run: `.venv/bin/python bench/bench_territories.py`. It builds the step into a scratch folder
(never data/build), then prints the build time, the size of each client file raw and gzipped
(what `/geo/<name>.pbf` sends to a browser that accepts gzip) and GeoParquet read times.
Targets: build under 60 s on 2 cores, commune layer under 4 MB compressed, département layer
under 300 KB.
"""

from __future__ import annotations

import gzip
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from atlas import config, geo  # noqa: E402
from loaders.pipeline import build  # noqa: E402

LEVELS = ("commune", "departement", "region", "zone_emploi", "epci", "aav", "france",
          "arrondissement_municipal")


def _sizes(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    return len(data), len(gzip.compress(data, compresslevel=9, mtime=0))


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "build"
        started = time.perf_counter()
        cpu_started = time.process_time()
        build(only=["territories"], raw_dir=config.RAW_DIR, build_dir=out)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        # The step is mostly single-threaded: on a loaded machine wall time exceeds CPU time.
        print(f"territories step (reference, crosswalk, geometry, client files): {elapsed:.1f} s"
              f" wall, {cpu:.1f} s CPU (target < 60 s; load average now "
              f"{os.getloadavg()[0]:.1f})")

        print(f"{'client file':<28} {'raw KB':>9} {'gzip KB':>9}")
        for level in LEVELS:
            raw, packed = _sizes(out / "client" / f"{level}.pbf")
            print(f"{level + '.pbf':<28} {raw / 1024:>9,.0f} {packed / 1024:>9,.0f}")
        per_dep = [_sizes(p) for p in sorted((out / "client").glob("commune-*.pbf"))]
        largest = max(per_dep, key=lambda pair: pair[1])
        print(f"{'commune-<dep>.pbf (largest)':<28} {largest[0] / 1024:>9,.0f} "
              f"{largest[1] / 1024:>9,.0f}")
        print(f"{'commune-<dep>.pbf (all ' + str(len(per_dep)) + ')':<28} "
              f"{sum(p[0] for p in per_dep) / 1024:>9,.0f} "
              f"{sum(p[1] for p in per_dep) / 1024:>9,.0f}")
        commune_gzip = _sizes(out / "client" / "commune.pbf")[1]
        departement_gzip = _sizes(out / "client" / "departement.pbf")[1]
        print(f"commune layer compressed: {commune_gzip / 1e6:.2f} MB (target < 4 MB); "
              f"département layer: {departement_gzip / 1024:.0f} KB (target < 300 KB)")

        for level in ("commune", "departement"):
            started = time.perf_counter()
            frame = geo.read_geometry(level, out)
            print(f"read geometry/{level}.parquet: {time.perf_counter() - started:.2f} s "
                  f"({len(frame)} rows)")


if __name__ == "__main__":
    main()
