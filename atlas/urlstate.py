"""Page state in the URL query string: parse with fallbacks, and build links.

Every page reads its state from query parameters, each with a default, so a shared link
reproduces the view and a missing parameter is not an error. An invalid value falls back to the
default and is recorded, so the page can show a message and the server logs one line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import parse_qs, urlencode

from atlas.i18n import normalize_lang

log = logging.getLogger(__name__)

MAX_VALUE_LENGTH = 200
CODE_PATTERN = re.compile(r"^[0-9A-Za-z]{1,12}$")


def parse_search(search: str | None) -> dict[str, str]:
    """Parse `?a=1&b=2` into a dict of first values; over-long values are dropped."""
    if not search:
        return {}
    parsed = parse_qs(search.lstrip("?"), keep_blank_values=False, max_num_fields=50)
    return {key: values[0] for key, values in parsed.items() if values and key}


class StateParser:
    """Read query parameters one by one, remembering those that were invalid."""

    def __init__(self, params: Mapping[str, object] | None, page: str):
        self.params = {str(k): ("" if v is None else str(v)) for k, v in (params or {}).items()}
        self.page = page
        self.invalid: list[str] = []
        self.lang = normalize_lang(self.params.get("lang"))

    def _raw(self, name: str) -> str | None:
        value = self.params.get(name)
        if value is None or value == "":
            return None
        if len(value) > MAX_VALUE_LENGTH:
            self._reject(name, value)
            return None
        return value

    def _reject(self, name: str, value: str) -> None:
        self.invalid.append(name)
        log.warning("page %s: invalid URL parameter %s=%r, default used", self.page, name, value[:80])

    def choice(self, name: str, choices: Iterable[str], default: str | None) -> str | None:
        """A value that must be one of `choices`."""
        value = self._raw(name)
        if value is None:
            return default
        if value in set(choices):
            return value
        self._reject(name, value)
        return default

    def integer(self, name: str, default: int | None, minimum: int | None = None,
                maximum: int | None = None, allowed: Iterable[int] | None = None) -> int | None:
        value = self._raw(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            self._reject(name, value)
            return default
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum) \
                or (allowed is not None and number not in set(allowed)):
            self._reject(name, value)
            return default
        return number

    def code(self, name: str, default: str | None, exists: Callable[[str], bool] | None = None) -> str | None:
        """A territory code: short alphanumeric text, optionally checked for existence."""
        value = self._raw(name)
        if value is None:
            return default
        if not CODE_PATTERN.match(value) or (exists is not None and not exists(value)):
            self._reject(name, value)
            return default
        return value

    def codes(self, name: str, exists: Callable[[str], bool] | None = None, limit: int = 8) -> list[str]:
        """A comma-separated list of `level:code` or `code` items, invalid items dropped."""
        value = self._raw(name)
        if value is None:
            return []
        items = [item for item in value.split(",") if item][:limit]
        kept = [item for item in items if re.match(r"^[a-z_]{0,20}:?[0-9A-Za-z]{1,12}$", item)
                and (exists is None or exists(item))]
        if len(kept) != len(items):
            self._reject(name, value)
        return kept

    def floats(self, name: str) -> list[float]:
        value = self._raw(name)
        if value is None:
            return []
        try:
            return [float(part) for part in value.split(",") if part]
        except ValueError:
            self._reject(name, value)
            return []

    def flag(self, name: str, default: bool = False) -> bool:
        value = self._raw(name)
        if value is None:
            return default
        if value in ("1", "true", "oui", "yes"):
            return True
        if value in ("0", "false", "non", "no"):
            return False
        self._reject(name, value)
        return default


def build_href(path: str, params: Mapping[str, object] | None = None) -> str:
    """Return `path?query` with empty values left out and French (the default) implicit."""
    clean = {}
    for key, value in (params or {}).items():
        if value is None or value == "" or value == [] or (key == "lang" and value == "fr"):
            continue
        if isinstance(value, (list, tuple)):
            value = ",".join(str(v) for v in value)
        clean[key] = value
    return f"{path}?{urlencode(clean)}" if clean else path
