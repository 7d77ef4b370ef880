"""Accountability indicators per comuna, computed from a release's published tables.

`methods` is the registry (what each indicator measures, its formula, caveats,
thresholds and suppression rule); `compute` holds the DuckDB SQL over the published
Parquet files; `comparison` places each value among the comunas with data; `package`
writes the `indicators` data package into a release.
"""
