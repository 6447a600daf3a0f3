"""Build orchestration: run each step into a scratch folder, then swap it into place.

A step is a function taking a `BuildContext`. Steps run in the order of `STEPS`; later steps
read what earlier ones wrote through the context. Nothing is written to the real build folder
until every step has succeeded, so a failed build leaves the previous store intact.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from atlas import config
from atlas.store_schema import VALUE_COLUMNS, validate_values_frame
from loaders.errors import BuildError

log = logging.getLogger(__name__)

# (step name, module path). Each module exposes `run(ctx)`.
STEPS: list[tuple[str, str]] = [
    ("territories", "loaders.territories.step"),
    ("indicators", "loaders.indicators.step"),
    ("series", "loaders.series.step"),
    ("places", "loaders.places.step"),
]


@dataclass
class BuildContext:
    """What a step receives: where to read raw files, where to write, and report helpers."""

    raw_dir: Path
    out_dir: Path
    counts: dict[str, int] = field(default_factory=dict)

    def raw(self, *parts: str) -> Path:
        """Return the path of a raw input file, failing clearly when it is absent."""
        path = self.raw_dir.joinpath(*parts)
        if not path.exists():
            raise BuildError("input file not found.", file=str(path),
                             fix="check ATLAS_RAW_DIR or restore the raw data folder.")
        return path

    def path(self, *parts: str) -> Path:
        """Return a path inside the scratch build folder, creating its parent folder."""
        path = self.out_dir.joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def write_parquet(self, df: pd.DataFrame, *parts: str) -> Path:
        path = self.path(*parts)
        df.to_parquet(path, index=False)
        self.counts["/".join(parts)] = len(df)
        log.info("wrote %s (%d rows)", "/".join(parts), len(df))
        return path

    def write_values(self, family: str, df: pd.DataFrame) -> Path:
        """Validate and write one family of indicator values to `values/<family>.parquet`."""
        validate_values_frame(df, family)
        return self.write_parquet(df[list(VALUE_COLUMNS)], "values", f"{family}.parquet")

    def read_parquet(self, *parts: str) -> pd.DataFrame:
        """Read an output of an earlier step (of this build, or of the previous one)."""
        path = self.out_dir.joinpath(*parts)
        if not path.exists():
            raise BuildError(f"'{'/'.join(parts)}' is missing: the step that writes it has not "
                             "run in this build nor in the previous one.", file=str(path),
                             fix="run a full build first: python -m loaders build")
        return pd.read_parquet(path)

    def report(self, step: str, markdown: str) -> None:
        """Write the quality findings of a step; they are gathered into quality_report.md."""
        self.path("quality", f"{step}.md").write_text(markdown.strip() + "\n", encoding="utf-8")


def _input_hashes(raw_dir: Path) -> dict[str, str]:
    hashes = {}
    for path in sorted(raw_dir.rglob("*")):
        if path.is_file() and not path.name.endswith(".md"):
            hashes[str(path.relative_to(raw_dir))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes


def _gather_quality_report(out_dir: Path, step_names: list[str]) -> None:
    parts = ["# Rapport qualité des données / Data-quality report", "",
             f"Construit le {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC.", ""]
    for name in step_names:
        path = out_dir / "quality" / f"{name}.md"
        if path.exists():
            parts.append(path.read_text(encoding="utf-8"))
    (out_dir / "quality_report.md").write_text("\n".join(parts), encoding="utf-8")


def build(only: list[str] | None = None, raw_dir: Path | None = None,
          build_dir: Path | None = None) -> Path:
    """Run the build and swap the result into `build_dir`.

    With `only`, the previous build is copied first and just those steps are run again, which
    is what a developer wants while working on one loader.
    """
    raw_dir = Path(raw_dir or config.RAW_DIR)
    build_dir = Path(build_dir or config.BUILD_DIR)
    if not raw_dir.is_dir():
        raise BuildError("raw data folder not found.", file=str(raw_dir),
                         fix="set ATLAS_RAW_DIR to the folder that holds the public input files.")
    names = [name for name, _ in STEPS]
    unknown = sorted(set(only or []) - set(names))
    if unknown:
        raise ValueError(f"unknown build step(s) {unknown}; valid steps: {names}")

    if only and "territories" not in only and not build_dir.is_dir():
        raise BuildError("no previous build to update.", file=str(build_dir),
                         fix="run a full build first: python -m loaders build")

    scratch = build_dir.with_name(build_dir.name + ".tmp")
    if scratch.exists():
        shutil.rmtree(scratch)
    if only and build_dir.exists():
        shutil.copytree(build_dir, scratch)
    scratch.mkdir(parents=True, exist_ok=True)

    ctx = BuildContext(raw_dir=raw_dir, out_dir=scratch)
    started = time.perf_counter()
    log.info("build started: raw=%s, steps=%s", raw_dir, only or names)
    try:
        for name, module_path in STEPS:
            if only and name not in only:
                continue
            step_start = time.perf_counter()
            log.info("step %s started", name)
            importlib.import_module(module_path).run(ctx)
            log.info("step %s done in %.1f s", name, time.perf_counter() - step_start)
        _gather_quality_report(scratch, names)
        manifest = {
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "raw_dir": str(raw_dir),
            "inputs": _input_hashes(raw_dir),
            "row_counts": ctx.counts,
        }
        (scratch / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    except Exception as error:
        shutil.rmtree(scratch, ignore_errors=True)
        # `python -m loaders` logs the error once: a BuildError as one line, anything else with
        # its traceback. Here the traceback of a BuildError goes to the debug log only.
        log.debug("build stopped by %r", error, exc_info=isinstance(error, BuildError))
        log.info("the previous build in %s is left unchanged", build_dir)
        raise

    # Swap: move the old build aside, put the new one in place, then delete the old one.
    old = build_dir.with_name(build_dir.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if build_dir.exists():
        build_dir.rename(old)
    scratch.rename(build_dir)
    shutil.rmtree(old, ignore_errors=True)
    log.info("build finished in %.1f s into %s", time.perf_counter() - started, build_dir)
    return build_dir


def is_stale(raw_dir: Path | None = None, build_dir: Path | None = None) -> bool:
    """True when the build is missing or older than one of its inputs or loaders."""
    raw_dir = Path(raw_dir or config.RAW_DIR)
    build_dir = Path(build_dir or config.BUILD_DIR)
    manifest = build_dir / "manifest.json"
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [p for p in raw_dir.rglob("*") if p.is_file()]
    sources += list((config.REPO_DIR / "loaders").rglob("*.py"))
    sources += list(config.CATALOGUE_DIR.glob("*.yaml"))
    return any(p.stat().st_mtime > built for p in sources)
