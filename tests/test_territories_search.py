"""Territory name search on the real reference."""

from __future__ import annotations

import pytest

from atlas.territories import normalize_name, search
from tests.territory_build import territories_frame, territory_build  # noqa: F401


@pytest.mark.parametrize("text, expected", [
    ("Saint-Étienne", "saint etienne"), ("St Etienne", "saint etienne"),
    ("ste-foy-lès-lyon", "sainte foy les lyon"), ("L'Île-d'Yeu", "l ile d yeu"),
    ("  PARIS  ", "paris"), ("Œuilly", "oeuilly"), ("", ""),
])
def test_normalize_name(text, expected):
    assert normalize_name(text) == expected


def _codes(frame):
    return list(frame["code"])


def test_saint_abbreviation(territories_frame):
    found = search(territories_frame, "st etienne", level="commune", limit=5)
    assert _codes(found)[0] == "42218"


def test_accents_and_hyphens(territories_frame):
    assert "85113" in _codes(search(territories_frame, "ile d yeu", level="commune"))
    assert _codes(search(territories_frame, "ste foy les lyon", level="commune"))[0] == "69202"
    assert _codes(search(territories_frame, "CHATEAUROUX", level="commune"))[0] == "36044"


def test_prefix_before_contains(territories_frame):
    found = search(territories_frame, "paris", level="commune", limit=10)
    assert _codes(found)[0] == "75056"
    names = list(found["name"])
    assert all(name.lower().startswith("paris") for name in names[:2])


def test_search_by_code(territories_frame):
    assert _codes(search(territories_frame, "13055"))[0] == "13055"
    assert _codes(search(territories_frame, "2A", level="departement"))[0] == "2A"


def test_homonyms_show_departement(territories_frame):
    found = search(territories_frame, "saint-denis", level="commune", limit=10)
    labels = set(found["label"])
    assert "Saint-Denis (93)" in labels
    assert "Saint-Denis (974)" in labels


def test_no_match_and_unknown_level(territories_frame):
    assert search(territories_frame, "zzzzqqq").empty
    assert search(territories_frame, "   ").empty
    with pytest.raises(ValueError, match="unknown level"):
        search(territories_frame, "paris", level="canton")


def test_limit(territories_frame):
    assert len(search(territories_frame, "saint", limit=7)) == 7
