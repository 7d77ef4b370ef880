#!/usr/bin/env bash
# Refresh the vendored DuckDB-Wasm and parquet-wasm files from the npm registry (maintainers only: the
# catalog build itself needs no npm). Versions are pinned in package.json and
# package-lock.json; to upgrade, change the version there and run
#   bash publish/static/duckdb/update.sh --upgrade
# Writes: engine.mjs (esbuild bundle of entry.mjs: DuckDB-Wasm's API, Apache Arrow,
# parquet-wasm's glue), duckdb-browser-eh.worker.js, duckdb-eh.wasm and
# parquet_wasm_bg.wasm (copied as published), the licences, and SHA256SUMS (the files
# the site serves; the publish gate checks them byte for byte).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$here/entry.mjs" "$work/"
[ -f "$here/package-lock.json" ] && cp "$here/package-lock.json" "$work/"
cd "$work"
if [ "${1:-}" = "--upgrade" ] || [ ! -f package-lock.json ]; then
  npm install --no-audit --no-fund
  cp package-lock.json "$here/package-lock.json"
else
  npm ci --no-audit --no-fund
fi
dist=node_modules/@duckdb/duckdb-wasm/dist
node_modules/.bin/esbuild entry.mjs --bundle --format=esm --platform=browser --minify \
  --legal-comments=eof --outfile=engine.mjs
# Replace each file by a new one (mv), never rewrite it in place: built sites hard-link them.
install_file() { cp "$1" "$here/.$2.tmp" && mv -f "$here/.$2.tmp" "$here/$2"; }
install_file engine.mjs engine.mjs
install_file "$dist/duckdb-browser-eh.worker.js" duckdb-browser-eh.worker.js
install_file "$dist/duckdb-eh.wasm" duckdb-eh.wasm
install_file node_modules/parquet-wasm/esm/parquet_wasm_bg.wasm parquet_wasm_bg.wasm
install_file node_modules/apache-arrow/LICENSE.txt LICENSE-apache-arrow.txt
install_file node_modules/parquet-wasm/LICENSE_MIT LICENSE-parquet-wasm-MIT
install_file node_modules/parquet-wasm/LICENSE_APACHE LICENSE-parquet-wasm-APACHE
cd "$here"
sha256sum engine.mjs duckdb-browser-eh.worker.js duckdb-eh.wasm parquet_wasm_bg.wasm \
  LICENSE LICENSE-apache-arrow.txt LICENSE-parquet-wasm-MIT LICENSE-parquet-wasm-APACHE \
  > SHA256SUMS
echo "DuckDB-Wasm $(node -p "require('$work/$dist/../package.json').version") vendored in $here"
