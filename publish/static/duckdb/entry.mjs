// What assets/query.js uses: DuckDB-Wasm's browser API and parquet-wasm's reader.
// update.sh bundles them with Apache Arrow into one ES module, engine.mjs (no import
// map, no bare specifiers). DuckDB-Wasm loads its Parquet reader as an extension from
// a CDN; parquet-wasm reads the release's Parquet files instead, from this site.
export { AsyncDuckDB, VoidLogger } from "@duckdb/duckdb-wasm";
export { default as initParquet, readParquet } from "parquet-wasm/esm/parquet_wasm.js";
