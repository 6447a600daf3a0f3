"""French and English number formatting, and statuses that never read as numbers."""

from __future__ import annotations

from atlas.formatting import format_number, format_percent_change, format_value


def test_french_grouping_and_decimal_comma():
    assert format_number(1234567.891, 2, "fr") == "1\u202f234\u202f567,89"
    assert format_number(-1500, 0, "fr") == "\u22121\u202f500"


def test_english_grouping():
    assert format_number(1234567.891, 2, "en") == "1,234,567.89"


def test_status_label_replaces_value():
    assert format_value(None, "secret", "€", 0, "fr") == "secret statistique"
    assert format_value(0.0, "ok", "€", 0, "fr") == "0\u00a0€"
    assert format_value(None, "not_published", "", 0, "en") == "not published"
    assert format_value(float("nan"), "ok", "", 0, "fr") == "donnée non disponible"


def test_percent_change_has_sign():
    assert format_percent_change(3.21, "fr") == "+3,2\u00a0%"
    assert format_percent_change(-1.0, "en") == "-1.0%"
