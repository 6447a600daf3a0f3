"""Session fixture: the `territories` build step run on the real raw files into a scratch folder.

Tests import `territory_build` from here so that they never read a leftover data/build.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from atlas import config

CASES_DIR = config.REPO_DIR.parent / "shared" / "cases"


# Each test module that imports the fixture gets its own fixture definition, so the build is
# kept here to run once per session.
_builds: dict[str, Path] = {}


@pytest.fixture(scope="session")
def territory_build(tmp_path_factory) -> Path:
    """Folder holding the output of `python -m loaders build --only territories`."""
    from loaders.pipeline import build

    if "territories" in _builds:
        return _builds["territories"]
    if not config.RAW_DIR.is_dir():
        pytest.fail(f"raw data folder {config.RAW_DIR} not found; set ATLAS_RAW_DIR")
    out = tmp_path_factory.mktemp("territories") / "build"
    _builds["territories"] = build(only=["territories"], raw_dir=config.RAW_DIR, build_dir=out)
    return _builds["territories"]


@pytest.fixture(scope="session")
def territories_frame(territory_build) -> pd.DataFrame:
    return pd.read_parquet(territory_build / "territories.parquet")


@pytest.fixture(scope="session")
def crosswalk_frame(territory_build) -> pd.DataFrame:
    return pd.read_parquet(territory_build / "crosswalk.parquet")


@pytest.fixture(scope="session")
def territory_report(territory_build) -> str:
    return (territory_build / "quality" / "territories.md").read_text(encoding="utf-8")


def case_path(name: str) -> Path:
    """Path of a shared replay case; skips the test when the cases folder is absent."""
    path = CASES_DIR / name
    if not path.exists():
        pytest.skip(f"replay case {name} not found in {CASES_DIR} (a sibling checkout of the "
                    f"shared folder is needed)")
    return path
