"""Generic reader of one indicator column from a workbook, driven by the catalogue `input` field.

`input` keys (all optional unless marked):

- `workbook` (required): path under the `deps-atlas` raw folder, e.g. `indicateurs/Population.xls`.
- `sheets` (required): level -> sheet name, for each level the workbook provides.
- `column` (required): header of the value column.
- `code_column`: header of the code column (default: the first header starting with "Code").
- `match_names`: true when a sheet has no code column. Territories are then found by their
  name (`name_column`, default the first column) among the territories of the level.
- `scale`: factor applied to every number (1000 for thousands of euros).
- `sentinel`: number that means "no figure" (default -1; null when every number is real).
- `blank`: status of an empty cell (default `missing`).
- `absent`: status of a territory of the level without any row (default `missing`).
- `rows`: `one` (one row per territory, the default), `sum` (long format: the rows of a
  territory are summed, e.g. one row per spending sector), `same` (long format: the value
  repeats on every row of the territory and must be identical, e.g. its population).
- `row_key`: in long format, the header whose values distinguish the rows of one territory
  (default: the first header starting with "Secteur"). `rows: sum` requires one. Two rows
  with the same code and key stop the build, since summing them would count a figure twice.
- `min_coverage`: share of the level's territories the sheet must cover (default 0.5); a
  sheet covering fewer stops the build, since its figures would replace the store's with
  « non disponible ». Set it lower for sheets published above a threshold only.
- `categories`: for categorical indicators, raw text -> category code; `__blank__` maps
  empty cells and `__any__` maps any other non-empty text.
- `max_unknown_share`: share of rows whose code is unknown or invalid above which the build
  stops (default 0.02); below it, those rows are reported and left out.
- `meta`: false for workbooks without a Meta sheet; `header_row`: 1-based row of the header.
- `totals_gap_reason`: for a sum read at two levels whose lower level does not add up to the
  upper one, the reason both are kept, written into the quality report.
- `year`: vintage of the data when it differs from the Meta year (the difference is reported).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pandas as pd

from loaders.errors import BuildError
from loaders.indicators.cells import normalize_code, normalize_name, parse_cell
from loaders.indicators.workbook import Sheet

log = logging.getLogger(__name__)

DEFAULT_MAX_UNKNOWN_SHARE = 0.02
ROW_MODES = ("one", "sum", "same")


@dataclass
class LevelRead:
    """Values of one indicator at one level, in the codes of the source (not yet mapped)."""

    level: str
    frame: pd.DataFrame  # code, value, status, category, row
    unknown: list[tuple[int, str]] = field(default_factory=list)  # (row, raw code or name)
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (name in file, official name)
    sentinels: int = 0
    markers: dict[str, int] = field(default_factory=dict)


def codes_from_names(sheet: Sheet, spec: dict, level: str,
                      territories: pd.DataFrame) -> tuple[list[str | None], list[tuple[str, str]]]:
    name_column = spec.get("name_column") or sheet.header[0]
    official = territories[territories["level"] == level]
    by_key: dict[str, tuple[str, str]] = {}
    for code, name in zip(official["code"], official["name"]):
        key = normalize_name(name)
        if key in by_key:
            raise BuildError(f"two {level} territories share the name '{name}', so names cannot "
                             "identify them.", file=sheet.workbook, sheet=sheet.name,
                             fix="add a code column to the sheet.")
        by_key[key] = (str(code), str(name))
    codes, renamed = [], []
    for raw in sheet.column(name_column):
        match = by_key.get(normalize_name(raw))
        codes.append(match[0] if match else None)
        if match and str(raw).strip() != match[1]:
            renamed.append((str(raw).strip(), match[1]))
    return codes, renamed


def _status_counts(statuses) -> dict[str, int]:
    return pd.Series(statuses, dtype="object").value_counts().to_dict()


def read_level(sheet: Sheet, spec: dict, level: str, territories: pd.DataFrame,
               valid_codes: set[str] | None, categorical: bool = False) -> LevelRead:
    """Read the indicator column of one sheet into codes, values and statuses.

    `valid_codes` is the set of codes a row may carry (for communes, every code of the
    crosswalk in any vintage). Rows with other codes count as unknown.
    """
    rows_mode = spec.get("rows", "one")
    if rows_mode not in ROW_MODES:
        raise BuildError(f"input `rows` must be one of {list(ROW_MODES)}, not '{rows_mode}'.",
                         file=sheet.workbook, sheet=sheet.name)
    column = spec["column"]
    raw_values = sheet.column(column)
    if not sheet.rows:
        raise BuildError("the sheet has a header but no data row.", file=sheet.workbook,
                         sheet=sheet.name, row=sheet.header_row + 1,
                         fix="restore the data rows of the sheet.")
    row_keys = _row_keys(sheet, spec, rows_mode)

    renamed: list[tuple[str, str]] = []
    if spec.get("match_names"):
        codes, renamed = codes_from_names(sheet, spec, level, territories)
        raw_codes = sheet.column(spec.get("name_column") or sheet.header[0])
    else:
        code_column = spec.get("code_column") or sheet.find_column("Code")
        if code_column is None:
            raise BuildError(f"no code column; the headers are {sheet.header}.",
                             file=sheet.workbook, sheet=sheet.name, row=sheet.header_row,
                             fix="add a code column (header starting with 'Code'), or set "
                                 "`code_column` or `match_names` in the catalogue entry.")
        raw_codes = sheet.column(code_column)
        codes = [normalize_code(raw, level) for raw in raw_codes]

    unknown = []
    for index, (code, raw) in enumerate(zip(codes, raw_codes)):
        if code is None or (valid_codes is not None and code not in valid_codes):
            unknown.append((sheet.excel_row(index), str(raw)))
    limit = float(spec.get("max_unknown_share", DEFAULT_MAX_UNKNOWN_SHARE))
    if sheet.rows and len(unknown) > limit * len(sheet.rows):
        first_row, first_code = unknown[0]
        raise BuildError(f"{len(unknown)} of {len(sheet.rows)} rows have a {level} code or name "
                         f"that is invalid or unknown (first: '{first_code}'); the limit is "
                         f"{limit:.0%}.", file=sheet.workbook, sheet=sheet.name, row=first_row,
                         fix="check the code column and its vintage, or raise "
                             "`max_unknown_share` in the catalogue entry if the rows are expected.")

    values, statuses, categories = [], [], []
    sentinels, markers = 0, {}
    sentinel = spec.get("sentinel", -1)
    blank = spec.get("blank", "missing")
    scale = float(spec.get("scale", 1))
    mapping = spec.get("categories") or {}
    for index, raw in enumerate(raw_values):
        if categorical:
            value, status, category = _category(raw, mapping, blank, sheet, column, index)
        else:
            cell = parse_cell(raw, sentinel=sentinel, blank=blank)
            if cell.problem is not None:
                raise BuildError(f"text '{cell.problem}' in a numeric column.", file=sheet.workbook,
                                 sheet=sheet.name, row=sheet.excel_row(index), column=column,
                                 fix="write a number, leave the cell empty, or use a status "
                                     "marker such as 'n.d.' or 's'.")
            if cell.kind == "sentinel":
                sentinels += 1
            elif cell.kind == "marker":
                markers[str(raw).strip()] = markers.get(str(raw).strip(), 0) + 1
            value = cell.value * scale if cell.value is not None else None
            status, category = cell.status, None
        values.append(value)
        statuses.append(status)
        categories.append(category)

    frame = pd.DataFrame({
        "code": pd.Series(codes, dtype="object"),
        "key": pd.Series(row_keys, dtype="object"),
        "value": pd.Series(values, dtype="float64"),
        "status": pd.Series(statuses, dtype="object"),
        "category": pd.Series(categories, dtype="object"),
        "row": [sheet.excel_row(i) for i in range(len(sheet.rows))],
    })
    bad = {row for row, _ in unknown}
    frame = frame[~frame["row"].isin(bad)]
    frame = _collapse_rows(frame, rows_mode, sheet, column)
    return LevelRead(level=level, frame=frame.reset_index(drop=True), unknown=unknown,
                     renamed=sorted(set(renamed)), sentinels=sentinels, markers=markers)


def _category(raw, mapping: dict, blank: str, sheet: Sheet, column: str, index: int):
    text = "" if raw is None else str(raw).strip()
    if isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))
    if not text:
        code = mapping.get("__blank__")
        return (None, "ok", str(code)) if code is not None else (None, blank, None)
    code = mapping.get(text, mapping.get("__any__"))
    if code is None:
        raise BuildError(f"category '{text}' is not listed in the catalogue entry "
                         f"(known: {sorted(k for k in mapping if not k.startswith('__'))}).",
                         file=sheet.workbook, sheet=sheet.name, row=sheet.excel_row(index),
                         column=column, fix="add it to `input.categories` or fix the cell.")
    return None, "ok", str(code)


def _row_keys(sheet: Sheet, spec: dict, mode: str) -> list:
    """Return the `row_key` cell of every row in long format, or None for each row."""
    if mode == "one":
        return [None] * len(sheet.rows)
    header = spec.get("row_key") or sheet.find_column("Secteur")
    if header is None:
        if mode == "sum":
            raise BuildError(f"`rows: sum` needs a column telling the rows of a territory apart; "
                             f"the headers are {sheet.header}.", file=sheet.workbook,
                             sheet=sheet.name, row=sheet.header_row,
                             fix="set `row_key` in the catalogue entry's `input`.")
        return [None] * len(sheet.rows)
    return [None if cell is None else str(cell).strip() for cell in sheet.column(header)]


def _reject_repeated_keys(frame: pd.DataFrame, sheet: Sheet) -> None:
    """Stop on two rows with the same code and row key (the same sector twice)."""
    keyed = frame[frame["key"].notna()]
    repeated = keyed[keyed.duplicated(["code", "key"], keep="first")]
    if repeated.empty:
        return
    first = repeated.iloc[0]
    rows = keyed.loc[(keyed["code"] == first["code"]) & (keyed["key"] == first["key"]), "row"].tolist()
    raise BuildError(f"code '{first['code']}' has the row '{first['key']}' twice (rows "
                     f"{rows[:5]}); summing them would count its figure twice.",
                     file=sheet.workbook, sheet=sheet.name, row=int(first["row"]),
                     fix="remove the duplicated row.")


def _collapse_rows(frame: pd.DataFrame, mode: str, sheet: Sheet, column: str) -> pd.DataFrame:
    """Enforce one row per code: reject duplicates, or sum / check repeated rows."""
    if mode != "one":
        _reject_repeated_keys(frame, sheet)
    frame = frame.drop(columns="key")
    duplicated = frame["code"].duplicated(keep=False)
    if not duplicated.any():
        return frame.drop(columns="row")

    if mode == "one":
        rows = frame.loc[duplicated, "row"].tolist()
        code = frame.loc[duplicated, "code"].iloc[0]
        raise BuildError(f"code '{code}' appears on several rows ({rows[:5]}); this sheet must "
                         "have one row per territory.", file=sheet.workbook, sheet=sheet.name,
                         row=rows[0], fix="remove the duplicated rows, or set `rows: sum` or "
                                          "`rows: same` for a long-format sheet.")
    groups = frame.groupby("code", sort=False)

    if mode == "same":
        distinct = groups["value"].nunique(dropna=False)
        if (distinct > 1).any():
            code = distinct[distinct > 1].index[0]
            rows = frame.loc[frame["code"] == code, "row"].tolist()
            raise BuildError(f"column values differ between the rows of code '{code}' "
                             f"(rows {rows[:5]}), although they should repeat one value.",
                             file=sheet.workbook, sheet=sheet.name, row=rows[0], column=column,
                             fix="make the repeated value identical on every row.")
        return groups.first().reset_index().drop(columns="row")

    # mode == "sum": a territory is ok when at least one of its rows is; the other rows are
    # sectors without a figure, which add nothing.
    ok = frame["status"] == "ok"
    summed = frame[ok].groupby("code", sort=False)["value"].sum()
    first = groups.first().drop(columns="row")
    first["value"] = summed.reindex(first.index)
    first.loc[summed.index, "status"] = "ok"
    return first.reset_index()
