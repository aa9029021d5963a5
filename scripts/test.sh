#!/usr/bin/env bash
# test.sh - the whole suite: start a real PostgreSQL and a real single-node Slurm
# (scripts/services.sh), then run pytest on both database backends and against the cluster.
# FARM_TEST_POSTGRES_URL names another PostgreSQL (else the database is PG_DB, default one named
# after the checkout's path); FARM_TEST_SLURM=1 says sbatch & co. already
# reach a cluster, FARM_TEST_SLURM=0 skips the Slurm tests. Either way nothing is started for it.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}

scripts/services.sh tools

if [[ -z ${FARM_TEST_POSTGRES_URL:-} ]]; then
  # a database per checkout, so two checkouts testing on one host never wipe each other's
  export PG_DB=${PG_DB:-farm_test_$(printf '%s' "$PWD" | cksum | cut -d' ' -f1)}
  FARM_TEST_POSTGRES_URL=$(scripts/services.sh start postgres | tail -n1)
fi
export FARM_TEST_POSTGRES_URL FARM_REQUIRE_POSTGRES=1

if [[ -z ${FARM_TEST_SLURM:-} ]]; then
  scripts/services.sh start slurm >&2
  FARM_TEST_SLURM=1
fi
if [[ $FARM_TEST_SLURM == 1 ]]; then export FARM_TEST_SLURM FARM_REQUIRE_SLURM=1; fi

# pytest exits 5 when it collects nothing: that fails this script like any other failure
exec "$VENV/bin/pytest" "$@"
