#!/usr/bin/env bash
# test.sh - the whole suite: start a real PostgreSQL (scripts/services.sh) unless
# FARM_TEST_POSTGRES_URL names one, then run pytest on both database backends.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}

if [[ -z ${FARM_TEST_POSTGRES_URL:-} ]]; then
  FARM_TEST_POSTGRES_URL=$(scripts/services.sh start postgres | tail -n1)
fi
export FARM_TEST_POSTGRES_URL FARM_REQUIRE_POSTGRES=1

# pytest exits 5 when it collects nothing: that fails this script like any other failure
exec "$VENV/bin/pytest" "$@"
