"""Production server settings for `gunicorn app:server` (used by `make run` and the tests).

Shared links carry the whole page state in the query string, and a pasted link can be long:
gunicorn's default request-line limit (4,094 bytes, at most 8,190) would answer such links
with a bare HTML error. The limit is lifted here and enforced by the app instead
(`app.MAX_QUERY_BYTES`), which answers with a clear message.
"""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8050')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = 120
limit_request_line = 0
accesslog = "-"
# The app and its data are loaded once in the master process, then shared by the forked workers:
# one load at start instead of one per worker on its first request.
preload_app = True


def when_ready(server):
    from atlas import store

    store.warm()
