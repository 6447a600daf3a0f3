"""Callbacks, one module per page. Importing a module registers its callbacks with Dash."""

from __future__ import annotations

import importlib

PAGE_MODULES = (
    "callbacks.shell",
    "callbacks.carte",
    "callbacks.portrait",
    "callbacks.evolution",
    "callbacks.comparer",
)


def register() -> None:
    for module in PAGE_MODULES:
        importlib.import_module(module)
