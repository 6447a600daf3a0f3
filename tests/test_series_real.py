"""The `series` build step on the real raw files, checked against figures recomputed here.

The step runs once into a scratch folder, on the territory table and crosswalk of the real
build. Every expected value below is recomputed from the raw file with the csv module.
"""

import csv
import gzip
import json
import re
import shutil

import pandas as pd
import pytest

from atlas import config
from atlas.catalogue import load_catalogue
from atlas.perimeters import perimeter_history, sum_on_perimeter
from atlas.store_schema import validate_values_frame
from loaders.pipeline import BuildContext
from loaders.series import step

RAW = config.RAW_DIR
HISTORY = RAW / "insee-cog2019-and-pop1876-2015-vizoR" / "base_pop_1876_2015_wide.DERIVED.csv.gz"


@pytest.fixture(scope="module")
def series_build(built_store, tmp_path_factory):
    out = tmp_path_factory.mktemp("series-build")
    for name in ("territories.parquet", "crosswalk.parquet"):
        shutil.copy(built_store / name, out / name)
    step.run(BuildContext(raw_dir=RAW, out_dir=out))
    return out


@pytest.fixture(scope="module")
def values(series_build):
    frames = [pd.read_parquet(path) for path in sorted((series_build / "values").glob("series_*.parquet"))]
    return pd.concat(frames, ignore_index=True)


def value(values, indicator, level, code, year):
    rows = values[(values["indicator"] == indicator) & (values["level"] == level)
                  & (values["code"] == code) & (values["year"] == year)]
    assert len(rows) == 1, f"expected one row for {indicator} {level} {code} {year}, got {len(rows)}"
    return rows.iloc[0]


def history_rows():
    with gzip.open(HISTORY, "rt", encoding="utf-8") as handle:
        yield from csv.DictReader(handle)


def number(text):
    return float(text) if text not in ("", "NA") else None


# --- Population ---------------------------------------------------------------------------------

def test_paris_1876_is_sum_of_arrondissements(values):
    expected = sum(number(row["PTOT1876"]) for row in history_rows()
                   if re.fullmatch(r"751(0[1-9]|1[0-9]|20)", row["code_geo"]))
    row = value(values, "population", "commune", "75056", 1876)
    assert row["status"] == "ok"
    assert row["value"] == expected
    assert expected == 1_990_806


def test_arrondissement_kept_at_its_level(values):
    expected = next(number(row["PTOT1876"]) for row in history_rows() if row["code_geo"] == "75101")
    assert value(values, "population", "arrondissement_municipal", "75101", 1876)["value"] == expected


def test_merged_commune_sums_its_parts(values):
    # Valserhône (01033) was created in 2019 from Bellegarde-sur-Valserine (01033),
    # Châtillon-en-Michaille (01091) and Lancrans (01205).
    parts = {"01033", "01091", "01205"}
    for column, year in (("PTOT1876", 1876), ("PMUN2015", 2015)):
        expected = sum(number(row[column]) for row in history_rows() if row["code_geo"] in parts)
        assert value(values, "population", "commune", "01033", year)["value"] == expected
    assert value(values, "population", "commune", "01033", 2015)["value"] == 11809 + 3448 + 1046


def test_population_vintages_match_catalogue(values):
    stored = sorted(values.loc[values["indicator"] == "population", "year"].unique())
    assert stored == list(load_catalogue().get("population").years)
    assert 2018 not in stored
    assert 1946 not in stored


def test_restored_commune_missing_but_counted_above(values):
    # 15031 was restored from Neussargues en Pinatelle (15141) after COG 2017.
    assert value(values, "population", "commune", "15031", 1999)["status"] == "missing"
    assert value(values, "population", "commune", "15141", 1999)["status"] == "missing"
    expected = sum(number(row["PSDC1999"]) for row in history_rows() if row["code_geo"][:2] == "15")
    departement = value(values, "population", "departement", "15", 1999)
    assert departement["status"] == "ok"
    assert departement["value"] == expected


def test_france_total_and_coverage(values):
    total_1876 = sum(number(row["PTOT1876"]) or 0 for row in history_rows())
    assert value(values, "population", "france", "FR", 1876)["value"] == total_1876
    assert value(values, "population", "france", "FR", 1954)["status"] == "missing"
    assert value(values, "population", "region", "94", 1876)["status"] == "missing"  # Corse
    assert value(values, "population", "region", "94", 1936)["status"] == "ok"


def test_population_2016_communes_nouvelles_missing(values):
    # Valserhône (01033) was created on 1 January 2019: the 2016 list has its chef-lieu only.
    assert value(values, "population", "commune", "01033", 2016)["status"] == "missing"
    assert value(values, "population", "departement", "01", 2016)["status"] == "missing"
    assert value(values, "population", "france", "FR", 2016)["status"] == "missing"
    assert value(values, "population", "commune", "01001", 2016)["status"] == "ok"


def test_population_2021_from_comparateur(values):
    # Oullins-Pierre-Bénite (69149) became a commune nouvelle on 1 January 2024.
    with open(RAW / "communes-context-rcarlier" / "communes.csv", encoding="utf-8") as handle:
        rows = {row["insee_com"]: row for row in csv.DictReader(handle)}
    assert value(values, "population", "commune", "69149", 2021)["value"] == \
        float(rows["69149"]["population_2021"])


def test_mayotte_published_for_2017_only(values):
    with gzip.open(RAW / "decoupage-administratif" / "v5.3.0" / "communes.json.gz", "rt") as handle:
        records = json.load(handle)
    mamoudzou = next(r for r in records if r["code"] == "97611")
    assert value(values, "population", "commune", "97611", 2017)["value"] == mamoudzou["population"]
    assert value(values, "population", "commune", "97611", 2023)["status"] == "missing"
    assert value(values, "population", "departement", "976", 2017)["status"] == "ok"
    # The France total always leaves Mayotte out.
    departements = values[(values["indicator"] == "population") & (values["level"] == "departement")
                          & (values["year"] == 2017) & (values["code"] != "976")]
    assert value(values, "population", "france", "FR", 2017)["value"] == departements["value"].sum()


def test_population_2023_from_etalab_list(values):
    with gzip.open(RAW / "decoupage-administratif" / "v5.3.0" / "communes.json.gz", "rt") as handle:
        records = json.load(handle)
    paris = next(r for r in records if r["code"] == "75056" and r["type"] == "commune-actuelle")
    assert value(values, "population", "commune", "75056", 2023)["value"] == paris["population"]


def test_annual_rate_recomputed_from_populations(values):
    start = value(values, "population", "commune", "75056", 2015)["value"]
    end = value(values, "population", "commune", "75056", 2021)["value"]
    rate = value(values, "evolution_population_annuelle", "commune", "75056", 2021)
    assert rate["value"] == pytest.approx(((end / start) ** (1 / 6) - 1) * 100)
    assert rate["value"] < 0


# --- Museums ------------------------------------------------------------------------------------

def csv_rows(path):
    """Rows of a `;`-separated UTF-8 file (with or without a BOM) as dicts."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle, delimiter=";")


def museum_rows(name):
    yield from csv_rows(RAW / "musees" / name)


def test_france_museum_visits_2019_from_older_file(values):
    # 2019 comes from the older export; Saint-Pierre-et-Miquelon (975) is outside the atlas.
    expected = sum(float(row["TOTAL"]) for row in museum_rows("frequentation-des-musees-de-france.csv")
                   if row["ANNEE"] == "2019" and row["TOTAL"]
                   and not row["REF DU MUSEE"].zfill(7).startswith("975"))
    row = value(values, "musees_frequentation", "france", "FR", 2019)
    assert row["value"] == expected
    assert expected == pytest.approx(67.13e6, rel=1e-3)


def test_france_museum_visits_2023_from_current_file(values):
    expected = sum(float(row["total"]) for row in museum_rows("musees.csv")
                   if row["annee"] == "2023" and row["total"]
                   and not row["codeInseeCommune"].startswith("975"))
    assert value(values, "musees_frequentation", "france", "FR", 2023)["value"] == expected


def test_museum_paid_plus_free_is_total(values):
    total = value(values, "musees_frequentation", "departement", "75", 2010)["value"]
    paid = value(values, "musees_frequentation_payante", "departement", "75", 2010)["value"]
    free = value(values, "musees_frequentation_gratuite", "departement", "75", 2010)["value"]
    assert paid + free == total


def test_commune_without_museum_is_zero(values):
    row = value(values, "musees_frequentation", "commune", "01001", 2015)
    assert row["status"] == "ok"
    assert row["value"] == 0


def test_museum_count_and_detail_file(series_build, values):
    detail = pd.read_parquet(series_build / "musees_frequentation.parquet")
    assert set(detail["year"]) == set(range(2001, 2024))
    assert (detail.groupby(["museum", "year"]).size() == 1).all()
    count = value(values, "musees_nombre", "france", "FR", 2019)["value"]
    assert 900 < count < 1200


# --- Cinemas ------------------------------------------------------------------------------------

def cinema_rows():
    yield from csv_rows(RAW / "cinema" / "etablissements-cinematographiques.csv")


def test_cinema_admissions_france_and_paris(values):
    rows = list(cinema_rows())
    france = sum(float(row["entrées 2022"]) for row in rows)
    paris = sum(float(row["entrées 2022"]) for row in rows if row["code INSEE"].startswith("751"))
    assert value(values, "cinemas_entrees", "france", "FR", 2022)["value"] == france
    assert value(values, "cinemas_entrees", "commune", "75056", 2022)["value"] == paris
    screens_8e = sum(float(row["écrans"]) for row in rows if row["code INSEE"] == "75108")
    assert value(values, "cinemas_ecrans", "arrondissement_municipal", "75108", 2022)["value"] == screens_8e


def test_cinema_screens_and_seats_every_level(values):
    for indicator in ("cinemas_ecrans", "cinemas_fauteuils"):
        levels = set(values.loc[values["indicator"] == indicator, "level"])
        assert set(config.LEVELS) <= levels


def test_national_admissions_series(values):
    series = values[values["indicator"] == "cinemas_entrees_france"]
    assert set(series["level"]) == {"france"}
    assert sorted(series["year"]) == list(range(1980, 2025))
    assert value(values, "cinemas_entrees_france", "france", "FR", 2019)["value"] == 213_200_000


# --- Festivals ----------------------------------------------------------------------------------

def test_festival_stock_recomputed_for_avignon(values):
    path = RAW / "offre-culturelle-misc" / "festivals_nettoye.csv"
    years = []
    for row in csv_rows(path):
        if row["Identifiant"].startswith("FEST_84007_"):
            text = row["Année de création du festival"].strip()
            if re.fullmatch(r"\d{4}", text):
                years.append(int(text))
    for year in (1990, 2010, 2020):
        expected = sum(1 for created in years if created <= year)
        assert value(values, "festivals_nombre", "commune", "84007", year)["value"] == expected


def test_festival_stock_never_decreases(values):
    france = values[(values["indicator"] == "festivals_nombre") & (values["level"] == "france")]
    series = france.sort_values("year")["value"]
    assert series.is_monotonic_increasing
    assert series.iloc[0] < series.iloc[-1]


# --- EPCI perimeters ----------------------------------------------------------------------------

def test_epci_perimeters_match_sources(series_build):
    perimeters = pd.read_parquet(series_build / "epci_perimeters.parquet")
    assert 2018 not in set(perimeters["year"])
    assert set(range(1999, 2018)) | set(range(2019, 2027)) == set(perimeters["year"])
    with gzip.open(RAW / "etalab-geohisto" / "epci" / "2017.csv.gz", "rt", encoding="utf-8") as handle:
        members_2017 = {row["insee"].zfill(5) for row in csv.DictReader(handle, delimiter=";")
                        if row["siren"] == "200000172"}
    stored = perimeters[(perimeters["year"] == 2017) & (perimeters["epci"] == "200000172")]
    assert set(stored["commune_source"]) == members_2017
    with gzip.open(RAW / "decoupage-administratif" / "v6.0.0" / "epci.json.gz", "rt") as handle:
        epci_2026 = {e["code"]: e for e in json.load(handle)}
    members_2026 = {m["code"] for m in epci_2026["200000172"]["membres"]}
    stored = perimeters[(perimeters["year"] == 2026) & (perimeters["epci"] == "200000172")]
    assert set(stored["commune"]) == members_2026


def test_epci_current_perimeter_matches_store(series_build, values):
    perimeters = pd.read_parquet(series_build / "epci_perimeters.parquet")
    communes = values[(values["indicator"] == "population") & (values["level"] == "commune")]
    summed = sum_on_perimeter(communes, perimeters, "200000172", 2025).set_index("year")
    stored = value(values, "population", "epci", "200000172", 2023)["value"]
    assert summed.loc[2023, "value"] == stored
    history = perimeter_history(perimeters, "200000172")
    assert history.set_index("year").loc[2025, "same_as_current"]


# --- Contract -----------------------------------------------------------------------------------

def test_value_files_follow_contract(series_build):
    for path in sorted((series_build / "values").glob("series_*.parquet")):
        validate_values_frame(pd.read_parquet(path), path.stem)


def test_catalogue_years_match_store(values):
    catalogue = load_catalogue()
    for indicator in catalogue:
        if indicator.input.get("loader") != "series":
            continue
        stored = sorted(values.loc[values["indicator"] == indicator.id, "year"].unique())
        assert stored == list(indicator.years), indicator.id


def test_quality_report_lists_findings(series_build):
    report = (series_build / "quality" / "series.md").read_text(encoding="utf-8")
    assert "unreadable" in report
    assert "19ème" in report
    assert "2018 is in no source" in report
    assert "| 2017 |" in report  # museum file comparison table
