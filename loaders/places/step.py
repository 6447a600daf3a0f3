"""Build step `places`: read every place source, place, merge, and write the layer and indicators.

Outputs: `places.parquet` (columns of `atlas.places.PLACE_COLUMNS`), `client/places.pbf` (all
points for the map, in display coordinates), `values/places.parquet` (the place indicators of
the catalogue) and the `places` section of the data-quality report.
"""

from __future__ import annotations

import logging
import time

import geopandas as gpd
import pandas as pd

from atlas.catalogue import load_catalogue
from atlas.places import PLACE_COLUMNS
from atlas.store_schema import VALUE_COLUMNS
from loaders.errors import BuildError
from loaders.places import (archives, basilic, cinemas_cnc, cinemas_deps, festivals,
                            libraries_deps, libraries_olp, monuments, museofile,
                            museums_official, plan_relance, private_theatres, spr)
from loaders.places.client import client_geobuf
from loaders.places.dedup import merge_sources
from loaders.places.indicators import PlaceIndicators
from loaders.places.layer import finish_layer
from loaders.places.report import quality_report
from loaders.places.validate import Reference, place_records

log = logging.getLogger(__name__)

# One reader per source; the order is the order of the quality report.
READERS = (monuments, spr, basilic, museofile, museums_official, cinemas_cnc, cinemas_deps,
           libraries_olp, libraries_deps, archives, private_theatres, festivals, plan_relance)
OWN_FAMILY = "places"


def read_sources(raw_dir) -> pd.DataFrame:
    """Read every source into one frame of reader records."""
    return pd.concat([reader.read(raw_dir) for reader in READERS], ignore_index=True)


def load_reference(ctx) -> Reference:
    """Territories, crosswalk and geometry written by the territories step."""
    needed = ("territories.parquet", "crosswalk.parquet", "geometry/commune.parquet",
              "geometry/arrondissement_municipal.parquet")
    for name in needed:
        if not (ctx.out_dir / name).exists():
            raise BuildError(f"{name} is missing from the build.", file=str(ctx.out_dir / name),
                             fix="run the territories step before the places step.")
    return Reference(
        territories=ctx.read_parquet("territories.parquet"),
        crosswalk=ctx.read_parquet("crosswalk.parquet"),
        communes=gpd.read_parquet(ctx.out_dir / "geometry" / "commune.parquet"),
        arrondissements=gpd.read_parquet(ctx.out_dir / "geometry" / "arrondissement_municipal.parquet"),
    )


def other_values(ctx) -> pd.DataFrame:
    """Values written by earlier steps (population, cinema screens...), for ratio denominators."""
    folder = ctx.out_dir / "values"
    paths = [p for p in sorted(folder.glob("*.parquet")) if p.stem != OWN_FAMILY] if folder.exists() else []
    if not paths:
        return pd.DataFrame(columns=list(VALUE_COLUMNS))
    return pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True)


def run(ctx) -> None:
    started = time.perf_counter()
    records = read_sources(ctx.raw_dir)
    reference = load_reference(ctx)
    placement = place_records(records, reference)
    merged = merge_sources(placement.places)
    places = finish_layer(merged.places, reference.territories)
    ctx.write_parquet(places[list(PLACE_COLUMNS)], "places.parquet")

    client = client_geobuf(places)
    ctx.path("client", "places.pbf").write_bytes(client)
    log.info("wrote client/places.pbf (%d bytes, %d points)", len(client), len(places))

    values = PlaceIndicators(places, reference.territories, load_catalogue(), other_values(ctx)).compute()
    ctx.write_values(OWN_FAMILY, values)

    ctx.report("places", quality_report(records, placement, merged, places, values,
                                        client_bytes=len(client)))
    log.info("places step: %d places, %d values in %.1f s", len(places), len(values),
             time.perf_counter() - started)
