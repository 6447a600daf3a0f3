"""Crosswalk of commune codes from every COG vintage since 1943 to the 2025 communes.

Two kinds of source are combined:
- the INSEE movements file (COG 2019) lists every code change from 1943 to 2019 as events;
- yearly reference lists (COG 2019, 2021, 2022, 2024, 2025, plus the EPCI member lists of 2020
  and 2023) show which codes were current each year. A code current one year and gone the next
  ended on 1 January of that next year, and the later list shows where it went (commune déléguée or
  associée of a chef-lieu, or one of the `anciensCodes` of a current commune).

Each code that is not current in 2025 is followed along its successors until a 2025 commune is
reached. A current code always maps to itself, even where an older commune once used the same
code (codes were renumbered when départements were split in 1968).
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from loaders.errors import BuildError
from loaders.territories.sources import read_json

log = logging.getLogger(__name__)

CROSSWALK_COLUMNS = ("old_code", "new_code", "date", "change_type")

# INSEE movement codes ("mod") of the COG movements file, as change types.
MOVEMENT_TYPES = {
    "20": "creation",
    "21": "retablissement",
    "30": "suppression",
    "31": "fusion_simple",
    "32": "commune_nouvelle",
    "33": "fusion_association",
    "34": "fusion_association_vers_simple",
    "41": "changement_departement",
    "50": "transfert_chef_lieu",
}

_COMMUNE_CODE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
_NUMERIC_CODE = re.compile(r"^\d{1,5}(\.0+)?$")


# ---------------------------------------------------------------------------------------------
# Code normalisation (public: used by every loader that reads commune codes)
# ---------------------------------------------------------------------------------------------

def normalize_commune_code(value) -> str | None:
    """Return a 5-character commune code, restoring leading zeros lost by spreadsheets.

    `1001`, `"1001"` and `1001.0` become `"01001"`; `"2a004"` becomes `"2A004"`. Returns None for
    empty values and for text that cannot be a commune code.
    """
    if value is None:
        return None
    if isinstance(value, float):
        if value != value or not value.is_integer():  # NaN or a fraction
            return None
        value = int(value)
    text = str(value).strip().upper()
    if not text or text in {"NAN", "NONE", "<NA>"}:
        return None
    if _NUMERIC_CODE.match(text):
        text = text.split(".")[0].zfill(5)
    elif len(text) == 4 and text[:1] == "2" and text[1:2] in "AB":
        return None  # "2A04" is ambiguous: do not guess a zero.
    return text if _COMMUNE_CODE.match(text) else None


def is_outside_departements(code: str) -> bool:
    """True for codes of the collectivités d'outre-mer (975, 977, 978, 98x), outside the atlas."""
    return code[:3] in ("975", "977", "978") or code[:2] == "98"


def normalize_commune_codes(codes: pd.Series) -> pd.Series:
    """Apply `normalize_commune_code` to a Series; invalid codes become null."""
    return codes.map(normalize_commune_code).astype("string")


def map_commune_codes(codes: pd.Series, crosswalk: pd.DataFrame) -> pd.DataFrame:
    """Map commune codes of any vintage to their 2025 commune.

    Returns one row per input code, in input order, with columns `code` (the input as given),
    `new_code` (str or null) and `change_type`: the crosswalk's type, `invalid_code` when the
    input cannot be a commune code, `unknown_code` when no COG vintage has it, and
    `ambiguous_split` when the old commune was divided between several 2025 communes.
    """
    normalized = normalize_commune_codes(pd.Series(codes).reset_index(drop=True))
    primary = _primary_rows(crosswalk)
    result = pd.DataFrame({"code": pd.Series(codes).reset_index(drop=True),
                           "normalized": normalized})
    result = result.merge(primary, how="left", left_on="normalized", right_on="old_code",
                          sort=False)
    change = result["change_type"].astype("object")
    change[result["normalized"].isna()] = "invalid_code"
    change[result["normalized"].notna() & result["old_code"].isna()] = "unknown_code"
    result["change_type"] = change.astype("string")
    return result[["code", "new_code", "change_type"]]


def _primary_rows(crosswalk: pd.DataFrame) -> pd.DataFrame:
    """Reduce the crosswalk to one row per old code, with a null new_code for split codes."""
    cw = crosswalk[["old_code", "new_code", "change_type"]]
    targets = cw.groupby("old_code")["new_code"].nunique()
    identity = cw[cw["change_type"] == "identity"]
    single = cw[cw["old_code"].isin(targets[targets == 1].index)
                & ~cw["old_code"].isin(identity["old_code"])]
    split_codes = targets[targets > 1].index.difference(identity["old_code"])
    split = pd.DataFrame({"old_code": split_codes, "new_code": pd.NA,
                          "change_type": "ambiguous_split"})
    primary = pd.concat([identity, single.drop_duplicates("old_code"), split],
                        ignore_index=True)
    primary["new_code"] = primary["new_code"].astype("string")
    return primary


# ---------------------------------------------------------------------------------------------
# Building the crosswalk
# ---------------------------------------------------------------------------------------------

@dataclass
class _History:
    """End events per code: date -> (successor codes, change type)."""

    ends: dict[str, dict[str, tuple[set[str], str]]] = field(
        default_factory=lambda: defaultdict(dict))
    seen: set[str] = field(default_factory=set)

    def add_end(self, code: str, date: str, successors: set[str], change_type: str) -> None:
        self.seen.add(code)
        known = self.ends[code].get(date)
        if known:
            known[0].update(successors)
        else:
            self.ends[code][date] = (set(successors), change_type)


def read_movements(path: Path) -> pd.DataFrame:
    """Read the INSEE commune movements file (COG 2019 edition, 1943-2019)."""
    needed = ["mod", "date_eff", "typecom_av", "com_av", "typecom_ap", "com_ap"]
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise BuildError(f"missing columns {missing}.", file=str(path),
                         fix="use the INSEE mvtcommune CSV of COG 2019.")
    return df[needed]


def _add_movement_events(history: _History, movements: pd.DataFrame) -> None:
    """Record, for each code that stops being a commune on a date, where its territory went."""
    events: dict[tuple[str, str], list[tuple[str, str, str, str]]] = defaultdict(list)
    for mod, date, kind_before, code, kind_after, code_after in movements.itertuples(
            index=False, name=None):
        events[(date, code)].append((mod, kind_before, kind_after, code_after))
        history.seen.add(code)
        history.seen.add(code_after)
    for (date, code), rows in events.items():
        after = [(mod, code_after) for mod, kind_before, kind_after, code_after in rows
                 if kind_before == "COM" and kind_after == "COM"]
        successors = {code_after for _, code_after in after}
        if code in successors or not successors:
            continue  # the code stays a commune (it absorbed others or lost a part)
        history.add_end(code, date, successors, MOVEMENT_TYPES.get(after[0][0], "movement"))


def read_historiq(path: Path) -> pd.DataFrame:
    """Read INSEE's COG 2017 history of communes (1943-2017, tab-separated, Latin-1).

    Returns the rows that send a commune to another one (`COMECH`): old code, target code and
    effective date.
    """
    try:
        df = pd.read_csv(path, sep="\t", dtype=str, encoding="latin-1")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as error:
        raise BuildError(f"cannot read the history file ({error}).", file=str(path))
    missing = [c for c in ("DEP", "COM", "EFF", "COMECH") if c not in df.columns]
    if missing:
        raise BuildError(f"missing columns {missing}.", file=str(path),
                         fix="use the INSEE historiq2017.txt file.")
    df = df[df["COMECH"].notna()]
    codes = df["DEP"].str.zfill(2) + df["COM"].str.zfill(3)
    dates = pd.to_datetime(df["EFF"], format="%d-%m-%Y", errors="coerce").dt.strftime("%Y-%m-%d")
    result = pd.DataFrame({"code": codes, "target": df["COMECH"], "date": dates})
    return result[(result["code"] != result["target"]) & result["date"].notna()]


def _add_historiq_events(history: _History, historiq: pd.DataFrame) -> None:
    """Fill codes that the movements file does not know (changes before 1943, Corsica before
    its 1976 split), never overriding its events."""
    for code, target, date in historiq.itertuples(index=False, name=None):
        if code not in history.seen:
            history.add_end(code, date, {target}, "fusion")
    history.seen.update(historiq["code"])


@dataclass
class Snapshot:
    """Commune codes current on 1 January of `year`, and where former codes now belong."""

    year: int
    current: set[str]
    parent_of: dict[str, tuple[str, str]]  # code -> (chef-lieu code, commune type)
    old_codes: dict[str, str]  # former code -> current code that lists it in anciensCodes


def read_commune_snapshot(path: Path, year: int) -> Snapshot:
    """Read an Etalab `communes.json` list (decoupage-administratif) into a snapshot."""
    records = read_json(path)
    current, parent_of, old_codes = set(), {}, {}
    for rec in records:
        kind = rec.get("type")
        code = rec.get("code")
        if is_outside_departements(code):
            continue
        if kind == "commune-actuelle":
            current.add(code)
            for old in rec.get("anciensCodes", []) or []:
                old_codes[old] = code
        elif kind in ("commune-deleguee", "commune-associee") and rec.get("chefLieu"):
            parent_of[code] = (rec["chefLieu"], kind)
    if len(current) < 30000:
        raise BuildError(f"only {len(current)} current communes found; expected about 35,000.",
                         file=str(path), fix="check that the file is a communes.json list.")
    return Snapshot(year, current, parent_of, old_codes)


def read_epci_member_snapshot(path: Path, year: int) -> Snapshot:
    """Current codes of a year known only through its EPCI member lists (no chef-lieu data)."""
    current = {m["code"] for epci in read_json(path) for m in epci.get("membres", [])
               if not is_outside_departements(m["code"])}
    return Snapshot(year, current, {}, {})


def _add_snapshot_events(history: _History, snapshots: list[Snapshot]) -> None:
    """Turn codes that disappear between consecutive yearly lists into end events."""
    snapshots = sorted(snapshots, key=lambda s: s.year)
    full = [s for s in snapshots if s.parent_of or s.old_codes]
    for index, (before, after) in enumerate(zip(snapshots, snapshots[1:])):
        gone = sorted(before.current - after.current)
        if not (after.parent_of or after.old_codes) and index + 2 < len(snapshots):
            # Lists built from EPCI members miss the few communes outside any EPCI.
            gone = [code for code in gone if code not in snapshots[index + 2].current]
        # The first complete list from `after.year` on shows where a code went.
        lookups = [s for s in full if s.year >= after.year]
        for code in gone:
            successor, change_type = _locate(code, lookups)
            date = f"{after.year}-01-01"
            if successor is None:
                log.warning("code %s current in %d but not in %d, and no later list places it",
                            code, before.year, after.year)
                history.seen.add(code)
                continue
            history.add_end(code, date, {successor}, change_type)
    for snap in snapshots:
        history.seen.update(snap.current)


def _locate(code: str, lookups: list[Snapshot]) -> tuple[str | None, str]:
    for snap in lookups:
        if code in snap.parent_of:
            parent, kind = snap.parent_of[code]
            if parent != code:
                kind_type = ("commune_nouvelle" if kind == "commune-deleguee"
                             else "fusion_association")
                return parent, kind_type
        if code in snap.old_codes and snap.old_codes[code] != code:
            return snap.old_codes[code], "fusion"
    return None, ""


def _resolve(code: str, since: str, history: _History, current: set[str],
             depth: int = 0) -> set[str]:
    """2025 communes holding the territory that `code` had just after date `since`."""
    if depth > 40:
        return set()
    later = sorted(d for d in history.ends.get(code, {}) if d > since)
    if not later:
        return {code} if code in current else set()
    date = later[0]
    successors, _ = history.ends[code][date]
    found: set[str] = set()
    for successor in successors:
        # A successor may itself have ended the same day (chained same-day movements).
        found |= _resolve(successor, _day_before(date), history, current, depth + 1)
    return found


def _day_before(date: str) -> str:
    return (pd.Timestamp(date) - pd.Timedelta(days=1)).strftime("%Y-%m-%d")


def build_crosswalk(movements: pd.DataFrame, historiq: pd.DataFrame, snapshots: list[Snapshot],
                    current: set[str], arrondissements: dict[str, str],
                    extra_old_codes: dict[str, str]) -> tuple[pd.DataFrame, dict]:
    """Build the crosswalk frame and return it with facts for the quality report.

    `historiq` (from `read_historiq`) only fills codes that `movements` lacks. `current` is
    the set of 2025 commune codes, `arrondissements` maps each arrondissement municipal code to
    its city, and `extra_old_codes` maps 2025 `anciensCodes` to their commune. The last one
    checks the result and fills codes that the event history misses.
    """
    history = _History()
    _add_movement_events(history, movements)
    _add_historiq_events(history, historiq)
    _add_snapshot_events(history, snapshots)

    rows = [(code, code, None, "identity") for code in sorted(current)]
    unmapped, filled = [], []
    for code in sorted(history.seen - current):
        if not _COMMUNE_CODE.match(code) or code in arrondissements:
            continue
        # The latest period of a code is the one recent data use, so follow its last end.
        last_end = max(history.ends.get(code, {}) or [""])
        targets = (_resolve(code, _day_before(last_end), history, current)
                   if last_end else set())
        if not targets and code in extra_old_codes:
            targets = {extra_old_codes[code]}
            filled.append(code)
        if not targets:
            unmapped.append(code)
            continue
        date = last_end or None
        change_type = history.ends[code][last_end][1] if last_end else "fusion"
        for target in sorted(targets):
            rows.append((code, target, date, change_type))

    for code, city in sorted(arrondissements.items()):
        rows.append((code, city, None, "arrondissement_municipal"))

    cw = pd.DataFrame(rows, columns=list(CROSSWALK_COLUMNS))
    cw["date"] = pd.to_datetime(cw["date"])
    for column in ("old_code", "new_code", "change_type"):
        cw[column] = cw[column].astype("string")

    # Cross-check with the anciensCodes of the 2025 list.
    mapped = cw.groupby("old_code")["new_code"].agg(set).to_dict()
    disagreements = sorted(
        (old, new, sorted(mapped.get(old, set())))
        for old, new in extra_old_codes.items()
        if old not in current and new not in mapped.get(old, set()))
    facts = {"unmapped": unmapped, "filled_from_anciens_codes": filled,
             "anciens_codes_disagreements": disagreements,
             "codes_seen": len(history.seen)}
    return cw, facts
