"""Export routes: `/export/<view>.<format>?<the page's query string>`.

Views: carte, comparaison, evolution, portrait (those whose functions exist). Formats: png, svg,
pdf (images, rendered by the system Chromium) and csv, xlsx (data). `GET /export/` lists the
views and formats available now. Errors are JSON, or a short HTML page when the request
prefers HTML: 400 for an invalid parameter, 404 for an unknown view, 503 when no browser is
available or every renderer is busy, 504 when a render times out.
"""

from __future__ import annotations

import html
import logging

from flask import Response, jsonify, make_response, request

from api import bp
from api.errors import json_error
from atlas.export.registry import available_views
from atlas.export.renderer import ExportBusy, ExportFailed, ExportTimeout, ExportUnavailable
from atlas.export.service import InvalidExportParameter, UnknownView, export_view
from atlas.i18n import normalize_lang, t
from atlas.store import StoreMissing
from atlas.urlstate import parse_search

log = logging.getLogger(__name__)

# Query strings longer than this are rejected before any parsing.
MAX_QUERY_LENGTH = 4000
INLINE_FORMATS = ("png", "svg", "pdf")


def _wants_html() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html" and request.accept_mimetypes["text/html"] > request.accept_mimetypes["application/json"]


def _error(status: int, message: str, lang: str, retry_after: int | None = None, **details):
    """Return a JSON error, or a small HTML page when a browser navigates to the export URL."""
    if _wants_html():
        title = t("export.error_title", lang)
        body = (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
                f"<title>{html.escape(title)}</title></head><body><h1>{html.escape(title)}</h1><p>{html.escape(message)}</p></body></html>")
        response = make_response(body, status)
        response.mimetype = "text/html"
        log.info("export error %d: %s", status, message)
    else:
        response, status = json_error(status, message, **details)
        response.status_code = status
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


@bp.get("/export/")
def export_index():
    """List the views that can be exported now, with their formats."""
    return jsonify({"views": available_views(),
                    "url": "/export/<view>.<format>?<query string of the page>",
                    "size_parameters": ["width", "width_cm", "preset=note|slide"],
                    "csv_parameter": "sep=fr|intl"})


@bp.get("/export/<view>.<fmt>")
def export_file(view: str, fmt: str):
    raw_query = request.query_string.decode("utf-8", errors="replace")
    lang = normalize_lang(request.args.get("lang"))
    if len(raw_query) > MAX_QUERY_LENGTH:
        return _error(400, t("export.error_query_too_long", lang, max=MAX_QUERY_LENGTH), lang,
                      parameter="query", choices=f"at most {MAX_QUERY_LENGTH} characters")
    params = parse_search(raw_query)
    try:
        result = export_view(view, fmt.lower(), params)
    except UnknownView as error:
        return _error(404, t("export.error_unknown_view", lang, view=view[:40],
                             views=", ".join(error.available) or "-"),
                      lang, views=error.available)
    except InvalidExportParameter as error:
        choices = error.choices if isinstance(error.choices, str) else ", ".join(error.choices)
        message = t(f"export.error_{error.reason}", lang, parameter=error.parameter, value=error.value,
                    choices=choices or "-")
        return _error(400, message, lang, parameter=error.parameter, choices=error.choices)
    except ExportUnavailable as error:
        log.error("export %s.%s unavailable: %s", view, fmt, error)
        return _error(503, t("export.error_unavailable", lang), lang, reason="no_browser",
                      data_formats=["csv", "xlsx"])
    except ExportBusy:
        return _error(503, t("export.error_busy", lang), lang, retry_after=10, reason="busy")
    except ExportTimeout:
        return _error(504, t("export.error_timeout", lang), lang, reason="timeout")
    except ExportFailed as error:
        log.error("export %s.%s failed: %s", view, fmt, error)
        return _error(500, t("export.error_failed", lang), lang, reason="render_failed")
    except StoreMissing:
        return _error(503, t("common.no_data_build", lang), lang, reason="no_data")
    except LookupError as error:
        # View functions raise LookupError when the build has no values for them yet;
        # a KeyError or IndexError is a bug and propagates.
        if isinstance(error, (KeyError, IndexError)):
            raise
        log.error("export %s.%s: no data: %s", view, fmt, error)
        return _error(503, t("export.error_no_data", lang), lang, reason="no_data")

    response = Response(result.content, mimetype=result.mimetype.split(";")[0])
    if result.mimetype.startswith("text/"):
        response.charset = "utf-8"
    disposition = "inline" if fmt in INLINE_FORMATS else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{result.filename}"'
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["X-Export-Cache"] = "hit" if result.cached else "miss"
    response.set_etag(result.cache_key.rsplit(":", 1)[-1])
    return response.make_conditional(request)
