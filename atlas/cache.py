"""The flask-caching instance for derived frames: SimpleCache, or Redis when REDIS_URL is set.

Use `memoize` rather than `cache.memoize`: inside the app it caches through flask-caching, and
outside a Flask app (unit tests, build scripts) it calls the function directly, so pure
functions stay usable everywhere. Cache keys are made of primitive arguments only.
"""

from __future__ import annotations

import functools
import logging

from flask import has_app_context
from flask_caching import Cache

from atlas import config

log = logging.getLogger(__name__)

cache = Cache()
DEFAULT_TIMEOUT = 3600


def cache_config() -> dict:
    if config.REDIS_URL:
        return {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": config.REDIS_URL,
                "CACHE_DEFAULT_TIMEOUT": DEFAULT_TIMEOUT, "CACHE_KEY_PREFIX": "atlas:"}
    return {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": DEFAULT_TIMEOUT, "CACHE_THRESHOLD": 2000}


def init_cache(server) -> None:
    """Attach the cache to the Flask server."""
    cache.init_app(server, config=cache_config())
    log.info("cache ready: %s", cache_config()["CACHE_TYPE"])


def memoize(timeout: int = DEFAULT_TIMEOUT):
    """Cache a function's result keyed on its (primitive) arguments when an app is running."""
    def decorator(function):
        cached = cache.memoize(timeout=timeout)(function)

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            if has_app_context():
                return cached(*args, **kwargs)
            return function(*args, **kwargs)

        wrapper.uncached = function
        return wrapper
    return decorator
