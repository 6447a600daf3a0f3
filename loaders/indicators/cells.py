"""Cell-level parsing of spreadsheet values: numbers, status markers and territory codes.

Spreadsheets write "no figure" in many ways (an empty cell, a -1 sentinel, "n.d.", "s"). Every
cell becomes either a number with status `ok` or a null with an explicit status, so that no
marker is ever published as a number.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from loaders.territories.crosswalk import normalize_commune_code

# Text markers found in French statistical tables, by the status they mean (compared after
# `_marker_key`: lower case, no accent, no dot or space).
STATUS_MARKERS = {
    "nd": "missing", "nc": "missing", "na": "missing", "nan": "missing", "-": "missing",
    "--": "missing", "...": "missing", "..": "missing", "donneenondisponible": "missing",
    "s": "secret", "secret": "secret", "secretstatistique": "secret",
    "np": "not_published", "nonpublie": "not_published", "nonpubliee": "not_published",
    "so": "not_applicable", "sansobjet": "not_applicable",
}

# Code widths per level: numbers lose their leading zeros in spreadsheets and get them back.
CODE_WIDTHS = {"region": 2, "departement": 2, "zone_emploi": 4, "epci": 9, "aav": 3}
CODE_PATTERNS = {
    "region": re.compile(r"^\d{2}$"),
    "departement": re.compile(r"^(\d{2}|2[AB]|97\d)$"),
    "zone_emploi": re.compile(r"^\d{4}$"),
    "epci": re.compile(r"^\d{9}$"),
    "aav": re.compile(r"^[0-9A-Z]{3}$"),
}
_NUMBER_TEXT = re.compile(r"^[+-]?(\d+|\d{1,3}( \d{3})+)([.,]\d+)?([eE][+-]?\d+)?$")
_SPACES = dict.fromkeys(map(ord, "\u00a0\u202f\u2009 "), None)


@dataclass(frozen=True)
class Cell:
    """A parsed numeric cell: `value` is set only when `status` is `ok`."""

    value: float | None
    status: str
    problem: str | None = None  # text that is neither a number nor a known marker
    kind: str = "number"  # number, blank, sentinel, marker or invalid


def _marker_key(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[\s.]", "", plain.lower()) or text.strip()


def parse_number_text(text: str) -> float | None:
    """Read a number written as text: French decimal comma and spaces as thousands separators."""
    stripped = text.strip().translate({0xA0: " ", 0x202F: " ", 0x2009: " "})
    if not _NUMBER_TEXT.match(stripped):
        return None
    return float(stripped.replace(" ", "").replace(",", "."))


def parse_cell(raw, *, sentinel: float | None = -1, blank: str = "missing",
               sentinel_status: str = "missing") -> Cell:
    """Turn one raw cell into a number or a status.

    `sentinel` is the number that means "no figure" in this column, or None when every number
    is a real value. `blank` is the status of an empty cell.
    """
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return Cell(None, blank, kind="blank")
    if isinstance(raw, bool):
        return Cell(None, "missing", problem=str(raw), kind="invalid")
    if isinstance(raw, (int, float)):
        number = float(raw)
    elif isinstance(raw, str):
        if not raw.strip():
            return Cell(None, blank, kind="blank")
        number = parse_number_text(raw)
        if number is None:
            status = STATUS_MARKERS.get(_marker_key(raw))
            if status is None:
                return Cell(None, "missing", problem=raw.strip(), kind="invalid")
            return Cell(None, status, kind="marker")
    else:  # dates, times and other objects are never a statistic
        return Cell(None, "missing", problem=str(raw), kind="invalid")
    if sentinel is not None and number == sentinel:
        return Cell(None, sentinel_status, kind="sentinel")
    if math.isinf(number):
        return Cell(None, "missing", problem=str(raw), kind="invalid")
    return Cell(number, "ok")


def normalize_code(raw, level: str) -> str | None:
    """Return the territory code of `level` for a raw cell, or None when it cannot be one.

    Numbers and digit strings get their leading zeros back (`1` is région `01`, `971.0` is
    département `971`); Corsican codes keep their letter (`2a004` becomes `2A004`).
    """
    if level == "commune":
        return normalize_commune_code(raw)
    if level == "france":
        return "FR" if str(raw).strip().upper() in ("FR", "FRANCE") else None
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, float):
        if math.isnan(raw) or not raw.is_integer():
            return None
        raw = int(raw)
    text = str(raw).strip().upper().translate(_SPACES)
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    if not text:
        return None
    width = CODE_WIDTHS.get(level)
    if width and text.isdigit() and len(text) < width:
        text = text.zfill(width)
    pattern = CODE_PATTERNS.get(level)
    if pattern is None or not pattern.match(text):
        return None
    return text


def normalize_name(name) -> str:
    """Return a territory name reduced for matching: no accent, case, punctuation or article.

    "Côte-d'Or", "Côte d'Or" and "COTE D OR" all become "cote d or"; "La Réunion" becomes
    "reunion"; "St" and "Ste" are spelled out.
    """
    plain = unicodedata.normalize("NFKD", str(name or "")).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", " ", plain.lower()).split()
    abbreviations = {"st": "saint", "ste": "sainte"}
    words = [abbreviations.get(word, word) for word in words]
    if len(words) > 1 and words[0] in ("la", "le", "les", "l"):
        words = words[1:]
    return " ".join(words)
