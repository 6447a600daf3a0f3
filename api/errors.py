"""JSON error responses shared by every API route, and the handlers that produce them.

`install(bp)` makes the blueprint respond in JSON to every failure under `/api/` and
`/export/`: an invalid parameter (400), a path or method that no route serves (404, 405), a
missing build (503) and an unexpected error (500). Without the catch-all routes, an unknown
path under `/api/` would fall through to the Dash page (HTML, status 200).
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from api.params import BadParameter
from atlas.store import StoreMissing

log = logging.getLogger(__name__)

CATCH_ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
NOT_BUILT = "data not built yet: run `make run` or `python -m loaders build`"


def json_error(status: int, message: str, **details):
    """Return a Flask response `{"error": message, ...details}` with `status`, and log it."""
    log.info("api error %d: %s", status, message)
    return jsonify({"error": message, **details}), status


def _routes() -> list[str]:
    """Return the API and export routes of the app as `METHOD /path` strings."""
    routes = []
    for rule in current_app.url_map.iter_rules():
        if not rule.rule.startswith(("/api/", "/export/")) or rule.endpoint.endswith("unknown_route"):
            continue
        methods = sorted(set(rule.methods or ()) - {"HEAD", "OPTIONS"})
        routes.append(f"{','.join(methods)} {rule.rule}")
    return sorted(routes)


def unknown_route(rest: str = ""):
    """Respond 405 when another method serves this path under `/api/` or `/export/`, else 404."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        rule, _ = adapter.match(method="GET", return_rule=True)
    except HTTPException:
        rule = None
    if rule is not None and not rule.endpoint.endswith("unknown_route"):
        allowed = sorted(set(rule.methods or ()) - {"OPTIONS"})
        response, status = json_error(405, f"method {request.method} is not allowed on "
                                           f"'{request.path[:100]}'", allowed_methods=allowed)
        response.headers["Allow"] = ", ".join(allowed)
        return response, status
    return json_error(404, f"no API route at '{request.path[:100]}'", routes=_routes())


def _bad_parameter(error: BadParameter):
    return json_error(400, error.message, **error.details)


def _store_missing(error: StoreMissing):
    log.error("%s %s requested but the build is missing: %s", request.method, request.path, error)
    return json_error(503, NOT_BUILT)


def _http_error(error: HTTPException):
    return json_error(error.code or 500, error.description or error.name)


def install(bp: Blueprint) -> None:
    """Register the JSON error handlers and the catch-all routes on the API blueprint."""
    bp.register_error_handler(BadParameter, _bad_parameter)
    bp.register_error_handler(StoreMissing, _store_missing)
    bp.register_error_handler(HTTPException, _http_error)
    for prefix in ("/api", "/export"):
        bp.add_url_rule(f"{prefix}/<path:rest>", endpoint=f"{prefix[1:]}_unknown_route",
                        view_func=unknown_route, methods=CATCH_ALL_METHODS)
    bp.add_url_rule("/api/", endpoint="api_root_unknown_route", view_func=unknown_route,
                    methods=CATCH_ALL_METHODS)
    # GET /export/ lists the exports (api.export); this rule takes the other methods.
    bp.add_url_rule("/export/", endpoint="export_root_unknown_route", view_func=unknown_route,
                    methods=[m for m in CATCH_ALL_METHODS if m not in ("GET", "HEAD", "OPTIONS")])
