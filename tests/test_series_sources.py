"""Readers of the cinema, festival and EPCI files, and the commune helpers, on crafted inputs."""

import gzip
import json

import numpy as np
import pandas as pd
import pytest

from atlas.catalogue import parse_entry
from loaders.errors import BuildError
from loaders.series import cinemas, epci_perimeters, festivals
from loaders.series.communes import CodeMapper, commune_totals, isin
from loaders.series.step import series_indicators


def write(path, text, encoding="utf-8"):
    path.write_text(text, encoding=encoding)
    return path


# --- Cinemas ------------------------------------------------------------------------------------

CINEMA_HEADER = "\ufeffN° auto;nom;code INSEE;genre;écrans;fauteuils;entrées 2022;entrées 2021\n"


def test_cinema_list_one_row_per_year(tmp_path):
    path = write(tmp_path / "cine.csv", CINEMA_HEADER
                 + "54;GAUMONT;75108;FIXE;6.0;1597.0;206777.0;169651.0\n"
                 + "55;NEUF;01053;ITINERANT;1.0;100.0;5000.0;\n")
    frame = cinemas.read_establishments(path).set_index(["cinema", "year"])
    assert frame.loc[("54", 2022), "admissions"] == 206777
    assert frame.loc[("54", 2021), "screens"] == 6
    assert np.isnan(frame.loc[("55", 2021), "admissions"])
    assert frame.loc[("55", 2022), "kind"] == "ITINERANT"


def test_cinema_list_rejects_fractional_screens(tmp_path):
    path = write(tmp_path / "cine.csv", CINEMA_HEADER + "54;G;75108;FIXE;6.5;1597.0;1.0;1.0\n")
    with pytest.raises(BuildError) as error:
        cinemas.read_establishments(path)
    assert error.value.column == "écrans"
    assert error.value.row == 2


def test_cinema_list_rejects_duplicate_number(tmp_path):
    path = write(tmp_path / "cine.csv", CINEMA_HEADER + "54;G;75108;FIXE;6;10;1;1\n"
                 + "54;H;75109;FIXE;6;10;1;1\n")
    with pytest.raises(BuildError, match="appears twice"):
        cinemas.read_establishments(path)


def test_national_admissions_decimal_comma(tmp_path):
    path = write(tmp_path / "nat.csv", "\ufeffAnnée;Entrées (millions);Recette moyenne par entrée (€)\n"
                                       "2024;181,3;12\n1980;175,4;2,46\n")
    frame = cinemas.read_national_admissions(path)
    assert frame["year"].tolist() == [1980, 2024]
    assert frame["admissions"].tolist() == [175_400_000, 181_300_000]


def test_national_admissions_rejects_text(tmp_path):
    path = write(tmp_path / "nat.csv", "Année;Entrées (millions)\n2024;n.d.\n")
    with pytest.raises(BuildError) as error:
        cinemas.read_national_admissions(path)
    assert error.value.row == 2


# --- Festivals ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("1998", 1998),
    ("2015.0", 2015),
    ("01/01/2015 00:00", 2015),
    ("19/03/2005 00:00", 2005),
    ("2012 a eu lieu le premier Coup de théâtre", 2012),
    ("19ème", None),
    ("35 ans", None),
    ("2009 / 2004", None),
    ("20198", None),
    ("De 1980 à 1989", None),
    ("2031", None),
    ("", None),
    (None, None),
    (float("nan"), None),
])
def test_parse_creation_year(text, expected):
    assert festivals.parse_creation_year(text, latest=2022) == expected


FESTIVAL_HEADER = ("Nom du festival;Région principale de déroulement;Année de création du festival;"
                   "Identifiant\n")


def test_read_festivals_commune_from_identifier(tmp_path):
    path = write(tmp_path / "fest.csv", "\ufeff" + FESTIVAL_HEADER
                 + "A;R;2001;FEST_81222_5299\n"
                 + "B;R;18ème;FEST_2A004_12\n"
                 + "C;R;1990;FEST__7240\n"
                 + "D;R;;#REF!\n")
    frame = festivals.read_festivals(path, latest=2022).set_index("name")
    assert frame.loc["A", "commune"] == "81222"
    assert frame.loc["A", "creation_year"] == 2001
    assert frame.loc["B", "commune"] == "2A004"
    assert pd.isna(frame.loc["B", "creation_year"])
    assert pd.isna(frame.loc["C", "commune"])
    assert pd.isna(frame.loc["D", "commune"])


def test_stock_by_year_counts_from_creation():
    table = pd.DataFrame({"commune": ["A", "A", "B", "C", None],
                          "creation_year": pd.array([1990, 2000, 1950, None, 1990], dtype="Int64")})
    stock = festivals.stock_by_year(table, [1980, 1995, 2000, 2005]).set_index(["commune", "year"])
    assert stock.loc[("A", 1980), "value"] == 0
    assert stock.loc[("A", 1995), "value"] == 1
    assert stock.loc[("A", 2000), "value"] == 2
    assert stock.loc[("B", 1980), "value"] == 1
    assert "C" not in stock.index.get_level_values(0)


# --- EPCI perimeters ----------------------------------------------------------------------------

def test_geohisto_members_restore_leading_zero(tmp_path):
    path = tmp_path / "1999.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("siren;nom;nature;fiscalite;insee;nom_com\n"
                     "240100156;D.RURAL;DISTRICT;4TX;1024;Attignat\n"
                     "240100156;D.RURAL;DISTRICT;4TX;2A004;Ajaccio\n")
    frame = epci_perimeters.read_geohisto_members(path, 1999)
    assert frame["commune_source"].tolist() == ["01024", "2A004"]
    assert (frame["year"] == 1999).all()


def test_geohisto_members_reject_bad_code(tmp_path):
    path = tmp_path / "2000.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("siren;nom;insee\n240100156;D;abc\n")
    with pytest.raises(BuildError) as error:
        epci_perimeters.read_geohisto_members(path, 2000)
    assert error.value.row == 2


def test_etalab_members(tmp_path):
    path = tmp_path / "epci.json"
    path.write_text(json.dumps([{"code": "200000172", "nom": "CC", "membres": [
        {"code": "74042"}, {"code": "74164"}]}]), encoding="utf-8")
    frame = epci_perimeters.read_etalab_members(path, 2025)
    assert frame["commune_source"].tolist() == ["74042", "74164"]
    assert (frame["epci"] == "200000172").all()


# --- Commune helpers ----------------------------------------------------------------------------

def test_code_mapper_reports_unknown_and_invalid():
    crosswalk = pd.DataFrame({"old_code": ["01001", "01002"], "new_code": ["01001", "01001"],
                              "date": pd.NaT, "change_type": ["identity", "fusion"]})
    mapped = CodeMapper(crosswalk).map(pd.Series(["01002", "99999", "xx", None], index=[5, 6, 7, 8]))
    assert mapped.loc[5, "new_code"] == "01001"
    assert mapped.loc[6, "change_type"] == "unknown_code"
    assert mapped.loc[7, "change_type"] == "invalid_code"
    assert mapped.loc[8, "change_type"] == "invalid_code"
    assert mapped["new_code"].isna().sum() == 3


def test_commune_totals_zero_missing_and_sum():
    rows = pd.DataFrame({"commune": ["A", "A", "B", "C", "C"], "year": 2020,
                         "value": [10.0, 5.0, np.nan, 3.0, np.nan],
                         "status": ["ok", "ok", "missing", "ok", "missing"]})
    totals = commune_totals(rows, pd.Index(["A", "B", "C", "D"]), [2020]).set_index("code")
    assert totals.loc["A", "value"] == 15
    assert totals.loc["B", "status"] == "missing"
    assert totals.loc["C", "value"] == 3  # sum of what was reported
    assert totals.loc["D", "value"] == 0  # no establishment: a true zero
    assert totals.loc["D", "status"] == "ok"


def test_commune_totals_absent_can_be_missing():
    rows = pd.DataFrame({"commune": ["A"], "year": 2020, "value": [1.0], "status": ["ok"]})
    totals = commune_totals(rows, pd.Index(["A", "B"]), [2020], absent_is_zero=False)
    assert totals.set_index("code").loc["B", "status"] == "missing"


def test_isin_on_arrow_strings():
    values = pd.Series(["01001", "01002", None], dtype="str")
    assert isin(values, pd.Index(["01002"])).tolist() == [False, True, False]


# --- Catalogue entries of the step --------------------------------------------------------------

BASE = {"label": {"fr": "x", "en": "x"}, "theme": "contexte", "unit": "habitants",
        "definition": {"fr": "d", "en": "d"}, "source": {"fr": "s", "en": "s"},
        "levels": ["commune"]}


def test_series_indicators_dispatch_by_source():
    entries = [parse_entry(dict(BASE, id="a", input={"loader": "series", "source": "musees",
                                                      "measure": "total"}), "x.yaml"),
               parse_entry(dict(BASE, id="b", input={"loader": "deps"}), "x.yaml")]
    found = series_indicators(entries)
    assert list(found) == ["musees"]
    assert found["musees"]["total"].id == "a"


def test_series_indicators_reject_unknown_measure():
    entry = parse_entry(dict(BASE, id="a", input={"loader": "series", "source": "musees",
                                                  "measure": "average"}), "x.yaml")
    with pytest.raises(BuildError, match="unknown source/measure"):
        series_indicators([entry])
