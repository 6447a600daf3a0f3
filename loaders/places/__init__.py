"""Build step of the cultural places layer: one reader per source, then validation and merging."""
