"""Build step `indicators`: every Deps indicator of the catalogue, checked, on COG 2025.

Reads the catalogue entries whose `input.loader` is `deps`, runs the engine and the
cross-checks, writes `values/deps.parquet` and the quality report `quality/indicators.md`.
"""

from __future__ import annotations

import logging
import time

from atlas.catalogue import load_catalogue
from loaders.indicators import checks
from loaders.indicators.engine import Engine
from loaders.indicators.report import build_report

log = logging.getLogger(__name__)

FAMILY = "deps"


def build_values(raw_dir, territories, crosswalk, catalogue=None):
    """Run the engine and the checks; return (values frame, engine, findings)."""
    engine = Engine(catalogue or load_catalogue(), territories, crosswalk, raw_dir)
    engine.read_sources()
    findings = [checks.check_totals(engine)]  # may withhold a level before aggregation
    engine.derive()
    engine.patch_ratios()
    engine.resolve()
    findings += [
        checks.check_equal_columns(engine, engine.raw_dir / "deps-atlas" / "indicateurs"),
        checks.check_typologies(engine),
        checks.check_populations(engine),
        checks.check_meta(engine),
        checks.check_spending_parts(engine),
        checks.check_epci_perimeters(engine),
    ]
    return engine.collect(), engine, findings


def run(ctx) -> None:
    started = time.perf_counter()
    territories = ctx.read_parquet("territories.parquet")
    crosswalk = ctx.read_parquet("crosswalk.parquet")
    values, engine, findings = build_values(ctx.raw_dir, territories, crosswalk)
    ctx.write_values(FAMILY, values)
    seconds = time.perf_counter() - started
    ctx.report("indicators", build_report(engine, findings, values, seconds))
    log.info("indicators: %d values of %d indicators in %.1f s", len(values),
             values["indicator"].nunique(), seconds)
