"""Gunicorn settings read from the repository folder (command-line options take precedence)."""

# Gunicorn rejects request lines over 4,094 bytes with HTTP 414 before they reach the app, and
# accepts at most 8,190 or 0 (no limit). A shared link with a long or tampered query must still
# open a valid page with a message, so the line is not limited here; the app ignores parameter
# values over 200 characters and headers keep gunicorn's default limits.
limit_request_line = 0
