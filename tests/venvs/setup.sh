#!/usr/bin/env bash
# Usage: tests/venvs/setup.sh NAME — make tests/venvs/NAME/.venv from NAME/requirements.lock
# (pinned, with hashes), for tests that need packages which cannot share the project's venv:
#   ckan        CKAN + ckanext-dcat, to parse the catalog as a CKAN harvester (CKAN pins its
#               own web stack; no server, database or configuration is needed). CKAN's
#               psycopg2 builds from source: Debian's libpq-dev and gcc (installed if missing).
#   duckdb-1.4  an older DuckDB with httpfs, to open the release's DuckDB file over HTTP.
# Does nothing when the venv already matches its lock.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="$here/$1"
venv="$dir/.venv"
if [ -f "$venv/.installed" ] && cmp -s "$venv/.installed" "$dir/requirements.lock"; then
  exit 0
fi
if [ "$1" = ckan ] && { ! command -v pg_config >/dev/null || ! command -v gcc >/dev/null; }; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q libpq-dev gcc
  fi
fi
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --require-hashes -r "$dir/requirements.lock"
cp "$dir/requirements.lock" "$venv/.installed"
