"""Readers of the museum attendance files and the choice of one file per year, on crafted CSVs."""

import pandas as pd
import pytest

from loaders.errors import BuildError
from loaders.series import museums

OLD_HEADER = ("\ufeffREF DU MUSEE;NOM DU MUSEE;ANNEE;REGION;VILLE;DATE APPELLATION;PAYANT;"
              "GRATUIT;TOTAL;NOTE;ID MUSEOFILE;DEPARTEMENT;OBSERVATIONS\n")
NEW_HEADER = ("IDPatrimostat;IDMuseofile;region;departement;dateappellation;ferme;anneefermeture;"
              "nom_du_musee;lien_avec;ville;codeInseeCommune;annee;payant;gratuit;total;individuel;"
              "scolaires;groupes_hors_scolaires;moins_18_ans_hors_scolaires;_18_25_ans\n")


def old_row(ref, year, paid="", free="", total="", note="", observations=""):
    quoted = f'"{observations}"' if observations else ""
    return f"{ref};Musée {ref};{year};R;V;;{paid};{free};{total};{note};;D;{quoted}\n"


def new_row(ref, year, commune, paid="", free="", total="", closed="NON", closed_year="", link=""):
    return (f"{ref};M0001;R;D;;{closed};{closed_year};musée {ref};{link};V;{commune};{year};"
            f"{paid};{free};{total};;;;;\n")


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_old_format_statuses_and_zero_padding(tmp_path):
    path = write(tmp_path / "old.csv", OLD_HEADER
                 + old_row("2915101", 2001, 10, 5, 15)
                 + old_row("615501", 2001, note="F")          # leading zero lost
                 + old_row("1000101", 2001, note="NC")
                 + old_row("1000201", 2001, note="R")
                 + old_row("1000301", 2001, observations="1000301 ; 1000302")
                 + old_row("1000302", 2001, 7, 3, 10, observations="1000301 ; 1000302"))
    frame = museums.read_old_format(path).set_index("museum")
    assert frame.loc["2915101", "reporting"] == museums.REPORTED
    assert frame.loc["2915101", "commune"] == "29151"
    assert frame.loc["0615501", "reporting"] == museums.CLOSED
    assert frame.loc["1000101", "reporting"] == museums.NOT_REPORTED
    assert frame.loc["1000201", "reporting"] == museums.GROUPED
    assert frame.loc["1000301", "reporting"] == museums.GROUPED
    assert frame.loc["1000301", "grouped_with"] == "1000302"


def test_old_format_duplicate_keeps_reported_row(tmp_path):
    path = write(tmp_path / "old.csv", OLD_HEADER + old_row("3417210", 2003, 40, 3, 43)
                 + old_row("3417210", 2003, note="F"))
    frame = museums.read_old_format(path)
    assert len(frame) == 1
    assert frame.loc[0, "total"] == 43
    assert "3417210 2003" in frame.attrs["duplicates"][0]


def test_old_format_rejects_bad_count(tmp_path):
    path = write(tmp_path / "old.csv", OLD_HEADER + old_row("2915101", 2001, "douze", 5, 15))
    with pytest.raises(BuildError) as error:
        museums.read_old_format(path)
    assert error.value.column == "PAYANT"
    assert error.value.row == 2


def test_old_format_needs_its_columns(tmp_path):
    path = write(tmp_path / "old.csv", "REF;ANNEE\n2915101;2001\n")
    with pytest.raises(BuildError, match="missing columns"):
        museums.read_old_format(path)


def test_current_format_repairs_totals(tmp_path):
    path = write(tmp_path / "new.csv", NEW_HEADER
                 + new_row("0600401", 2020, "06004", 27200, 15975, 86350)  # 2 x (paid + free)
                 + new_row("5060101", 2021, "50601", 35, 530, "")          # no total
                 + new_row("0105302", 2021, "01053", 0, 0, 0)
                 + new_row("1038701", 2021, "10387", 0, 0, 0, link="1038704")
                 + new_row("0106401", 2021, "01064", 0, 0, 0, closed="OUI", closed_year="2020"))
    frame = museums.read_current_format(path).set_index("museum")
    assert frame.loc["0600401", "total"] == 43175
    assert frame.loc["5060101", "total"] == 565
    assert frame.loc["0105302", "reporting"] == museums.NOT_REPORTED
    assert frame.loc["1038701", "reporting"] == museums.GROUPED
    assert frame.loc["0106401", "reporting"] == museums.CLOSED
    assert frame.attrs["derived_totals"] == 1
    assert frame.attrs["multiplied_totals"] == 1


def test_choose_per_year_one_file_each_year(tmp_path):
    old = museums.read_old_format(write(tmp_path / "old.csv", OLD_HEADER
                                        + old_row("9743501", 2021, 1, 1, 2)
                                        + old_row("9743501", 2022, 9, 9, 18)))
    new = museums.read_current_format(write(tmp_path / "new.csv", NEW_HEADER
                                            + new_row("9743501", 2021, "97415", 5, 5, 10)
                                            + new_row("9743501", 2022, "97415", 3, 3, 6)))
    choice = museums.choose_per_year(old, new, new_from=2022)
    kept = choice.museums.set_index("year")
    assert kept.loc[2021, "total"] == 2
    assert kept.loc[2021, "source"] == museums.OLD_SOURCE
    assert kept.loc[2022, "total"] == 6
    assert kept.loc[2022, "source"] == museums.NEW_SOURCE
    # The ref starts with 97435, but the current export places the museum in Saint-Paul (97415).
    assert kept.loc[2021, "commune"] == "97415"
    assert choice.museums.attrs["relocated"] == [("9743501", "97435", "97415")]


def test_compare_files_counts_disagreements(tmp_path):
    old = museums.read_old_format(write(tmp_path / "old.csv", OLD_HEADER
                                        + old_row("1000101", 2019, total=100)
                                        + old_row("1000201", 2019, total=50)
                                        + old_row("1000301", 2019, total=5)))
    new = museums.read_current_format(write(tmp_path / "new.csv", NEW_HEADER
                                            + new_row("1000101", 2019, "10001", total=100)
                                            + new_row("1000201", 2019, "10002", total=60)
                                            + new_row("1000401", 2019, "10004", total=7)))
    row = museums.compare_files(old, new).iloc[0]
    assert row["same"] == 1
    assert row["different"] == 1
    assert row["only_old"] == 1
    assert row["only_new"] == 1
    assert row["total_old"] == 155
    assert row["total_new"] == 167


def test_normalize_museum_ref():
    refs = museums.normalize_museum_ref(pd.Series(["615501", "2A00401", " 2915101 ", None]))
    assert refs.tolist()[:3] == ["0615501", "2A00401", "2915101"]
    assert pd.isna(refs.iloc[3])
