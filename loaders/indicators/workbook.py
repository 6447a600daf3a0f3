"""Reading Deps-layout workbooks: data sheets with a header row, plus a `Meta` sheet.

The `Meta` sheet has key/value rows without header: `Definition`, `Source`, `Année`. Workbooks
of other layouts (INSEE tables, zoning files) are read with `meta=False` and an explicit header
row. python-calamine reads both `.xls` and `.xlsx`. A `.csv` file (`;` or `,` separated, UTF-8
or Latin-1) is read as one sheet named after the file, every cell as text, without Meta.
"""

from __future__ import annotations

import csv
import io
import logging
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineWorkbook

from loaders.errors import BuildError

log = logging.getLogger(__name__)

META_SHEET = "Meta"
META_KEYS = {"definition": "definition", "source": "source", "annee": "year"}


def _plain(text) -> str:
    return unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().strip().lower()


@dataclass
class Sheet:
    """One data sheet: its header (stripped texts) and rows; `header_row` is 1-based."""

    workbook: str
    name: str
    header: list[str]
    rows: list[list]
    header_row: int = 1
    row_numbers: list[int] = field(default_factory=list)

    def excel_row(self, index: int) -> int:
        """Spreadsheet row number (1-based) of data row `index`, for error messages."""
        if index < len(self.row_numbers):
            return self.row_numbers[index]
        return self.header_row + 1 + index

    def column_index(self, column: str) -> int:
        """Position of a header, or a BuildError listing the headers of the sheet."""
        if column in self.header:
            return self.header.index(column)
        raise BuildError(f"column '{column}' not found; the headers are {self.header}.",
                         file=self.workbook, sheet=self.name, row=self.header_row,
                         fix="fix the header or the catalogue entry's `input` columns.")

    def column(self, column: str) -> list:
        index = self.column_index(column)
        return [row[index] if index < len(row) else None for row in self.rows]

    def find_column(self, *prefixes: str) -> str | None:
        """First header starting with one of `prefixes` (compared without case or accent)."""
        for header in self.header:
            if any(_plain(header).startswith(_plain(p)) for p in prefixes):
                return header
        return None


@dataclass
class Workbook:
    """A workbook's data sheets and, for the Deps layout, its Meta fields."""

    path: Path
    label: str
    sheets: dict[str, Sheet] = field(default_factory=dict)
    meta: dict[str, object] = field(default_factory=dict)

    def sheet(self, name: str) -> Sheet:
        if name in self.sheets:
            return self.sheets[name]
        raise BuildError(f"sheet '{name}' not found; the sheets are {list(self.sheets)}.",
                         file=self.label, fix="fix the sheet name in the catalogue entry's `input`.")

    @property
    def year(self) -> int | None:
        value = self.meta.get("year")
        return int(value) if value is not None else None


def _read_meta(rows: list[list], label: str) -> dict[str, object]:
    meta: dict[str, object] = {}
    for row in rows:
        if not row or not str(row[0]).strip():
            continue
        key = META_KEYS.get(_plain(row[0]))
        if key:
            meta[key] = row[1] if len(row) > 1 else None
    missing = [name for name, key in (("Definition", "definition"), ("Source", "source"),
                                      ("Année", "year")) if not str(meta.get(key) or "").strip()]
    if missing:
        raise BuildError(f"the Meta sheet lacks the rows {missing}.", file=label, sheet=META_SHEET,
                         fix="add one row per field: the key in column A, its value in column B.")
    year = meta["year"]
    try:
        meta["year"] = int(float(str(year).strip()))
    except ValueError:
        raise BuildError(f"the Meta year '{year}' is not a year.", file=label, sheet=META_SHEET,
                         fix="write the year of the data as a number, for example 2019.") from None
    return meta


def _sheet_from_rows(rows: list[list], name: str, label: str, header_row: int) -> Sheet:
    if len(rows) < header_row:
        raise BuildError("the sheet has no header row.", file=label, sheet=name, row=header_row,
                         fix="put the column names in the header row.")
    header = [str(h).strip() for h in rows[header_row - 1]]
    while header and not header[-1]:
        header.pop()
    if not header:
        raise BuildError("the header row is empty.", file=label, sheet=name, row=header_row,
                         fix="put the column names in the header row.")
    seen = set()
    for position, text in enumerate(header):
        if not text:
            raise BuildError(f"column {position + 1} has no header.", file=label, sheet=name,
                             row=header_row, fix="name every column of the data sheet.")
        if text in seen:
            raise BuildError(f"the header '{text}' appears twice.", file=label, sheet=name,
                             row=header_row, fix="give every column a distinct name.")
        seen.add(text)
    data, numbers = [], []
    for number, row in enumerate(rows[header_row:], start=header_row + 1):
        if any(str(c).strip() for c in row if c is not None):  # skip blank rows
            data.append(row)
            numbers.append(number)
    return Sheet(workbook=label, name=name, header=header, rows=data, header_row=header_row,
                 row_numbers=numbers)


def _read_csv(path: Path, label: str, header_row: int) -> Workbook:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # older INSEE exports
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    workbook = Workbook(path=path, label=label)
    workbook.sheets[path.stem] = _sheet_from_rows(rows, path.stem, label, header_row)
    return workbook


def open_workbook(path: Path, label: str | None = None, *, meta: bool = True,
                  header_row: int = 1) -> Workbook:
    """Read every sheet of a workbook; with `meta`, require and parse its Meta sheet."""
    label = label or path.name
    if path.suffix.lower() == ".csv":
        if meta:
            raise BuildError("a CSV file has no Meta sheet.", file=label,
                             fix="set `meta: false` and give year and source in the catalogue entry.")
        return _read_csv(path, label, header_row)
    try:
        # Read from the bytes so that the format is detected from the content: a workbook
        # saved as .xlsx under an .xls name still opens.
        with open(path, "rb") as handle:
            book = CalamineWorkbook.from_filelike(handle)
    except Exception as error:  # calamine raises its own error types for broken files
        raise BuildError(f"cannot open the workbook ({error}).", file=label,
                         fix="check that the file is a valid .xls or .xlsx workbook.") from None
    workbook = Workbook(path=path, label=label)
    names = list(book.sheet_names)
    if meta:
        if META_SHEET not in names:
            raise BuildError(f"no '{META_SHEET}' sheet; the sheets are {names}.", file=label,
                             fix="add a Meta sheet with the rows Definition, Source and Année.")
        workbook.meta = _read_meta(book.get_sheet_by_name(META_SHEET).to_python(), label)
    for name in names:
        if name != META_SHEET:
            rows = book.get_sheet_by_name(name).to_python()
            workbook.sheets[name] = _sheet_from_rows(rows, name, label, header_row)
    log.debug("workbook %s: sheets %s", label, list(workbook.sheets))
    return workbook
