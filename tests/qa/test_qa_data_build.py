"""Broken raw inputs through the real build command, and the CSV case through the CSV reader.

Each broken workbook replaces `Population.xls` (the first workbook the indicator step reads)
in a copy of the raw folder made of symbolic links. `python -m loaders build --only
indicators` must stop with exit code 2 and a message naming the file, sheet, row and
problem, and the previous build folder must stay byte for byte as it was.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from atlas import config
from loaders.indicators.reader import read_level
from loaders.indicators.workbook import open_workbook

POPULATION = Path("deps-atlas") / "indicateurs" / "Population.xls"
CASE_CSV = config.RAW_DIR.parent / "cases" / "codes-as-numbers.csv"


def population_rows(count: int = 200) -> dict[str, list[list]]:
    """The Meta sheet and the first `count` data rows of the real Population.xls."""
    book = CalamineWorkbook.from_path(config.RAW_DIR / POPULATION)
    rows = book.get_sheet_by_name("Population").to_python()[: count + 1]
    return {"Population": [list(r) for r in rows],
            "Meta": [list(r) for r in book.get_sheet_by_name("Meta").to_python()]}


def raw_copy(tmp_path: Path, sheets: dict[str, list[list]]) -> Path:
    """A raw folder of links to the real files, with Population.xls replaced by `sheets`."""
    raw = tmp_path / "raw"
    for source in config.RAW_DIR.rglob("*"):
        if source.is_file():
            target = raw / source.relative_to(config.RAW_DIR)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(source)
    target = raw / POPULATION
    target.unlink()
    book = openpyxl.Workbook(write_only=True)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(target)  # .xlsx content under the .xls name: the reader detects the format
    return raw


def previous_build(tmp_path: Path, built_store: Path) -> Path:
    """A build folder with the files the indicator step reads, plus a marker file."""
    build = tmp_path / "build"
    build.mkdir()
    for name in ("territories.parquet", "crosswalk.parquet", "manifest.json"):
        shutil.copy(built_store / name, build / name)
    (build / "marker.txt").write_text("previous build\n", encoding="utf-8")
    return build


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def run_build(raw: Path, build: Path) -> subprocess.CompletedProcess:
    environment = {**os.environ, "ATLAS_RAW_DIR": str(raw), "ATLAS_BUILD_DIR": str(build)}
    return subprocess.run([sys.executable, "-m", "loaders", "build", "--only", "indicators"],
                          cwd=config.REPO_DIR, env=environment, capture_output=True, text=True,
                          timeout=600)


def without_meta(sheets):
    return {"Population": sheets["Population"]}


def code_header_renamed(sheets):
    sheets["Population"][0][1] = "Insee"
    return sheets


def code_repeated(sheets):
    sheets["Population"][100][1] = sheets["Population"][99][1]
    return sheets


def text_in_number(sheets):
    sheets["Population"][50][2] = "environ 300"
    return sheets


def many_unknown_codes(sheets):
    for index in range(1, len(sheets["Population"]), 10):
        sheets["Population"][index][1] = f"99{index:03d}"
    return sheets


@pytest.mark.slow
@pytest.mark.parametrize("breaker, expected", [
    (without_meta, ["file 'deps-atlas/indicateurs/Population.xls'", "no 'Meta' sheet"]),
    (code_header_renamed, ["sheet 'Population'", "row 1", "column 'Code Insee' not found",
                           "'Insee'"]),
    (code_repeated, ["sheet 'Population'", "row 100", "appears on several rows ([100, 101])"]),
    (text_in_number, ["sheet 'Population'", "row 51", "column 'Population totale'",
                      "text 'environ 300' in a numeric column"]),
    (many_unknown_codes, ["sheet 'Population'", "row 2", "20 of 200 rows",
                          "invalid or unknown (first: '99001')"]),
], ids=["no-meta", "no-code-column", "duplicated-code", "text-in-number", "unknown-codes"])
def test_broken_workbook_stops_build(tmp_path, built_store, breaker, expected):
    raw = raw_copy(tmp_path, breaker(population_rows()))
    build = previous_build(tmp_path, built_store)
    before = digest(build)

    result = run_build(raw, build)

    assert result.returncode == 2, result.stderr[-2000:]
    stopped = [line for line in result.stderr.splitlines() if "build stopped:" in line]
    assert len(stopped) == 1, result.stderr[-2000:]
    for fragment in expected:
        assert fragment in stopped[0]
    assert "Fix:" in stopped[0]
    assert digest(build) == before
    assert not (tmp_path / "build.tmp").exists()


def csv_variants(tmp_path: Path) -> dict[str, Path]:
    """The codes-as-numbers case as Latin-1, with a BOM, and comma-separated with float codes."""
    text = CASE_CSV.read_text(encoding="utf-8")
    paths = {}
    paths["utf8"] = tmp_path / "utf8.csv"
    shutil.copy(CASE_CSV, paths["utf8"])
    paths["latin1"] = tmp_path / "latin1.csv"
    paths["latin1"].write_bytes(text.encode("latin-1"))
    paths["bom"] = tmp_path / "bom.csv"
    paths["bom"].write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    lines = []
    for number, line in enumerate(text.splitlines()):
        cells = line.split(";")
        if number and cells[0].isdigit():
            cells[0] += ".0"
        lines.append(",".join(f'"{c}"' if "," in c else c for c in cells))
    paths["comma"] = tmp_path / "comma.csv"
    paths["comma"].write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    return paths


@pytest.mark.parametrize("variant", ["utf8", "latin1", "bom", "comma"])
def test_codes_as_numbers_csv_variants(tmp_path, built_store, variant):
    path = csv_variants(tmp_path)[variant]
    territories = pd.read_parquet(built_store / "territories.parquet")
    crosswalk = pd.read_parquet(built_store / "crosswalk.parquet")
    sheet = open_workbook(path, meta=False).sheet(path.stem)
    assert sheet.header == ["Code Insee", "Commune", "Valeur"]

    read = read_level(sheet, {"column": "Valeur", "code_column": "Code Insee"}, "commune",
                      territories, set(crosswalk["old_code"].astype(str)))

    rows = read.frame.set_index("code")
    assert read.unknown == []
    assert len(rows) == 6  # every row loaded
    assert rows.loc["01001", "value"] == pytest.approx(12.5)
    assert rows.loc["01053", "value"] == pytest.approx(7.25)
    assert rows.loc["2A004", "value"] == pytest.approx(3.0)
    for code in ("97101", "75056", "13055"):  # -1, an empty cell and "n.d."
        assert rows.loc[code, "status"] == "missing"
        assert pd.isna(rows.loc[code, "value"])
    assert read.sentinels == 1
    assert read.markers == {"n.d.": 1}
