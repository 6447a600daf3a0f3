"""Open-data API (`/api/v1/...`), geometry files (`/geo/...`) and exports (`/export/...`).

Each resource lives in its own module and adds its routes to the shared blueprint `bp`.
"""

from __future__ import annotations

import importlib

from flask import Blueprint, Flask

from api import errors

bp = Blueprint("api", __name__)
errors.install(bp)

RESOURCE_MODULES = (
    "api.territories",
    "api.indicators",
    "api.places",
    "api.mapplaces",
    "api.export",
)


def register(server: Flask) -> None:
    """Import every resource module (which adds its routes to `bp`), then mount `bp`."""
    for module in RESOURCE_MODULES:
        importlib.import_module(module)
    server.register_blueprint(bp)
