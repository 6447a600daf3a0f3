"""Cell parsing, code normalisation and name matching of the indicator loaders."""

import pytest

from loaders.indicators.cells import normalize_code, normalize_name, parse_cell, parse_number_text


@pytest.mark.parametrize("raw, expected", [
    (12.5, 12.5), (3, 3.0), ("12,5", 12.5), ("7,25", 7.25), ("1 234,5", 1234.5),
    ("1\u202f234", 1234.0), ("-0,3", -0.3), ("1e3", 1000.0), (0, 0.0),
])
def test_parse_cell_numbers(raw, expected):
    cell = parse_cell(raw)
    assert cell.status == "ok"
    assert cell.value == pytest.approx(expected)


@pytest.mark.parametrize("raw, status", [
    (None, "missing"), ("", "missing"), ("  ", "missing"), (-1, "missing"), (-1.0, "missing"),
    ("-1", "missing"), ("n.d.", "missing"), ("ND", "missing"), ("s", "secret"),
    ("Secret statistique", "secret"), ("n.p.", "not_published"), ("sans objet", "not_applicable"),
    (float("nan"), "missing"),
])
def test_parse_cell_statuses(raw, status):
    cell = parse_cell(raw)
    assert cell.status == status
    assert cell.value is None
    assert cell.problem is None


def test_parse_cell_sentinel_can_be_a_real_value():
    assert parse_cell(-1, sentinel=None).value == -1.0
    assert parse_cell(-1.0, sentinel=None).status == "ok"


def test_parse_cell_blank_status_configurable():
    assert parse_cell("", blank="secret").status == "secret"


@pytest.mark.parametrize("raw", ["abc", "12 pommes", True, float("inf")])
def test_parse_cell_reports_unknown_text(raw):
    cell = parse_cell(raw)
    assert cell.value is None
    assert cell.problem is not None


def test_parse_number_text_rejects_words():
    assert parse_number_text("douze") is None
    assert parse_number_text("1.234.567") is None


@pytest.mark.parametrize("raw, level, expected", [
    (1001, "commune", "01001"), ("1001", "commune", "01001"), (1001.0, "commune", "01001"),
    ("2A004", "commune", "2A004"), ("2a004", "commune", "2A004"), (" 75056 ", "commune", "75056"),
    (97101, "commune", "97101"), (1, "region", "01"), ("84", "region", "84"),
    (1, "departement", "01"), (971.0, "departement", "971"), ("2b", "departement", "2B"),
    (51, "zone_emploi", "0051"), (2, "aav", "002"), ("200000172", "epci", "200000172"),
    ("FR", "france", "FR"),
])
def test_normalize_code_restores_zeros(raw, level, expected):
    assert normalize_code(raw, level) == expected


@pytest.mark.parametrize("raw, level", [
    ("abc", "commune"), (None, "commune"), (12.5, "departement"), ("123", "region"),
    ("2A04", "commune"), ("1234567890", "epci"), (float("nan"), "region"),
])
def test_normalize_code_rejects_invalid(raw, level):
    assert normalize_code(raw, level) is None


def test_normalize_name_variants_match():
    assert normalize_name("Côte-d'Or") == normalize_name("Côte d'Or")
    assert normalize_name("Territoire de Belfort") == normalize_name("Territoire-de-Belfort")
    assert normalize_name("La Réunion") == normalize_name("Réunion")
    assert normalize_name("St-Denis") == normalize_name("Saint-Denis")
    assert normalize_name("Alpes") != normalize_name("Alpes-de-Haute-Provence")

