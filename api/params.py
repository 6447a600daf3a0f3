"""Query parameters of the API routes, parsed and checked in one place.

Every helper returns the parsed value or raises `BadParameter`. The blueprint turns it into a
JSON 400 whose `error` names the parameter and whose other members list the valid choices
(see `api.errors`), so a route never builds its own parameter error.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from flask import request

from atlas.tables import FRENCH, INTERNATIONAL

DIALECTS = (INTERNATIONAL, FRENCH)
# Characters of an invalid value echoed back in an error message.
MAX_ECHO = 40
# Integers are plain ASCII digits: str.isdigit() also accepts "²" or "٣", which int() rejects
# or reads as another number. Nine digits bound the parsing cost of a hostile value.
_INTEGER = re.compile(r"[0-9]{1,9}")


class BadParameter(ValueError):
    """An invalid query parameter: `message` for people, `details` (valid choices) for programs."""

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details


def clip(value: str | None, length: int = MAX_ECHO) -> str:
    """Return the start of a value for an error message (`…` marks a cut)."""
    text = "" if value is None else str(value)
    return text if len(text) <= length else text[:length] + "…"


def integer(name: str, *, default: int | None = None, minimum: int = 0,
            maximum: int | None = None, choices: Sequence[int] | None = None) -> int | None:
    """Return the integer parameter `name`, or `default` when the request does not give it.

    With `choices`, the value must be one of them, and the error lists them under
    `valid_<name>s`. Without, it must lie between `minimum` and `maximum`, which the error
    gives under `valid_range`.
    """
    raw = request.args.get(name)
    if raw is None:
        return default
    value = int(raw) if _INTEGER.fullmatch(raw) else None
    if choices is not None:
        if value not in choices:
            raise BadParameter(f"invalid {name} '{clip(raw)}'", **{f"valid_{name}s": list(choices)})
        return value
    if value is None or value < minimum or (maximum is not None and value > maximum):
        upper = f" to {maximum}" if maximum is not None else " or more"
        raise BadParameter(f"the parameter '{name}' must be an integer from {minimum}{upper}, "
                           f"not '{clip(raw)}'", valid_range=[minimum, maximum])
    return value


def choice(name: str, choices: Sequence[str], *, default: str | None = None,
           required: bool = False, what: str | None = None) -> str | None:
    """Return the parameter `name` when it is one of `choices`, else raise `BadParameter`.

    An absent or empty parameter gives `default`, or an error when `required`. The error
    lists `choices` under `valid_<name>s`; `what` names the parameter in the message.
    """
    raw = request.args.get(name)
    label = what or name
    details = {f"valid_{name}s": list(choices)}
    if not raw:
        if required:
            raise BadParameter(f"the parameter '{name}' is required", **details)
        return default
    if raw not in choices:
        raise BadParameter(f"unknown {label} '{clip(raw)}'", **details)
    return raw


def output_format(formats: Sequence[str], default: str) -> str:
    """Return the `format` parameter, one of `formats`."""
    return choice("format", formats, default=default)


def csv_dialect() -> str:
    """Return the `dialect` parameter of CSV output: `intl` (the default) or `fr`."""
    return choice("dialect", DIALECTS, default=INTERNATIONAL, what="CSV dialect")
