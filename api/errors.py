"""JSON error answers shared by every API route."""

from __future__ import annotations

import logging

from flask import jsonify

log = logging.getLogger(__name__)


def json_error(status: int, message: str, **details):
    """Return a Flask response `{"error": message, ...details}` with `status`, and log it."""
    log.info("api error %d: %s", status, message)
    return jsonify({"error": message, **details}), status
