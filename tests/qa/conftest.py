"""Fixtures of the QA tests: the API routes on the real build, through Flask's test client."""

from __future__ import annotations

import pytest
from flask import Flask

import api
from atlas import store
from atlas.cache import init_cache


@pytest.fixture(scope="module")
def client(built_store):
    store.reset()
    if "densite_population" not in set(store.values()["indicator"].astype(str)):
        pytest.fail("the build has no Deps indicator values: run `python -m loaders build`")
    app = Flask(__name__)
    init_cache(app)
    api.register(app)
    return app.test_client()
