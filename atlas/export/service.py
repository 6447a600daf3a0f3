"""Export one view in one format from its query string: images, A4 PDF, CSV and XLSX.

`export_view(view, fmt, params)` is what `/export/<view>.<fmt>?<query>` runs. The page
parameters go unchanged to the view's functions (see `atlas.export.registry`); the export
parameters below are read here:

- `width`, `width_cm`, `preset`: image size (see `atlas.export.sizes`);
- `chart`: which figure of a view with several, 1-based (default 1). A `.pdf` without `chart`
  contains every figure of the view on A4 pages when the view has more than one;
- `sep`: `fr` for French CSV (`;` separator, `,` decimals, UTF-8 with BOM) or `intl`.

Results are cached on (view, format, normalised query string, build stamp).
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import re
import time
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

import plotly.graph_objects as go
from flask import has_app_context

from atlas import store, tables
from atlas.cache import cache
from atlas.charts import add_source_note
from atlas.export import pdf
from atlas.export.registry import ExportView, available_views, get_view
from atlas.export.renderer import get_pool
from atlas.export.sizes import ImageSize, SizeError, parse_size
from atlas.i18n import normalize_lang, t

log = logging.getLogger(__name__)

IMAGE_FORMATS = ("png", "svg", "pdf")
DATA_FORMATS = ("csv", "xlsx")
FORMATS = IMAGE_FORMATS + DATA_FORMATS
MIMETYPES = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXPORT_PARAMETERS = ("width", "width_cm", "preset", "chart", "sep")
CSV_DIALECTS = (tables.FRENCH, tables.INTERNATIONAL)
# Parameters naming the content, in the order they appear in file names.
FILENAME_PARAMETERS = ("indicator", "level", "code", "t", "year", "from", "to")
# Larger results are not cached, so a few big PNGs cannot fill the shared cache.
MAX_CACHED_BYTES = 4 * 1024 * 1024
CACHE_TIMEOUT = 3600


class UnknownView(LookupError):
    """The view does not exist or has no export function yet."""

    def __init__(self, view: str):
        super().__init__(f"unknown export view {view!r}")
        self.view = view
        self.available = available_views()


class InvalidExportParameter(ValueError):
    """An invalid format or export parameter: the parameter, its value and the valid choices.

    `reason` is `invalid` (value not among the choices), `conflict` (several size parameters),
    `unsupported` (a format this view cannot produce yet) or `no_chart` (the view drew nothing).
    """

    def __init__(self, parameter: str, value: object, choices: Sequence[str] | str,
                 reason: str = "invalid"):
        self.parameter = parameter
        self.value = str(value)[:80]
        self.choices = choices if isinstance(choices, str) else list(choices)
        self.reason = reason
        super().__init__(f"{reason} {parameter}={self.value!r}; valid: {self.choices}")


@dataclass(frozen=True)
class ExportResult:
    content: bytes
    mimetype: str
    filename: str
    cache_key: str
    cached: bool = False


def normalized_query(params: Mapping[str, str]) -> str:
    """Return the query string with empty values dropped, keys sorted and French (the default)
    left implicit."""
    items = []
    for key in sorted(params):
        value = str(params[key]).strip()
        if not value or (key == "lang" and normalize_lang(value) == "fr"):
            continue
        items.append((key, value))
    return urlencode(items)


def _cache_key(view: str, fmt: str, params: Mapping[str, str]) -> str:
    stamp = store.build_stamp() if store.is_built() else "unbuilt"
    digest = hashlib.sha1(f"{view}|{fmt}|{normalized_query(params)}|{stamp}".encode()).hexdigest()
    return f"export:{view}:{fmt}:{digest}"


def _cache_get(key: str) -> bytes | None:
    return cache.get(key) if has_app_context() else None


def _cache_set(key: str, content: bytes) -> None:
    if has_app_context() and len(content) <= MAX_CACHED_BYTES:
        cache.set(key, content, timeout=CACHE_TIMEOUT)


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def export_filename(view: str, fmt: str, params: Mapping[str, str]) -> str:
    """Return a readable file name such as `atlas-carte-cinemas-departement-2022.png`."""
    parts = ["atlas", view]
    for name in FILENAME_PARAMETERS:
        value = _slug(str(params.get(name) or ""))
        if value:
            parts.append(value)
    return "-".join(parts)[:120].rstrip("-") + f".{fmt}"


def _page_params(params: Mapping[str, str]) -> dict[str, str]:
    return {key: str(value) for key, value in params.items() if key not in EXPORT_PARAMETERS}


def _resolve(view_name: str, fmt: str) -> ExportView:
    if fmt not in FORMATS:
        raise InvalidExportParameter("format", fmt, FORMATS)
    view = get_view(view_name)
    if view is None:
        raise UnknownView(view_name)
    if fmt not in view.formats():
        raise InvalidExportParameter("format", fmt, view.formats(), reason="unsupported")
    return view


def export_view(view_name: str, fmt: str, params: Mapping[str, str]) -> ExportResult:
    """Produce the export file of `view_name` in `fmt` for the query parameters `params`.

    Raises UnknownView, InvalidExportParameter, and the renderer errors of
    `atlas.export.renderer` for image formats.
    """
    view = _resolve(view_name, fmt)
    params = {str(key): str(value) for key, value in params.items()}
    key = _cache_key(view_name, fmt, params)
    filename = export_filename(view_name, fmt, params)
    hit = _cache_get(key)
    if hit is not None:
        log.info("export %s.%s served from cache (%d bytes)", view_name, fmt, len(hit))
        return ExportResult(hit, MIMETYPES[fmt], filename, key, cached=True)

    started = time.monotonic()
    if fmt in DATA_FORMATS:
        content = _export_data(view, fmt, params)
    else:
        content = _export_image(view, fmt, params)
    log.info("export %s.%s built in %.2f s (%d bytes) for %s", view_name, fmt,
             time.monotonic() - started, len(content), normalized_query(params)[:200])
    _cache_set(key, content)
    return ExportResult(content, MIMETYPES[fmt], filename, key)


# Data downloads


def metadata_mapping(rows: Sequence[Mapping[str, object]]) -> dict[str, object]:
    """Flatten metadata rows into the `key: value` lines written after the CSV data."""
    if len(rows) == 1:
        return dict(rows[0])
    flat: dict[str, object] = {}
    for number, row in enumerate(rows, start=1):
        for key, value in row.items():
            flat[f"{number}.{key}"] = value
    return flat


def _export_data(view: ExportView, fmt: str, params: dict[str, str]) -> bytes:
    lang = normalize_lang(params.get("lang"))
    frame, metadata = view.table_function()(_page_params(params))
    if fmt == "csv":
        dialect = (params.get("sep") or tables.INTERNATIONAL).strip().lower()
        if dialect not in CSV_DIALECTS:
            raise InvalidExportParameter("sep", params.get("sep"), CSV_DIALECTS)
        return tables.to_csv_bytes(frame, metadata_mapping(metadata), dialect=dialect)
    return tables.to_xlsx_bytes({t("export.sheet_data", lang): frame}, metadata,
                                metadata_sheet=t("export.sheet_metadata", lang))


# Images


def _chart_number(params: Mapping[str, str], count: int) -> int | None:
    raw = (params.get("chart") or "").strip()
    if not raw:
        return None
    # str.isdigit() also accepts digits such as "²" that int() cannot parse.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 4) or not 1 <= int(raw) <= count:
        raise InvalidExportParameter("chart", raw, [str(n) for n in range(1, count + 1)])
    return int(raw)


def _has_atlas_note(fig: go.Figure, lang: str) -> bool:
    site = t("common.site_title", lang)
    # Long source notes are wrapped with <br>, possibly inside the atlas name.
    texts = (re.sub(r"\s*<br\s*/?>\s*", " ", str(annotation.text or "")) for annotation in fig.layout.annotations)
    return any(site in text for text in texts)


def prepare_figure(fig: go.Figure, lang: str, metadata: Sequence[Mapping[str, object]] = ()) -> go.Figure:
    """Copy a page figure for export: fixed size comes from the request, and a figure without a
    source line gets one from the view's metadata (source, year, atlas name)."""
    fig = go.Figure(fig)
    fig.update_layout(width=None, height=None, autosize=True)
    if not _has_atlas_note(fig, lang) and metadata:
        row = metadata[0]
        source = row.get("source") or ""
        year = row.get("year") or row.get("period")
        add_source_note(fig, str(source), year, lang)
        bottom = fig.layout.margin.b if fig.layout.margin.b is not None else 80
        fig.update_layout(margin={"b": max(bottom, 95)})
    return fig


def _figures(view: ExportView, params: dict[str, str], lang: str, size: ImageSize) -> list[go.Figure]:
    function = view.figures_function()
    # A view whose layout depends on the output size (the map writes names only where they fit)
    # takes a `size` argument.
    if "size" in inspect.signature(function).parameters:
        figures = function(_page_params(params), lang, size=size)
    else:
        figures = function(_page_params(params), lang)
    figures = list(figures or [])
    if not figures:
        raise InvalidExportParameter("chart", "", [], reason="no_chart")
    return figures


def _export_image(view: ExportView, fmt: str, params: dict[str, str]) -> bytes:
    lang = normalize_lang(params.get("lang"))
    if view.figures_function() is None:
        return _export_document(view, params, lang, [])
    try:
        size = parse_size(params, view.width, view.height)
    except SizeError as error:
        raise InvalidExportParameter(error.parameter, params.get(error.parameter, ""), error.choices,
                                     reason=error.reason) from error

    figures = _figures(view, params, lang, size)
    chart = _chart_number(params, len(figures))
    if fmt == "pdf" and chart is None and (len(figures) > 1 or view.sections_function() is not None):
        return _export_document(view, params, lang, figures)

    metadata = _metadata_if_needed(view, params, figures[(chart or 1) - 1], lang)
    figure = prepare_figure(figures[(chart or 1) - 1], lang, metadata)
    return get_pool().render(figure, fmt, size.width, size.height, size.scale_for(fmt),
                             label=f"{view.name}#{chart or 1}")


def _metadata_if_needed(view: ExportView, params: dict[str, str], fig: go.Figure, lang: str) -> list:
    """Return the view's metadata rows, computed only when the figure lacks its source line."""
    if _has_atlas_note(fig, lang) or view.table_function() is None:
        return []
    _, metadata = view.table_function()(_page_params(params))
    return list(metadata)


def _export_document(view: ExportView, params: dict[str, str], lang: str,
                     figures: list[go.Figure]) -> bytes:
    """Build an A4 PDF: the view's own blocks when it defines them, else one block per figure."""
    title = t(f"export.view_{view.name}", lang)
    subtitle = ""
    sections = view.sections_function()
    if sections is not None:
        document = sections(_page_params(params), lang)
        if isinstance(document, Mapping):
            title = document.get("title") or title
            subtitle = document.get("subtitle") or ""
            blocks = list(document.get("blocks") or [])
        else:
            blocks = list(document)
    else:
        metadata = _metadata_if_needed(view, params, figures[0], lang)
        blocks = [pdf.Figure(prepare_figure(fig, lang, metadata), height_mm=110) for fig in figures]
    return pdf.assemble_pdf(blocks, title, lang, subtitle=subtitle)
