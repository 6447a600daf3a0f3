"""Paths and settings read from the environment, in one place."""

from __future__ import annotations

import os
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parent.parent

# Raw public inputs; read-only. ATLAS_RAW_DIR overrides the default sibling folder.
RAW_DIR = Path(os.environ.get("ATLAS_RAW_DIR", REPO_DIR.parent / "shared" / "atlas-data")).resolve()

DATA_DIR = REPO_DIR / "data"
CATALOGUE_DIR = DATA_DIR / "catalogue"
# ATLAS_BUILD_DIR lets tests build into a scratch folder without touching the real store.
BUILD_DIR = Path(os.environ.get("ATLAS_BUILD_DIR", DATA_DIR / "build")).resolve()
I18N_DIR = REPO_DIR / "i18n"
ASSETS_DIR = REPO_DIR / "assets"

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").upper()
REDIS_URL = os.environ.get("REDIS_URL", "")

DEFAULT_LANG = "fr"
LANGUAGES = ("fr", "en")

# Territorial levels, from the largest to the smallest. Ids are used in code and URLs.
LEVELS = ("france", "region", "departement", "zone_emploi", "epci", "aav", "commune")
# Levels a user can map (France is a single territory).
MAP_LEVELS = LEVELS[1:]
FRANCE_CODE = "FR"

THEMES = ("offre_lieux", "depenses_publiques", "emploi_entreprises", "contexte", "zonages")
STATUSES = ("ok", "missing", "secret", "not_published", "not_applicable")
