"""Assemble the Dash app of the Atlas Culture des territoires.

`app` is the Dash application, `server` its Flask server (for `gunicorn app:server`).
`python app.py` starts the development server on 127.0.0.1:8050.
"""

from __future__ import annotations

import logging

import dash
from flask import jsonify, request

import api
import callbacks
from atlas.cache import init_cache
from atlas.logs import setup_logging
from layouts.shell import INDEX_STRING, shell_layout

setup_logging()
log = logging.getLogger("atlas.app")

app = dash.Dash(
    __name__,
    use_pages=True,
    pages_folder="layouts",
    title="Atlas Culture des territoires",
    update_title=None,
    suppress_callback_exceptions=True,
    serve_locally=True,
)
app.index_string = INDEX_STRING
app.layout = shell_layout
server = app.server

# Beyond this the request is not a link a person shared; pages drop over-long values themselves.
MAX_QUERY_BYTES = 65_536


@server.before_request
def reject_huge_queries():
    if len(request.query_string) > MAX_QUERY_BYTES:
        log.warning("rejected a %d-byte query string on %s", len(request.query_string), request.path)
        return jsonify({"error": f"query string longer than {MAX_QUERY_BYTES} bytes; shorten the link"}), 414
    return None


init_cache(server)
api.register(server)
callbacks.register()
log.info("app assembled: %d pages", len(dash.page_registry))

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8050, debug=False)
