"""A4 PDF documents made of text blocks, tables and plotly figures kept as vector graphics.

Each figure is rendered to SVG by the renderer pool, embedded in an HTML page as an image,
and the page is printed to PDF by the same headless Chromium (`Page.printToPDF`). Chromium
keeps SVG images as vector paths and text in the PDF, so charts stay sharp at any zoom and
their text can be selected. No PDF library is needed.

Blocks: `Heading`, `Paragraph`, `Figure`, `Table`, `PageBreak`. A `Figure` or `Table` with a
`source` gets a numbered footnote printed right under it. Pages are numbered in the footer.
"""

from __future__ import annotations

import base64
import html
import logging
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from atlas.export.renderer import RendererPool, get_pool
from atlas.formatting import format_number
from atlas.i18n import normalize_lang, t

log = logging.getLogger(__name__)

A4_WIDTH_MM, A4_HEIGHT_MM = 210.0, 297.0
MARGIN_MM = 15.0
MARGIN_BOTTOM_MM = 18.0
MM_PER_INCH = 25.4
CSS_PX_PER_MM = 96 / MM_PER_INCH
CONTENT_WIDTH_MM = A4_WIDTH_MM - 2 * MARGIN_MM
PRINT_TIMEOUT = 60.0


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    text: str
    small: bool = False


@dataclass(frozen=True)
class Figure:
    """A plotly figure drawn at the full text width; `height_mm` sets its height on the page."""

    figure: object
    caption: str = ""
    source: str = ""
    height_mm: float = 85.0


@dataclass(frozen=True)
class Table:
    columns: Sequence[str]
    rows: Sequence[Sequence[object]]
    caption: str = ""
    source: str = ""
    # Columns aligned right (numbers), by position.
    numeric: Sequence[int] = field(default_factory=tuple)


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Heading | Paragraph | Figure | Table | PageBreak

STYLE = f"""
@page {{ size: A4; margin: {MARGIN_MM}mm {MARGIN_MM}mm {MARGIN_BOTTOM_MM}mm {MARGIN_MM}mm; }}
body {{ font-family: "DejaVu Sans", Arial, sans-serif; font-size: 9.5pt; color: #1d2330; margin: 0; }}
header {{ border-bottom: 1.5pt solid #1d2330; margin-bottom: 4mm; padding-bottom: 2mm; }}
header .site {{ font-size: 8pt; color: #4a5263; text-transform: uppercase; letter-spacing: .04em; }}
h1 {{ font-size: 18pt; margin: 1mm 0 0 0; }}
header .subtitle {{ font-size: 10pt; color: #4a5263; margin-top: 1mm; }}
h2 {{ font-size: 12.5pt; margin: 5mm 0 2mm 0; break-after: avoid; }}
h3 {{ font-size: 10.5pt; margin: 4mm 0 1.5mm 0; break-after: avoid; }}
p {{ margin: 0 0 2mm 0; line-height: 1.35; }}
p.small {{ font-size: 8pt; color: #4a5263; }}
figure, .table-block {{ margin: 0 0 4mm 0; break-inside: avoid; }}
figure img {{ display: block; width: 100%; }}
.caption {{ font-weight: bold; font-size: 9.5pt; margin-bottom: 1mm; }}
.footnote {{ font-size: 7.5pt; color: #4a5263; margin-top: 1mm; }}
sup {{ font-size: 6.5pt; }}
table {{ border-collapse: collapse; width: 100%; font-size: 8.5pt; }}
th, td {{ border-bottom: .5pt solid #c9ced8; padding: 1mm 1.5mm; text-align: left; vertical-align: top; }}
th {{ border-bottom: 1pt solid #1d2330; }}
td.num, th.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
.page-break {{ break-after: page; }}
"""


def _escape(text: object) -> str:
    return html.escape("" if text is None else str(text))


def _footnote(number: int, source: str) -> str:
    return f'<div class="footnote"><sup>{number}</sup> {_escape(source)}</div>'


def _figure_html(block: Figure, svg: bytes, number: int | None) -> str:
    data = base64.b64encode(svg).decode("ascii")
    caption = ""
    if block.caption:
        marker = f"<sup>{number}</sup>" if number else ""
        caption = f'<div class="caption">{_escape(block.caption)}{marker}</div>'
    # The image gets its alt text from the caption, for tagged-PDF readers.
    image = f'<img alt="{_escape(block.caption)}" src="data:image/svg+xml;base64,{data}" />'
    note = _footnote(number, block.source) if number else ""
    return f"<figure>{caption}{image}{note}</figure>"


def _table_html(block: Table, number: int | None) -> str:
    numeric = set(block.numeric)

    def cell(tag: str, position: int, value: object) -> str:
        css = ' class="num"' if position in numeric else ""
        return f"<{tag}{css}>{_escape(value)}</{tag}>"

    head = "".join(cell("th", i, name) for i, name in enumerate(block.columns))
    body = "".join("<tr>" + "".join(cell("td", i, value) for i, value in enumerate(row)) + "</tr>"
                   for row in block.rows)
    caption = ""
    if block.caption:
        marker = f"<sup>{number}</sup>" if number else ""
        caption = f'<div class="caption">{_escape(block.caption)}{marker}</div>'
    note = _footnote(number, block.source) if number else ""
    return (f'<div class="table-block">{caption}<table><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>{note}</div>")


def figure_size_px(block: Figure) -> tuple[int, int]:
    """Layout size of a figure in CSS pixels: the text width and the requested height."""
    return round(CONTENT_WIDTH_MM * CSS_PX_PER_MM), round(block.height_mm * CSS_PX_PER_MM)


def document_html(blocks: Sequence[Block], svgs: Sequence[bytes], title: str, lang: str,
                  subtitle: str = "") -> str:
    """Build the HTML page of the document; `svgs` holds one SVG per Figure block, in order."""
    lang = normalize_lang(lang)
    parts = []
    figures = iter(svgs)
    footnote = 0
    for block in blocks:
        if isinstance(block, Heading):
            level = 3 if block.level >= 3 else 2
            parts.append(f"<h{level}>{_escape(block.text)}</h{level}>")
        elif isinstance(block, Paragraph):
            css = ' class="small"' if block.small else ""
            parts.append(f"<p{css}>{_escape(block.text)}</p>")
        elif isinstance(block, Figure):
            number = None
            if block.source:
                footnote += 1
                number = footnote
            parts.append(_figure_html(block, next(figures), number))
        elif isinstance(block, Table):
            number = None
            if block.source:
                footnote += 1
                number = footnote
            parts.append(_table_html(block, number))
        elif isinstance(block, PageBreak):
            parts.append('<div class="page-break"></div>')
        else:
            raise TypeError(f"unknown PDF block {type(block).__name__}")
    today = date.today()
    stamp = t("export.pdf_generated", lang, date=f"{today.day:02d}/{today.month:02d}/{today.year}")
    sub = f'<div class="subtitle">{_escape(subtitle)}</div>' if subtitle else ""
    header = (f'<header><div class="site">{_escape(t("common.site_title", lang))} · {_escape(stamp)}</div>'
              f"<h1>{_escape(title)}</h1>{sub}</header>")
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            f"<title>{_escape(title)}</title><style>{STYLE}</style></head>"
            f"<body>{header}{''.join(parts)}</body></html>")


def _footer_template(lang: str) -> str:
    # Chromium fills the pageNumber and totalPages spans; the template needs its own font size.
    site = _escape(t("common.site_title", lang))
    page = _escape(t("export.pdf_page", lang))
    return ('<div style="font-size:7pt;color:#4a5263;width:100%;padding:0 15mm;'
            'font-family:DejaVu Sans,Arial,sans-serif;display:flex;justify-content:space-between">'
            f'<span>{site}</span><span>{page} <span class="pageNumber"></span> / '
            '<span class="totalPages"></span></span></div>')


async def _print_page(renderer, page: Path, lang: str) -> bytes:
    """Open `page` in a new tab of the kaleido browser and print it as A4."""
    tab = await renderer.create_tab("")
    try:
        loaded = tab.subscribe_once("Page.loadEventFired")
        await tab.send_command("Page.enable")
        await tab.send_command("Page.navigate", params={"url": page.as_uri()})
        await loaded
        response = await tab.send_command("Page.printToPDF", params={
            "paperWidth": A4_WIDTH_MM / MM_PER_INCH,
            "paperHeight": A4_HEIGHT_MM / MM_PER_INCH,
            "printBackground": True,
            "preferCSSPageSize": True,
            "displayHeaderFooter": True,
            "headerTemplate": "<span></span>",
            "footerTemplate": _footer_template(lang),
        })
        if "error" in response:
            raise RuntimeError(f"Page.printToPDF failed: {response['error']}")
        return base64.b64decode(response["result"]["data"])
    finally:
        await renderer.close_tab(tab.target_id)


def assemble_pdf(blocks: Sequence[Block], title: str, lang: str | None = "fr", subtitle: str = "",
                 pool: RendererPool | None = None) -> bytes:
    """Render `blocks` as an A4 PDF: figures as vector SVG, sources as numbered footnotes.

    Raises the renderer errors of `atlas.export.renderer` (ExportUnavailable, ExportTimeout,
    ExportBusy, ExportFailed).
    """
    pool = pool or get_pool()
    lang = normalize_lang(lang)
    started = time.monotonic()
    svgs = []
    for block in blocks:
        if isinstance(block, Figure):
            width, height = figure_size_px(block)
            svgs.append(pool.render(block.figure, "svg", width, height, 1.0, label=f"pdf:{title[:40]}"))
    page_html = document_html(blocks, svgs, title, lang, subtitle)
    with tempfile.TemporaryDirectory(prefix="atlas-pdf-") as folder:
        page = Path(folder) / "document.html"
        page.write_text(page_html, encoding="utf-8")
        data = pool.run_coroutine(lambda renderer: _print_page(renderer, page, lang), PRINT_TIMEOUT)
    log.info("A4 PDF %r assembled: %d block(s), %d figure(s), %s bytes in %.2f s", title[:60], len(blocks),
             len(svgs), format_number(len(data), 0, "en"), time.monotonic() - started)
    return data
