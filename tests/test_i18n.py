"""The message catalogue: complete in both languages, placeholders consistent."""

from __future__ import annotations

import string

from atlas.i18n import load_messages, normalize_lang, t


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_has_french_and_english():
    missing = [key for key, texts in load_messages().items() if not texts.get("fr") and key.split(".")[0] != "units"
               or not texts.get("en") and key.split(".")[0] != "units"]
    assert missing == []


def test_placeholders_match_between_languages():
    mismatched = [key for key, texts in load_messages().items()
                  if _placeholders(texts.get("fr", "")) != _placeholders(texts.get("en", ""))]
    assert mismatched == []


def test_translate_formats_and_falls_back():
    assert t("common.invalid_parameter", "fr", name="year").startswith("Le paramètre « year »")
    assert t("common.invalid_parameter", "en", name="year").startswith("The parameter “year”")
    assert t("common.nav_carte", "de") == "Carte"
    assert t("common.no_such_key", "fr") == "common.no_such_key"


def test_normalize_lang_defaults_to_french():
    assert normalize_lang(None) == "fr"
    assert normalize_lang("EN") == "en"
    assert normalize_lang("<script>") == "fr"
