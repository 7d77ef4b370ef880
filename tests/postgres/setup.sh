#!/usr/bin/env bash
# Install what the PostgreSQL-backed run test needs: Debian's PostgreSQL server (its
# initdb and pg_ctl start a throwaway cluster in a temporary folder; no service is
# enabled or started here). dagster-postgres itself comes from the lock (test extras).
set -euo pipefail
if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && ! command -v initdb >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends postgresql
  else
    echo "tests/postgres/setup.sh: PostgreSQL (initdb) missing and cannot apt-get install it" >&2
  fi
fi
