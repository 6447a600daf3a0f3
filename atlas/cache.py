"""The flask-caching instance for derived frames: SimpleCache, or Redis when REDIS_URL is set.

Outside a Flask app (tests, build scripts) `memoize` falls back to calling the function, so the
pure functions stay usable everywhere. Cache keys are made of primitive arguments only.
"""

from __future__ import annotations

import logging

from flask_caching import Cache

from atlas import config

log = logging.getLogger(__name__)

cache = Cache()


def cache_config() -> dict:
    if config.REDIS_URL:
        return {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": config.REDIS_URL,
                "CACHE_DEFAULT_TIMEOUT": 3600, "CACHE_KEY_PREFIX": "atlas:"}
    return {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 3600, "CACHE_THRESHOLD": 2000}


def init_cache(server) -> None:
    """Attach the cache to the Flask server."""
    cache.init_app(server, config=cache_config())
    log.info("cache ready: %s", cache_config()["CACHE_TYPE"])
