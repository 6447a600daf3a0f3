"""The generic workbook reader on small workbooks made here, good and bad.

Bad workbooks must stop the build with a BuildError that names the file, sheet, row and
problem. A failed build must leave the previous build folder untouched.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from atlas import config
from atlas.catalogue import Catalogue, parse_entry
from loaders import pipeline
from loaders.errors import BuildError
from loaders.indicators.communes import map_to_current
from loaders.indicators.engine import Engine

CASE_CSV = config.RAW_DIR.parent / "cases" / "codes-as-numbers.csv"
META = [["Definition", "Test indicator"], ["Source", "Test source"], ["Année", 2019]]


@pytest.fixture(scope="module")
def reference(built_store):
    """The real territory table and crosswalk of the build."""
    return (pd.read_parquet(built_store / "territories.parquet"),
            pd.read_parquet(built_store / "crosswalk.parquet"))


def make_workbook(path: Path, sheets: dict, meta=META) -> Path:
    """Write an .xlsx with one sheet per item (rows as lists) and, unless None, a Meta sheet."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    if meta is not None:
        sheet = book.create_sheet("Meta")
        for row in meta:
            sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def entry(indicator_id: str, workbook: str, **input_fields) -> dict:
    # The workbooks made here cover a few communes: no coverage threshold unless a test sets one.
    spec = {"loader": "deps", "workbook": workbook, "sheets": {"commune": "Data"},
            "column": "Valeur", "min_coverage": 0, **input_fields}
    return {"id": indicator_id, "label": {"fr": "Test", "en": "Test"}, "theme": "contexte",
            "unit": "nombre", "definition": {"fr": "Déf.", "en": "Def."},
            "source": {"fr": "Src", "en": "Src"}, "years": [2019], "levels": ["commune"],
            "aggregation": {"rule": "sum"}, "input": spec}


def run_engine(raw_dir: Path, entries: list[dict], reference) -> tuple[pd.DataFrame, Engine]:
    catalogue = Catalogue([parse_entry(e, "test.yaml") for e in entries])
    engine = Engine(catalogue, reference[0], reference[1], raw_dir)
    engine.read_sources()
    engine.derive()
    engine.patch_ratios()
    engine.resolve()
    return engine.collect(), engine


def value_of(values: pd.DataFrame, code: str):
    row = values[values["code"] == code]
    assert len(row) == 1, f"expected one row for {code}"
    return row.iloc[0]


GOOD_ROWS = [["Commune", "Code Insee", "Valeur"], ["Ain 1", "01001", 10], ["Ain 2", "01002", 20]]


def test_missing_meta_sheet_stops_build(tmp_path, reference):
    make_workbook(tmp_path / "bad.xlsx", {"Data": GOOD_ROWS}, meta=None)
    with pytest.raises(BuildError) as error:
        run_engine(tmp_path, [entry("x", "bad.xlsx")], reference)
    assert error.value.file == "bad.xlsx"
    assert "Meta" in error.value.problem


def test_meta_without_year_stops_build(tmp_path, reference):
    make_workbook(tmp_path / "bad.xlsx", {"Data": GOOD_ROWS}, meta=META[:2])
    with pytest.raises(BuildError) as error:
        run_engine(tmp_path, [entry("x", "bad.xlsx")], reference)
    assert error.value.sheet == "Meta"
    assert "Année" in error.value.problem


def test_missing_code_column_stops_build(tmp_path, reference):
    rows = [["Commune", "Valeur"], ["Ain 1", 10]]
    make_workbook(tmp_path / "bad.xlsx", {"Data": rows})
    with pytest.raises(BuildError) as error:
        run_engine(tmp_path, [entry("x", "bad.xlsx")], reference)
    assert error.value.sheet == "Data"
    assert error.value.row == 1
    assert "code column" in error.value.problem


def test_duplicated_codes_stop_build(tmp_path, reference):
    rows = GOOD_ROWS + [["Ain 1 bis", "01001", 5]]
    make_workbook(tmp_path / "bad.xlsx", {"Data": rows})
    with pytest.raises(BuildError) as error:
        run_engine(tmp_path, [entry("x", "bad.xlsx")], reference)
    assert error.value.row == 2
    assert "01001" in error.value.problem
    assert "[2, 4]" in error.value.problem


def test_text_in_numeric_column_stops_build(tmp_path, reference):
    rows = GOOD_ROWS + [["Ain 4", "01004", "douze"]]
    make_workbook(tmp_path / "bad.xlsx", {"Data": rows})
    with pytest.raises(BuildError) as error:
        run_engine(tmp_path, [entry("x", "bad.xlsx")], reference)
    message = str(error.value)
    assert error.value.file == "bad.xlsx"
    assert error.value.sheet == "Data"
    assert error.value.row == 4
    assert error.value.column == "Valeur"
    assert "douze" in message


def test_unknown_codes_beyond_threshold_stop_build(tmp_path, reference):
    rows = GOOD_ROWS + [["Nowhere", "99999", 1], ["Garbage", "abc", 2]]
    make_workbook(tmp_path / "bad.xlsx", {"Data": rows})
    with pytest.raises(BuildError) as error:
        run_engine(tmp_path, [entry("x", "bad.xlsx")], reference)
    assert error.value.row == 4
    assert "2 of 4 rows" in error.value.problem


def test_unknown_codes_below_threshold_are_reported(tmp_path, reference):
    rows = GOOD_ROWS + [["Nowhere", "99999", 1]]
    make_workbook(tmp_path / "ok.xlsx", {"Data": rows})
    values, engine = run_engine(tmp_path, [entry("x", "ok.xlsx", max_unknown_share=0.5)], reference)
    assert engine.sources[0].read.unknown == [(4, "99999")]
    assert value_of(values, "01001")["value"] == 10
    assert value_of(values, "01004")["status"] == "missing"  # absent from the sheet


def test_unlisted_category_stops_build(tmp_path, reference):
    rows = [["Commune", "Code Insee", "Valeur"], ["Ain 1", "01001", "Dense"], ["Ain 2", "01002", "Mystère"]]
    make_workbook(tmp_path / "bad.xlsx", {"Data": rows})
    spec = entry("x", "bad.xlsx", categories={"Dense": "1"})
    spec.update(aggregation={"rule": "categorical"}, palette={"type": "categorical", "scheme": "Set2"},
                categories=[{"code": "1", "label": {"fr": "Dense", "en": "Dense"}}])
    with pytest.raises(BuildError) as error:
        run_engine(tmp_path, [spec], reference)
    assert error.value.row == 3
    assert "Mystère" in error.value.problem


def test_long_format_sums_rows_and_converts_units(tmp_path, reference):
    rows = [["Code INSEE", "Commune", "Secteur", "Total", "Population"],
            ["01001", "Ain 1", "Musées", 1.5, 800], ["01001", "Ain 1", "Archives", 0.25, 800],
            ["01002", "Ain 2", "Musées", "", 300]]
    make_workbook(tmp_path / "long.xlsx", {"Data": rows})
    total = entry("spending", "long.xlsx", column="Total", code_column="Code INSEE", rows="sum",
                  scale=1000, absent="not_published")
    population = entry("pop", "long.xlsx", column="Population", code_column="Code INSEE", rows="same")
    values, _ = run_engine(tmp_path, [total, population], reference)
    spending = values[values["indicator"] == "spending"]
    assert value_of(spending, "01001")["value"] == pytest.approx(1750.0)
    assert value_of(spending, "01002")["status"] == "missing"
    assert value_of(spending, "01004")["status"] == "not_published"
    assert value_of(values[values["indicator"] == "pop"], "01001")["value"] == 800


def test_long_format_differing_repeats_stop_build(tmp_path, reference):
    rows = [["Code INSEE", "Total", "Population"], ["01001", 1, 800], ["01001", 2, 801]]
    make_workbook(tmp_path / "bad.xlsx", {"Data": rows})
    with pytest.raises(BuildError) as error:
        run_engine(tmp_path, [entry("pop", "bad.xlsx", column="Population", rows="same")], reference)
    assert error.value.row == 2
    assert error.value.column == "Population"


def test_repeated_sector_row_stops_build(tmp_path, reference):
    """A (code, sector) row given twice would be summed twice without a word."""
    rows = [["Code INSEE", "Secteur", "Total"], ["01001", "Musées", 1.5],
            ["01001", "Archives", 0.25], ["01002", "Musées", 3], ["01001", "Musées", 1.5]]
    make_workbook(tmp_path / "long.xlsx", {"Data": rows})
    spec = entry("spending", "long.xlsx", column="Total", code_column="Code INSEE", rows="sum")
    with pytest.raises(BuildError) as error:
        run_engine(tmp_path, [spec], reference)
    assert error.value.file == "long.xlsx"
    assert error.value.sheet == "Data"
    assert error.value.row == 5  # the repeated row, not the first one
    assert "'01001'" in error.value.problem
    assert "'Musées' twice (rows [2, 5])" in error.value.problem


def test_summed_rows_need_a_row_key(tmp_path, reference):
    rows = [["Code INSEE", "Total"], ["01001", 1.5], ["01001", 0.25]]
    make_workbook(tmp_path / "long.xlsx", {"Data": rows})
    spec = entry("spending", "long.xlsx", column="Total", code_column="Code INSEE", rows="sum")
    with pytest.raises(BuildError) as error:
        run_engine(tmp_path, [spec], reference)
    assert error.value.row == 1
    assert "row_key" in error.value.fix
    spec["input"]["row_key"] = "Total"  # any column telling the rows apart will do
    values, _ = run_engine(tmp_path, [spec], reference)
    assert value_of(values, "01001")["value"] == pytest.approx(1.75)


def test_summed_amounts_rounded_to_cents(tmp_path, reference):
    # The two sectors of CC Faucigny-Glières in k€: 370.21315 + 368.113 gives
    # 738326.1499999999 euros in binary floating point.
    rows = [["Code INSEE", "Secteur", "Total"], ["01001", "Patrimoine", 370.21315],
            ["01001", "Musées", 368.113]]
    make_workbook(tmp_path / "long.xlsx", {"Data": rows})
    spec = entry("spending", "long.xlsx", column="Total", code_column="Code INSEE", rows="sum",
                 scale=1000)
    values, _ = run_engine(tmp_path, [spec], reference)
    assert value_of(values, "01001")["value"] == 738326.15


def test_header_only_sheet_stops_build(tmp_path, reference):
    make_workbook(tmp_path / "empty.xlsx", {"Data": [GOOD_ROWS[0]]})
    with pytest.raises(BuildError) as error:
        run_engine(tmp_path, [entry("x", "empty.xlsx")], reference)
    assert error.value.file == "empty.xlsx"
    assert error.value.sheet == "Data"
    assert "no data row" in error.value.problem


def test_low_coverage_sheet_stops_build(tmp_path, reference):
    """Two communes of 34,875 would replace every other commune figure by « no data »."""
    make_workbook(tmp_path / "few.xlsx", {"Data": GOOD_ROWS})
    spec = entry("x", "few.xlsx")
    del spec["input"]["min_coverage"]  # the default threshold: half of the level
    with pytest.raises(BuildError) as error:
        run_engine(tmp_path, [spec], reference)
    assert error.value.file == "few.xlsx"
    assert error.value.sheet == "Data"
    assert "covers 2 of the" in error.value.problem
    assert "50%" in error.value.problem
    assert "min_coverage" in error.value.fix


def test_column_without_figure_stops_build(tmp_path, reference):
    rows = [GOOD_ROWS[0], ["Ain 1", "01001", None], ["Ain 2", "01002", "n.d."]]
    make_workbook(tmp_path / "blank.xlsx", {"Data": rows})
    with pytest.raises(BuildError) as error:
        run_engine(tmp_path, [entry("x", "blank.xlsx")], reference)
    assert error.value.column == "Valeur"
    assert "no figure" in error.value.problem


def test_merged_small_communes_stay_not_published(tmp_path, reference):
    """The threshold applies to the communes of the source year, not to their 2025 merger.

    Valdallière (14408) absorbed Viessoix (14623) in 2025: 2,000 and 2,520 inhabitants here,
    so 4,520 together but each under 3,500 in the spending year.
    """
    population = [["Commune", "Code Insee", "Valeur"], ["Valdallière", "14408", 2000],
                  ["Viessoix", "14623", 2520], ["Ain 1", "01001", 4000], ["Ain 2", "01002", 100],
                  ["Ain 4", "01004", 14000]]
    spending = [["Code INSEE", "Secteur", "Total"], ["01004", "Musées", 12]]
    make_workbook(tmp_path / "population.xlsx", {"Data": population})
    make_workbook(tmp_path / "spending.xlsx", {"Data": spending})
    threshold = {"indicator": "pop", "threshold": 3500, "status": "missing"}
    entries = [entry("pop", "population.xlsx"),
               entry("spending", "spending.xlsx", column="Total", code_column="Code INSEE",
                     rows="sum", absent="not_published", absent_above=threshold)]
    values, engine = run_engine(tmp_path, entries, reference)
    spending_values = values[values["indicator"] == "spending"]
    assert value_of(values[values["indicator"] == "pop"], "14408")["value"] == 4520
    assert value_of(spending_values, "14408")["status"] == "not_published"
    assert value_of(spending_values, "01001")["status"] == "missing"  # 4,000: should be there
    assert value_of(spending_values, "01002")["status"] == "not_published"
    source = next(s for s in engine.sources if s.indicator == "spending")
    assert source.merged_below == ["14408"]
    assert "01001" in source.absent_above and "14408" not in source.absent_above


def test_codes_as_numbers_csv_case(tmp_path, reference):
    """Codes without their leading zero, decimal commas and three ways of writing no data."""
    shutil.copy(CASE_CSV, tmp_path / "codes.csv")
    spec = entry("case", "codes.csv", meta=False, sheets={"commune": "codes"}, column="Valeur")
    values, engine = run_engine(tmp_path, [spec], reference)
    read = engine.sources[0].read
    assert read.unknown == []  # every row loaded, none dropped
    assert len(read.frame) == 6
    assert value_of(values, "01001")["value"] == pytest.approx(12.5)
    assert value_of(values, "01053")["value"] == pytest.approx(7.25)
    assert value_of(values, "2A004")["value"] == pytest.approx(3.0)
    for code in ("97101", "75056", "13055"):  # -1, empty and "n.d."
        row = value_of(values, code)
        assert row["status"] == "missing"
        assert pd.isna(row["value"])
    assert read.sentinels == 1
    assert read.markers == {"n.d.": 1}


def test_codes_as_numbers_in_xlsx(tmp_path, reference):
    """The same case with codes stored as numbers by a spreadsheet."""
    rows = [["Commune", "Code Insee", "Valeur"], ["A", 1001, "12,5"], ["B", 1053, 7.25],
            ["C", "2A004", 3], ["D", 97101, -1], ["E", 75056, None], ["F", 13055, "n.d."]]
    make_workbook(tmp_path / "numbers.xlsx", {"Data": rows})
    values, engine = run_engine(tmp_path, [entry("case", "numbers.xlsx")], reference)
    assert engine.sources[0].read.unknown == []
    assert value_of(values, "01001")["value"] == pytest.approx(12.5)
    assert value_of(values, "01053")["value"] == pytest.approx(7.25)
    assert value_of(values, "2A004")["value"] == pytest.approx(3.0)
    assert value_of(values, "97101")["status"] == "missing"


def test_old_codes_are_merged_by_rule():
    lookup = {"01039": "01138", "01138": "01138", "01001": "01001"}
    frame = pd.DataFrame({"code": ["01039", "01138", "01001"], "value": [454.0, 3035.0, 776.0],
                          "status": ["ok", "ok", "ok"], "category": [None, None, None]})
    summed, facts = map_to_current(frame, lookup, "sum")
    assert summed.set_index("code").loc["01138", "value"] == 3489
    assert facts.merged == {"01138": ["01039", "01138"]}
    medians, facts = map_to_current(frame, lookup, "none")
    assert medians.set_index("code").loc["01138", "status"] == "not_applicable"
    assert facts.not_applicable == ["01138"]
    assert medians.set_index("code").loc["01001", "value"] == 776


def raw_with_population(tmp_path: Path, rows: list[list], meta=META) -> Path:
    """A raw folder of links to the real files, with Population.xls made of `rows`."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for item in config.RAW_DIR.iterdir():
        if item.name != "deps-atlas":
            (raw / item.name).symlink_to(item)
    deps = raw / "deps-atlas"
    deps.mkdir()
    for item in (config.RAW_DIR / "deps-atlas").iterdir():
        if item.name != "indicateurs":
            (deps / item.name).symlink_to(item)
    (deps / "indicateurs").mkdir()
    for item in (config.RAW_DIR / "deps-atlas" / "indicateurs").iterdir():
        if item.name != "Population.xls":
            (deps / "indicateurs" / item.name).symlink_to(item)
    make_workbook(deps / "indicateurs" / "Population.xls", {"Population": rows}, meta=meta)
    return raw


def previous_build(tmp_path: Path, built_store: Path) -> Path:
    """A build folder with the files the indicator step reads, plus a marker file."""
    build = tmp_path / "build"
    build.mkdir()
    for name in ("territories.parquet", "crosswalk.parquet"):
        shutil.copy(built_store / name, build / name)
    (build / "marker.txt").write_text("previous build")
    return build


def run_cli(build: Path, raw: Path = config.RAW_DIR) -> subprocess.CompletedProcess:
    """Run `python -m loaders build --only indicators` on `raw` into `build`."""
    environment = {**os.environ, "ATLAS_RAW_DIR": str(raw), "ATLAS_BUILD_DIR": str(build)}
    return subprocess.run([sys.executable, "-m", "loaders", "build", "--only", "indicators"],
                          cwd=config.REPO_DIR, env=environment, capture_output=True, text=True,
                          timeout=600)


def test_failed_build_keeps_previous_build(tmp_path, built_store):
    """A workbook without Meta sheet stops the build; the build folder is left as it was."""
    raw = raw_with_population(
        tmp_path, [["Commune", "Code Insee", "Population totale"], ["A", "01001", 1]], meta=None)
    build = previous_build(tmp_path, built_store)
    before = sorted(p.name for p in build.iterdir())

    with pytest.raises(BuildError) as error:
        pipeline.build(only=["indicators"], raw_dir=raw, build_dir=build)
    assert "Population.xls" in str(error.value)
    assert "Meta" in str(error.value)
    assert sorted(p.name for p in build.iterdir()) == before
    assert (build / "marker.txt").read_text() == "previous build"
    assert not (tmp_path / "build.tmp").exists()


def test_header_only_sheet_stops_cli_in_one_line(tmp_path, built_store):
    """The build command logs one error line, without traceback, and keeps the previous build."""
    raw = raw_with_population(tmp_path, [["Commune", "Code Insee", "Population totale"]])
    build = previous_build(tmp_path, built_store)
    before = {p.name: p.read_bytes() for p in build.iterdir()}

    result = run_cli(build, raw)

    assert result.returncode == 2, result.stderr[-2000:]
    errors = [line for line in result.stderr.splitlines() if " ERROR " in line]
    assert len(errors) == 1, result.stderr[-2000:]
    assert "build stopped:" in errors[0]
    assert "file 'deps-atlas/indicateurs/Population.xls'" in errors[0]
    assert "sheet 'Population'" in errors[0]
    assert "no data row" in errors[0]
    assert "Traceback" not in result.stderr
    assert {p.name: p.read_bytes() for p in build.iterdir()} == before


def test_update_without_previous_build_stops_clearly(tmp_path):
    result = run_cli(tmp_path / "never-built")
    assert result.returncode == 2, result.stderr[-2000:]
    stopped = [line for line in result.stderr.splitlines() if "build stopped:" in line]
    assert len(stopped) == 1, result.stderr[-2000:]
    assert "no previous build to update" in stopped[0]
    assert "run a full build first" in stopped[0]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "never-built").exists()


def test_missing_previous_output_is_build_error(tmp_path):
    """A previous build without territories.parquet cannot be updated by one step."""
    build = tmp_path / "build"
    build.mkdir()
    with pytest.raises(BuildError) as error:
        pipeline.build(only=["indicators"], raw_dir=config.RAW_DIR, build_dir=build)
    assert "'territories.parquet' is missing" in error.value.problem
    assert "full build" in error.value.fix
    assert not (tmp_path / "build.tmp").exists()
