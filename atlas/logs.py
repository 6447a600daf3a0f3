"""Logging set up once for the app, the build and the benchmarks."""

from __future__ import annotations

import logging

from atlas import config

_configured = False


def setup_logging(level: str | None = None) -> None:
    """Configure the root logger once; the level comes from LOG_LEVEL unless given."""
    global _configured
    if _configured:
        return
    logging.basicConfig(
        level=(level or config.LOG_LEVEL),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    _configured = True
