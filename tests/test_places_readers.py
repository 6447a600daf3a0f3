"""Place readers on the real source files, checked against counts made here with csv/openpyxl."""

from __future__ import annotations

import csv
import json
from collections import Counter
from functools import lru_cache

import openpyxl
import pytest

from atlas import config
from atlas.places import TYPE_DOMAIN
from loaders.errors import BuildError
from loaders.places import (archives, basilic, cinemas_cnc, cinemas_deps, festivals,
                            libraries_deps, libraries_olp, monuments, museofile,
                            museums_official, plan_relance, private_theatres, spr)
from loaders.places.inputs import RECORD_COLUMNS, stable_ids

RAW = config.RAW_DIR
LIEUX = RAW / "deps-atlas" / "lieux"


@lru_cache(maxsize=None)
def read(module):
    return module.read(RAW)


def sheet_rows(name: str) -> list[dict]:
    """Rows of the first sheet of a workbook as dicts, read with openpyxl."""
    workbook = openpyxl.load_workbook(LIEUX / name, read_only=True)
    rows = workbook.worksheets[0].iter_rows(values_only=True)
    header = next(rows)
    return [dict(zip(header, row)) for row in rows if any(v is not None for v in row)]


def csv_rows(*parts: str, delimiter: str, encoding: str = "utf-8-sig") -> list[dict]:
    with open(RAW.joinpath(*parts), encoding=encoding, newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


ALL_READERS = (monuments, spr, basilic, museofile, museums_official, cinemas_cnc, cinemas_deps,
               libraries_olp, libraries_deps, archives, private_theatres, festivals, plan_relance)


@pytest.mark.parametrize("module", ALL_READERS, ids=lambda m: m.SOURCE)
def test_reader_schema(module):
    frame = read(module)
    assert list(frame.columns) == list(RECORD_COLUMNS)
    assert (frame["source"] == module.SOURCE).all()
    assert frame["place_key"].is_unique
    assert frame["type"].isin(list(TYPE_DOMAIN)).all()
    assert (frame["type"].map(TYPE_DOMAIN) == frame["domain"]).all()
    assert frame["name"].notna().mean() > 0.99


def test_monuments_counts_match_workbook():
    rows = sheet_rows("Base Equipements DEPS_last_fix_address.xlsx")
    frame = read(monuments)
    assert len(frame) == len(rows) == 12115
    labels = Counter(row["Nom_Label"] for row in rows)
    assert (frame["label"] == "mh_classe").sum() == labels["Classé MH"] == 3612
    assert (frame["label"] == "mh_inscrit").sum() == labels["Inscrit MH"]


def test_monument_geocoded_in_canada_is_read_as_given():
    frame = read(monuments)
    church = frame[(frame["name"] == "Eglise Saint-André") & (frame["commune_raw"] == "17111")].iloc[0]
    assert church["source_lat"] == pytest.approx(46.9362073)
    assert church["source_lon"] == pytest.approx(-74.6689521)
    # The geocoder's "corrected" address is in Québec: it must not become the address.
    assert church["address"] is None or "Canada" not in church["address"]


def test_monument_on_several_communes_keeps_every_code():
    frame = read(monuments)
    bridge = frame[frame["name"] == "Pont transbordeur du Martrou"].iloc[0]
    assert bridge["commune_raw"] == "17299 ; 17146"


def test_cnc_cinemas_match_csv():
    rows = csv_rows("cinema", "etablissements-cinematographiques.csv", delimiter=";")
    frame = read(cinemas_cnc)
    assert len(frame) == len(rows) == 2061
    assert (frame["label"] == "art_et_essai").sum() == sum(r["AE"] == "OUI" for r in rows) == 1264
    assert frame["screens"].sum() == sum(float(r["écrans"]) for r in rows) == 6298
    assert (frame["type"] == "cinema_itinerant").sum() == sum(r["genre"] == "ITINERANT" for r in rows)
    marignan = frame[frame["source_id"] == "54"].iloc[0]
    assert marignan["commune_raw"] == "75108"
    assert marignan["seats"] == 1597
    assert marignan["admissions"] == 206777
    assert marignan["multiplex"] == False  # noqa: E712 (a nullable boolean)


def test_deps_cinemas_carry_the_cnc_number():
    frame = read(cinemas_deps)
    assert len(frame) == len(sheet_rows("Base Equipements DEPS_last_fix_address cinema.xlsx")) == 2070
    cinestar = frame[frame["name"] == "CINESTAR"].iloc[0]
    assert cinestar["match_key"] == "723520"
    assert cinestar["place_key"] == "cine_cnc-723520"


def test_libraries_restore_leading_zero_of_postal_code():
    frame = read(libraries_deps)
    first = frame.iloc[0]
    assert first["postal_code"] == "01500"  # stored as the number 1500 in the workbook
    assert first["commune_raw"] == "01004"
    assert len(frame) == 15588


def test_library_addresses_match_csv():
    rows = csv_rows("offre-culturelle-misc", "adresses_des_bibliotheques_publiques_prepared.csv",
                    delimiter=",", encoding="utf-8")
    frame = read(libraries_olp)
    assert len(frame) == len(rows) == 15702
    kinds = Counter(r["type_adresse"] for r in rows)
    assert (frame["type"] == "bibliotheque_departementale").sum() == kinds["Bibliothèque départementale"]
    assert (frame["type"] == "bibliobus").sum() == kinds["Bibliobus"] == 29
    assert frame["coordinate_problem"].eq("empty").sum() == sum(not r["Latitude"] for r in rows)


def test_museum_lists_match_csv():
    museofile_rows = csv_rows("musees", "museofile.csv", delimiter="|", encoding="utf-8")
    official_rows = csv_rows("musees", "liste-officielle-museesdf-20220127-data.csv", delimiter=";")
    assert len(read(museofile)) == len(museofile_rows) == 1222
    official = read(museums_official)
    assert len(official) == len(official_rows) == 1221
    bugey = official[official["source_id"] == "M0967"].iloc[0]
    assert bugey["commune_raw"] == "01218"  # REF_Deps 0121801: commune code then index
    assert bugey["source_lat"] == pytest.approx(45.930633)  # decimal comma in the file


def test_archives_kinds_match_workbook():
    rows = sheet_rows("Archives.xlsx")
    frame = read(archives)
    assert len(frame) == len(rows) == 884
    kinds = Counter(r["Precision_equipement"] for r in rows)
    assert (frame["type"] == "archives_departementales").sum() == kinds["Archives départementales"] == 121


def test_basilic_zeniths_and_unesco():
    frame = read(basilic)
    assert (frame["type"] == "zenith").sum() == 17
    assert (frame["type"] == "patrimoine_mondial").sum() == 2
    gavarnie = frame[frame["source_id"] == "UNES_65188_0001"].iloc[0]
    # The cell holds the float 65192.0 and the arrondissement column only "65".
    assert "65192" in gavarnie["commune_raw"]


def test_private_theatres_capacity():
    frame = read(private_theatres)
    assert len(frame) == len(sheet_rows("Equipements_ajouter.xlsx")) == 16
    assert frame.loc[frame["name"] == "Bataclan", "capacity"].iloc[0] == 1495
    assert frame["postal_code"].isna().all()  # "75000" only says Paris


def test_festivals_commune_from_identifier():
    rows = csv_rows("offre-culturelle-misc", "festivals_nettoye.csv", delimiter=";", encoding="utf-8")
    frame = read(festivals)
    assert len(frame) == len(rows) == 7283
    first = frame[frame["source_id"] == "FEST_81222_5299"].iloc[0]
    assert first["commune_raw"] == "81222"
    assert first["type"] == "festival_spectacle_vivant"
    assert first["creation_year"] == 2001


@pytest.mark.parametrize("value, year", [
    ("2005", 2005), ("01/01/2015 00:00", 2015), ("27/06/1905 00:00", 2005), ("19ème", None),
    ("3000", None), (None, None)])
def test_festival_creation_year(value, year):
    assert festivals.creation_year(value) == year


def test_sites_patrimoniaux_match_csv():
    rows = csv_rows("offre-culturelle-misc", "sites_patrimoniaux_remarquables.csv", delimiter=";")
    frame = read(spr)
    assert len(frame) == len(rows) == 1132
    saint_malo = frame[frame["source_id"] == "SPR53-60"].iloc[0]
    assert saint_malo["commune_raw"] == "35288"
    assert saint_malo["creation_year"] == 2003
    assert frame["coordinate_problem"].eq("empty").all()


def test_plan_de_relance_splits_multi_site_amounts():
    collection = json.loads((LIEUX / "PDR.json").read_text(encoding="utf-8"))
    amounts = [f["properties"]["Montant"] for f in collection["features"]]
    frame = read(plan_relance)
    assert len(frame) == len(amounts) == 302
    # Two operations are repeated on three sites each with the full amount.
    assert frame["amount_eur"].sum() == pytest.approx(sum(amounts) - 2 * 1_000_000 - 2 * 670_000)
    sites = frame[frame["name"] == "Trois cathédrales franciliennes"]
    assert sorted(sites["commune_name"]) == ["Meaux", "Saint-Denis", "Versailles"]
    assert sorted(sites["postal_code"]) == ["77100", "78000", "93200"]
    assert sites["amount_eur"].sum() == pytest.approx(1_000_000)


def test_missing_column_names_file(tmp_path):
    folder = tmp_path / "cinema"
    folder.mkdir()
    (folder / "etablissements-cinematographiques.csv").write_text("nom;code INSEE\nA;01001\n",
                                                                 encoding="utf-8")
    with pytest.raises(BuildError) as error:
        cinemas_cnc.read(tmp_path)
    assert "etablissements-cinematographiques.csv" in str(error.value)
    assert "N° auto" in str(error.value)


def test_missing_file_names_path(tmp_path):
    with pytest.raises(BuildError, match="input file not found"):
        festivals.read(tmp_path)


def test_stable_ids_separate_repeated_keys():
    import pandas as pd
    ids = stable_ids("mh", pd.Series(["MH_01053_01", "MH_01053_01", None, None]),
                     pd.Series(["Théâtre", "Eglise", "Maison", "Maison"]))
    assert ids.is_unique
    assert ids.iloc[0].startswith("mh_MH-01053-01_")
    assert ids.iloc[3] == ids.iloc[2] + "_2"


def test_unknown_kind_names_row_and_column(tmp_path):
    import pandas as pd
    from loaders.places.inputs import check_known
    values = pd.Series(["Archives communales", "Archives privées"], index=[5, 6])
    rows = pd.Series([7, 8], index=[5, 6])
    with pytest.raises(BuildError) as error:
        check_known(values, archives.ARCHIVE_TYPES, rows, tmp_path / "Archives.xlsx",
                    "Precision_equipement", "Feuil1", what="archive kind")
    message = str(error.value)
    assert "row 8" in message
    assert "Archives privées" in message
    assert "Precision_equipement" in message
