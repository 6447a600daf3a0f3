"""Views that can be exported, each mapped to the pure functions that build it.

A view is exported from the same functions the page uses:
- `table(params) -> (DataFrame, metadata rows)`: data downloads (CSV, XLSX);
- `figures(params, lang) -> list[go.Figure]`: images (PNG, SVG, PDF);
- optionally `sections(params, lang)`: the blocks of an A4 document for `.pdf` (see
  `atlas.export.pdf`), as a list or as a dict with `title`, `subtitle` and `blocks`.

`params` is the page's query string as a dict of strings. Functions are named
`"module:attribute"` and looked up lazily, so a view whose module is not written yet is simply
unavailable, and adding a view is one `register_view` call, never a change of the route.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExportView:
    """One exportable view: where its functions live and its natural image size."""

    name: str
    table: str | None = None
    figures: str | None = None
    sections: str | None = None
    # Natural layout in CSS pixels, kept as the aspect ratio of resized exports.
    width: int = 900
    height: int = 560

    @staticmethod
    def _function(reference: str | None) -> Callable | None:
        if not reference:
            return None
        module_name, _, attribute = reference.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            # Only a missing view module makes the view unavailable; a broken import inside it
            # is a bug and must surface.
            if error.name and module_name.startswith(error.name):
                return None
            raise
        return getattr(module, attribute, None)

    def table_function(self) -> Callable | None:
        return self._function(self.table)

    def figures_function(self) -> Callable | None:
        return self._function(self.figures)

    def sections_function(self) -> Callable | None:
        return self._function(self.sections)

    def formats(self) -> tuple[str, ...]:
        """Formats this view can produce now."""
        available = ()
        if self.figures_function() is not None:
            available += ("png", "svg", "pdf")
        elif self.sections_function() is not None:
            available += ("pdf",)
        if self.table_function() is not None:
            available += ("csv", "xlsx")
        return available


VIEWS: dict[str, ExportView] = {}


def register_view(view: ExportView) -> None:
    VIEWS[view.name] = view


register_view(ExportView("carte", table="atlas.export.carte:map_table",
                         figures="atlas.export.carte:map_figures", width=800, height=560))
register_view(ExportView("comparaison", table="atlas.compare:comparison_table",
                         figures="atlas.compare:comparison_figures"))
register_view(ExportView("evolution", table="atlas.evolution_view:evolution_table",
                         figures="atlas.evolution_figures:evolution_figures"))
# The portrait functions take the query string like the others; the PDF blocks come from
# `atlas.export.pdf`.
register_view(ExportView("portrait", table="atlas.portrait:portrait_export_table",
                         figures="atlas.portrait:portrait_figures",
                         sections="atlas.portrait:portrait_pdf_blocks", width=800, height=500))


def get_view(name: str) -> ExportView | None:
    view = VIEWS.get(name)
    if view is None or not view.formats():
        return None
    return view


def available_views() -> dict[str, list[str]]:
    """Name and formats of every view that can be exported now."""
    return {name: list(view.formats()) for name, view in VIEWS.items() if view.formats()}
