"""Build step `indicators`: the Deps indicator workbooks, validated, mapped to COG 2025 and aggregated."""
