"""Schema creation and versioned upgrades, safe to run any number of times from any number of processes.

A new database gets the current tables and is stamped `SCHEMA_VERSION`. An older
one is brought forward by the steps in `UPGRADES`: `UPGRADES[n]` takes a database
from version n - 1 to n (a function of a playhouse.migrate migrator).
"""

import time

import peewee
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator, migrate

from coordinator.db import database
from coordinator.models import (MODELS, CoordinatorPulse, Project, Run, RunActivity, RunInput,
                                SchemaVersion, Task)

SCHEMA_VERSION = 5


def _retries(migrator):
    """Version 2: per-run retry policy and per-task failed tries, for the farmworker protocol."""
    return [
        migrator.add_column('run', 'max_tries', Run.max_tries),
        migrator.add_column('run', 'retry_delay_s', Run.retry_delay_s),
        migrator.add_column('run', 'task_timeout_s', Run.task_timeout_s),
        migrator.add_column('run', 'expected_duration_s', Run.expected_duration_s),
        migrator.add_column('task', 'failed_tries', Task.failed_tries),
    ]


def _sweeps(migrator):
    """Version 3: run names, command templates and inputs, cancellation, per-minute activity."""
    database.create_tables((RunInput, RunActivity), safe=True)
    return [migrator.add_column('run', column, getattr(Run, column))
            for column in ('name', 'command', 'has_inputs', 'cancelled_count', 'started_at',
                           'last_ended_at', 'cancelled_at')]


def _indexes(migrator):
    """Version 4: indexes for what is written and read most.

    Drop the foreign-key indexes that a composite index already leads: each was one
    more b-tree written by every task created or changed (a claim wrote eight).
    Index run_activity by minute: the overview reads the last hour's rows, and
    without it scanned every run's whole history.
    """
    for index in ('run_project_id', 'run_activity_run_id', 'task_run_id', 'task_worker_id'):
        database.execute_sql(f'DROP INDEX IF EXISTS {index}')
    RunActivity._schema.create_indexes(safe=True)
    return []


def _pulse(migrator):
    """Version 5: the coordinator's pulse (liveness judged only while it could hear), loading runs."""
    database.create_tables((CoordinatorPulse,), safe=True)
    return [migrator.add_column('run', 'loading', Run.loading)]


UPGRADES = {2: _retries, 3: _sweeps, 4: _indexes, 5: _pulse}
DEFAULT_PROJECT = 'default'
_UPGRADE_LOCK_ID = 0x7461736B  # 'task'


def upgrade() -> tuple[int | None, int]:
    """Create or upgrade the schema; returns (version found, version now)."""
    with database.write():
        if isinstance(database.obj, peewee.PostgresqlDatabase):
            # coordinators starting together on one PostgreSQL upgrade one at a time
            database.execute_sql('SELECT pg_advisory_xact_lock(%s)', (_UPGRADE_LOCK_ID,))
        found = _current_version()
        if found is None:
            database.create_tables(MODELS, safe=True)
            SchemaVersion.create(version=SCHEMA_VERSION)
        elif found > SCHEMA_VERSION:
            raise RuntimeError(
                f'the database is at schema version {found}, newer than this '
                f'coordinator ({SCHEMA_VERSION}); upgrade hpc-taskfarm'
            )
        else:
            migrator = _migrator()
            for version in range(found + 1, SCHEMA_VERSION + 1):
                migrate(*UPGRADES[version](migrator))
            SchemaVersion.update(version=SCHEMA_VERSION).execute()
        Project.get_or_create(name=DEFAULT_PROJECT)
        if not CoordinatorPulse.select().exists():
            # hearing since forever: a fresh coordinator judges agents as usual; a gap between
            # this pass and the first real one (a server started later) resets it
            CoordinatorPulse.create(id=1, last_pass_at=time.time(), hearing_since=0.0)
    return found, SCHEMA_VERSION


def _current_version() -> int | None:
    if not SchemaVersion.table_exists():
        return None
    row = SchemaVersion.select(SchemaVersion.version).first()
    return row.version if row else None


def _migrator():
    if isinstance(database.obj, peewee.PostgresqlDatabase):
        return PostgresqlMigrator(database.obj)
    return SqliteMigrator(database.obj)
