"""Build pipeline: raw public files to validated Parquet in data/build/.

Run `python -m loaders build` (all steps) or `python -m loaders build --only places`.
"""
