"""Tabular exports shared by the API and every download button: CSV and XLSX.

CSV comes in two dialects: international (`,` separator, `.` decimals) and French (`;`
separator, `,` decimals, UTF-8 with BOM so that Excel opens accents correctly). Metadata
(indicator, definition, source, year) follow the data as `#` comment lines in CSV and fill a
second sheet in XLSX.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import pandas as pd

FRENCH = "fr"
INTERNATIONAL = "intl"


def csv_dialect(name: str | None) -> tuple[str, str]:
    """Return (separator, decimal mark) for `fr` or `intl` (the default)."""
    return (";", ",") if name == FRENCH else (",", ".")


def to_csv_bytes(df: pd.DataFrame, metadata: Mapping[str, object] | None = None,
                 dialect: str | None = None) -> bytes:
    """Serialise `df` as CSV, followed by `# key: value` metadata lines."""
    sep, decimal = csv_dialect(dialect)
    text = df.to_csv(index=False, sep=sep, decimal=decimal, lineterminator="\n")
    if metadata:
        lines = [f"# {key}: {_flatten(value)}" for key, value in metadata.items()]
        text += "\n".join(lines) + "\n"
    encoding = "utf-8-sig" if dialect == FRENCH else "utf-8"
    return text.encode(encoding)


def to_xlsx_bytes(sheets: Mapping[str, pd.DataFrame],
                  metadata_rows: Sequence[Mapping[str, object]] = (),
                  metadata_sheet: str = "Métadonnées") -> bytes:
    """Write each frame on its own sheet, then a sheet of metadata rows (one row per indicator)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter") as writer:
        for name, frame in sheets.items():
            sheet = _sheet_name(name)
            frame.to_excel(writer, sheet_name=sheet, index=False)
            worksheet = writer.sheets[sheet]
            worksheet.freeze_panes(1, 0)
            for position, column in enumerate(frame.columns):
                width = max(len(str(column)), *(len(str(v)) for v in frame[column].head(200))) if len(frame) else len(str(column))
                worksheet.set_column(position, position, min(max(width + 2, 8), 60))
        if metadata_rows:
            meta = pd.DataFrame([{k: _flatten(v) for k, v in row.items()} for row in metadata_rows])
            meta.to_excel(writer, sheet_name=_sheet_name(metadata_sheet), index=False)
            writer.sheets[_sheet_name(metadata_sheet)].set_column(0, len(meta.columns), 40)
    return buffer.getvalue()


def _sheet_name(name: str) -> str:
    # Excel limits sheet names to 31 characters and forbids a few symbols.
    cleaned = "".join("-" if ch in "[]:*?/\\" else ch for ch in str(name))
    return cleaned[:31] or "Feuille"


def _flatten(value: object) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)
