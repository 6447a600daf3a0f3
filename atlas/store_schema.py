"""Column contract of the indicator value files, checked when they are written and read."""

from __future__ import annotations

import pandas as pd

from atlas import config

VALUE_COLUMNS = ("indicator", "level", "code", "year", "value", "status", "category")
LEVELS_WITH_ARM = config.LEVELS + ("arrondissement_municipal",)


def validate_values_frame(df: pd.DataFrame, family: str) -> None:
    """Raise ValueError naming the family and the first broken rule of the value contract."""
    missing = [c for c in VALUE_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"values family '{family}': missing columns {missing}")

    bad_status = sorted(set(df["status"].dropna().unique()) - set(config.STATUSES))
    if bad_status or df["status"].isna().any():
        raise ValueError(f"values family '{family}': invalid statuses {bad_status or ['<null>']}; "
                         f"expected one of {list(config.STATUSES)}")

    bad_levels = sorted(set(df["level"].unique()) - set(LEVELS_WITH_ARM))
    if bad_levels:
        raise ValueError(f"values family '{family}': unknown levels {bad_levels}")

    ok = df["status"] == "ok"
    has_value = df["value"].notna() | df["category"].notna()
    if (ok & ~has_value).any():
        row = df[ok & ~has_value].iloc[0]
        raise ValueError(f"values family '{family}': status ok without a value for "
                         f"{row['indicator']} {row['level']} {row['code']} {row['year']}")
    if (~ok & df["value"].notna()).any():
        row = df[~ok & df["value"].notna()].iloc[0]
        raise ValueError(f"values family '{family}': a value is set although the status is "
                         f"'{row['status']}' for {row['indicator']} {row['level']} {row['code']}")

    keys = ["indicator", "level", "code", "year"]
    duplicated = df.duplicated(keys)
    if duplicated.any():
        row = df[duplicated].iloc[0]
        raise ValueError(f"values family '{family}': duplicated row for "
                         f"{row['indicator']} {row['level']} {row['code']} {row['year']}")
