"""The indicator catalogue: one declarative entry per indicator, loaded from data/catalogue/.

Every menu, legend, tooltip, export and API answer reads indicator metadata from here. Entry
fields (YAML):

- `id`: stable snake_case id used in URLs and the API.
- `label`, `definition`, `source`, `notes`: `{fr, en}` texts (`notes` optional).
- `theme`: one of `atlas.config.THEMES`.
- `unit`: key of a unit message in `i18n/units.yaml`; `decimals`: digits shown (default 0).
- `years`: vintages of the data (the store may hold more; `Catalogue.years` merges both).
- `levels`: levels where the indicator is published.
- `aggregation`: `{rule: sum | ratio | weighted_mean | none | categorical, numerator,
  denominator, factor, weight}`; ratios are recomputed from summed parts, never averaged.
- `classification`: `{method, k}` default map classes; `palette`: `{type, scheme}` with type
  sequential, diverging or categorical and a ColorBrewer scheme name.
- `categories`: for categorical indicators, a list of `{code, label: {fr, en}, color}`.
- `hidden`: true for parts used only to compute other indicators (not offered in menus).
- `input`: instructions for the loader that reads the indicator; `loader: deps` entries are
  read without code by the generic workbook reader (keys in `loaders/indicators/reader.py`,
  guide in docs/ADDING_AN_INDICATOR.md).
- `series_breaks`: optional list of `{year, label: {fr, en}, levels}` (`levels` optional: the
  break then concerns only those levels, such as a change in what a France total covers), the first year of a new
  definition or source in a time series (charts mark them; `atlas.evolution.break_years`).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from atlas import config
from atlas.i18n import localized, t

log = logging.getLogger(__name__)

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
AGGREGATION_RULES = ("sum", "ratio", "weighted_mean", "none", "categorical")
CLASSIFICATION_METHODS = ("quantiles", "jenks", "equal_interval", "std_mean", "manual")
PALETTE_TYPES = ("sequential", "diverging", "categorical")


@dataclass(frozen=True)
class Indicator:
    """One catalogue entry, validated."""

    id: str
    label: dict
    theme: str
    unit: str
    definition: dict
    source: dict
    levels: tuple[str, ...]
    years: tuple[int, ...]
    aggregation: dict
    classification: dict
    palette: dict
    decimals: int = 0
    notes: dict = field(default_factory=dict)
    categories: tuple[dict, ...] = ()
    hidden: bool = False
    input: dict = field(default_factory=dict)
    series_breaks: tuple[dict, ...] = ()
    file: str = ""

    @property
    def is_categorical(self) -> bool:
        return self.palette.get("type") == "categorical"

    def text(self, name: str, lang: str | None) -> str:
        """Return a localized text field (`label`, `definition`, `source`, `notes`)."""
        return localized(getattr(self, name), lang)

    def unit_label(self, lang: str | None) -> str:
        return t(f"units.{self.unit}", lang)

    def category_label(self, code: str, lang: str | None) -> str:
        for category in self.categories:
            if str(category["code"]) == str(code):
                return localized(category["label"], lang)
        return str(code)

    def to_api(self, lang: str | None, years: list[int] | None = None) -> dict[str, Any]:
        """Describe the indicator as the open-data API publishes it."""
        return {
            "id": self.id,
            "label": self.text("label", lang),
            "theme": self.theme,
            "theme_label": t(f"common.theme_{self.theme}", lang),
            "unit": self.unit_label(lang),
            "levels": list(self.levels),
            "years": list(years if years is not None else self.years),
            "source": self.text("source", lang),
            "definition": self.text("definition", lang),
            "notes": self.text("notes", lang),
            "aggregation": self.aggregation.get("rule"),
            "categorical": self.is_categorical,
            "series_breaks": [{"year": int(b["year"]), "label": localized(b["label"], lang)}
                              for b in self.series_breaks],
        }


class CatalogueError(ValueError):
    """A catalogue entry that breaks the schema; the message names the file and the id."""


def _require(entry: dict, key: str, where: str):
    if key not in entry or entry[key] in (None, ""):
        raise CatalogueError(f"{where}: missing field '{key}'")
    return entry[key]


def _bilingual(entry: dict, key: str, where: str, required: bool = True) -> dict:
    value = entry.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict) or not value.get("fr") or not value.get("en"):
        raise CatalogueError(f"{where}: field '{key}' needs both 'fr' and 'en' texts")
    return value


def parse_entry(entry: dict, file: str) -> Indicator:
    """Validate one YAML entry and return it as an Indicator."""
    where = f"{file}: entry {entry.get('id', '<no id>')!r}"
    indicator_id = _require(entry, "id", where)
    if not ID_PATTERN.match(str(indicator_id)):
        raise CatalogueError(f"{where}: id must be snake_case ascii")
    theme = _require(entry, "theme", where)
    if theme not in config.THEMES:
        raise CatalogueError(f"{where}: theme '{theme}' is not one of {list(config.THEMES)}")
    levels = tuple(_require(entry, "levels", where))
    bad_levels = set(levels) - set(config.LEVELS)
    if bad_levels:
        raise CatalogueError(f"{where}: unknown levels {sorted(bad_levels)}")
    aggregation = dict(entry.get("aggregation") or {"rule": "none"})
    if aggregation.get("rule") not in AGGREGATION_RULES:
        raise CatalogueError(f"{where}: aggregation rule must be one of {list(AGGREGATION_RULES)}")
    if aggregation["rule"] == "ratio" and not (aggregation.get("numerator") and aggregation.get("denominator")):
        raise CatalogueError(f"{where}: a ratio needs 'numerator' and 'denominator' indicator ids")
    classification = dict(entry.get("classification") or {"method": "quantiles", "k": 5})
    if classification.get("method") not in CLASSIFICATION_METHODS:
        raise CatalogueError(f"{where}: classification method must be one of {list(CLASSIFICATION_METHODS)}")
    palette = dict(entry.get("palette") or {"type": "sequential", "scheme": "Blues"})
    if palette.get("type") not in PALETTE_TYPES:
        raise CatalogueError(f"{where}: palette type must be one of {list(PALETTE_TYPES)}")
    categories = tuple(entry.get("categories") or ())
    if palette["type"] == "categorical" and not categories:
        raise CatalogueError(f"{where}: a categorical indicator needs its 'categories'")
    years = tuple(int(y) for y in (entry.get("years") or ()))
    series_breaks = tuple(entry.get("series_breaks") or ())
    for item in series_breaks:
        if not isinstance(item, dict) or not isinstance(item.get("year"), int):
            raise CatalogueError(f"{where}: each series break needs an integer 'year'")
        _bilingual(item, "label", f"{where}, series break {item['year']}")
        bad_scope = set(item.get("levels") or ()) - set(config.LEVELS)
        if bad_scope:
            raise CatalogueError(f"{where}, series break {item['year']}: unknown levels {sorted(bad_scope)}")
    series_breaks = tuple(sorted(series_breaks, key=lambda item: item["year"]))
    return Indicator(
        id=indicator_id,
        label=_bilingual(entry, "label", where),
        theme=theme,
        unit=_require(entry, "unit", where),
        definition=_bilingual(entry, "definition", where),
        source=_bilingual(entry, "source", where),
        levels=levels,
        years=years,
        aggregation=aggregation,
        classification=classification,
        palette=palette,
        decimals=int(entry.get("decimals", 0)),
        notes=_bilingual(entry, "notes", where, required=False),
        categories=categories,
        hidden=bool(entry.get("hidden", False)),
        input=dict(entry.get("input") or {}),
        series_breaks=series_breaks,
        file=file,
    )


class Catalogue:
    """All indicators, in file then entry order."""

    def __init__(self, indicators: list[Indicator]):
        self._by_id: dict[str, Indicator] = {}
        for indicator in indicators:
            if indicator.id in self._by_id:
                first = self._by_id[indicator.id].file
                raise CatalogueError(f"indicator id '{indicator.id}' is defined twice ({first} and {indicator.file})")
            self._by_id[indicator.id] = indicator
        for indicator in indicators:
            for part in ("numerator", "denominator", "weight"):
                ref = indicator.aggregation.get(part)
                if ref and ref not in self._by_id:
                    raise CatalogueError(f"{indicator.file}: entry '{indicator.id}' refers to unknown "
                                         f"indicator '{ref}' as its {part}")

    def __contains__(self, indicator_id: object) -> bool:
        return indicator_id in self._by_id

    def __iter__(self):
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, indicator_id: str) -> Indicator:
        """Return the indicator, or raise KeyError naming the valid ids."""
        try:
            return self._by_id[indicator_id]
        except KeyError:
            raise KeyError(f"unknown indicator '{indicator_id}'") from None

    def ids(self, include_hidden: bool = False) -> list[str]:
        return [i.id for i in self if include_hidden or not i.hidden]

    def visible(self) -> list[Indicator]:
        return [i for i in self if not i.hidden]

    def by_theme(self) -> dict[str, list[Indicator]]:
        """Visible indicators grouped by theme, themes in their canonical order."""
        groups: dict[str, list[Indicator]] = {theme: [] for theme in config.THEMES}
        for indicator in self.visible():
            groups[indicator.theme].append(indicator)
        return {theme: items for theme, items in groups.items() if items}


def load_catalogue_from(folder: Path) -> Catalogue:
    """Read and validate every `*.yaml` file in `folder`."""
    indicators: list[Indicator] = []
    for path in sorted(Path(folder).glob("*.yaml")):
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        if not isinstance(entries, list):
            raise CatalogueError(f"{path.name}: expected a list of indicator entries")
        for entry in entries:
            indicators.append(parse_entry(entry, path.name))
    log.debug("catalogue loaded: %d indicators", len(indicators))
    return Catalogue(indicators)


@lru_cache(maxsize=1)
def load_catalogue() -> Catalogue:
    """The catalogue of the repository, read once per process."""
    return load_catalogue_from(config.CATALOGUE_DIR)
