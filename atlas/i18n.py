"""The message catalogue: every user-facing string, in French and English.

Messages live in `i18n/<namespace>.yaml`, each a mapping of names to `{fr: ..., en: ...}`.
A key is `namespace.name`. Placeholders use `str.format` syntax (`{count}`).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

import yaml

from atlas import config

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def load_messages(folder: Path = config.I18N_DIR) -> dict[str, dict[str, str]]:
    """Read every namespace file into one flat dict keyed `namespace.name`."""
    messages: dict[str, dict[str, str]] = {}
    for path in sorted(folder.glob("*.yaml")):
        namespace = path.stem
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(entries, dict):
            raise ValueError(f"{path}: expected a mapping of message names, got {type(entries).__name__}")
        for name, texts in entries.items():
            if not isinstance(texts, dict):
                raise ValueError(f"{path}: message '{name}' must map languages to texts")
            messages[f"{namespace}.{name}"] = {lang: str(text) for lang, text in texts.items()}
    return messages


def normalize_lang(lang: str | None) -> str:
    """Return a supported language code, falling back to French."""
    if lang and lang.lower()[:2] in config.LANGUAGES:
        return lang.lower()[:2]
    return config.DEFAULT_LANG


def t(key: str, lang: str | None = None, **params) -> str:
    """Return the message `key` in `lang`, formatted with `params`.

    An unknown key is logged and returned as is, so a missing message shows up on screen
    instead of breaking the page.
    """
    lang = normalize_lang(lang)
    texts = load_messages().get(key)
    if texts is None:
        log.error("missing message key %s", key)
        return key
    text = texts.get(lang) or texts.get(config.DEFAULT_LANG, key)
    return text.format(**params) if params else text


def localized(value, lang: str | None) -> str:
    """Pick the `lang` text from a catalogue field that is either a string or `{fr, en}`."""
    if isinstance(value, dict):
        lang = normalize_lang(lang)
        return str(value.get(lang) or value.get(config.DEFAULT_LANG) or "")
    return "" if value is None else str(value)
