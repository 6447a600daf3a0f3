"""URL state parsing: invalid values fall back to defaults and are recorded."""

from __future__ import annotations

from atlas.urlstate import StateParser, build_href, parse_search


def test_parse_search_keeps_first_values():
    assert parse_search("?a=1&b=x&a=2") == {"a": "1", "b": "x"}
    assert parse_search("") == {}


def test_choice_rejects_unknown_and_path_traversal():
    parser = StateParser({"level": "../../etc/passwd", "indicator": "unknown"}, "carte")
    assert parser.choice("level", ["region", "departement"], "departement") == "departement"
    assert parser.choice("indicator", ["population"], "population") == "population"
    assert parser.invalid == ["level", "indicator"]


def test_integer_rejects_text_and_out_of_range():
    parser = StateParser({"year": "abc", "k": "42"}, "carte")
    assert parser.integer("year", 2019) == 2019
    assert parser.integer("k", 5, minimum=3, maximum=9) == 5
    assert parser.invalid == ["year", "k"]


def test_code_rejects_markup_and_long_values():
    parser = StateParser({"code": "<script>alert(1)</script>", "other": "x" * 10_000}, "carte")
    assert parser.code("code", None) is None
    assert parser.code("other", "FR") == "FR"
    assert parser.invalid == ["code", "other"]


def test_build_href_omits_defaults():
    assert build_href("/", {"lang": "fr", "level": None}) == "/"
    assert build_href("/comparer", {"lang": "en", "codes": ["a", "b"]}) == "/comparer?lang=en&codes=a%2Cb"
