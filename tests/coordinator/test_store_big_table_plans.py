"""Store: with a big table's statistics, lists of queued work and of workers' tasks read indexes.

The statistics are those ANALYZE gave bench_big_tables' database of 10^6 task rows (SQLite):
finished tasks whose workers were pruned, so that one worker id (NULL) seems to stand for
most of the table, and queued work with no run, which seems to be one run's tasks. With
them SQLite once scanned the table for the dashboard's workers and for IronWorker's lists
(10-30x an empty database's time); PostgreSQL keeps the share of NULLs apart.
"""

import pytest

from coordinator.db import database
from coordinator.models import LABEL_INDEX, QUEUED_CREATED_INDEX
from coordinator.store import code_packages, executions, iron_tasks, job_type_status, worker_views
from coordinator.store.iron_tasks import TaskFilters
from coordinator.store.queue import Order

BIG_TABLE_STATS = {
    LABEL_INDEX: '69500 69500 17375 1 1',
    QUEUED_CREATED_INDEX: '292000 292000 1 1',
    'task_worker_id_status': '1022000 1022000 340667',
    'task_run_id_number': '1022000 15724 2',
    'task_project_id': '1022000 1022000',
}


@pytest.fixture
def big_stats(alice_principal):
    """A code package with labelled tasks, and the task table's statistics of 10^6 rows."""
    if database.for_update:
        pytest.skip("SQLite's statistics: PostgreSQL's are its own")
    code_packages.upload(alice_principal, 'render', code_packages.Code(docker_image='busybox'),
                         {})
    iron_tasks.queue_tasks(alice_principal, [('render', Order(payload='{}', label='nightly'))])
    database.execute_sql('ANALYZE')
    database.execute_sql("DELETE FROM sqlite_stat1 WHERE tbl = 'task'")
    for index, stat in BIG_TABLE_STATS.items():
        database.execute_sql("INSERT INTO sqlite_stat1 VALUES ('task', ?, ?)", (index, stat))
    database.execute_sql('ANALYZE sqlite_schema')  # the planner reloads the statistics
    return alice_principal


def plans_of(read) -> list[str]:
    """The query plan of each SELECT that `read()` runs, as one line each."""
    statements = []
    connection = database.connection()
    connection.set_trace_callback(statements.append)  # with the parameters' values in place
    try:
        read()
    finally:
        connection.set_trace_callback(None)
    return [' | '.join(row[-1] for row in database.execute_sql('EXPLAIN QUERY PLAN ' + sql))
            for sql in statements if sql.lstrip().upper().startswith('SELECT')]


def test_workers_running_tasks_are_read_through_the_workers(big_stats):
    (plan,) = plans_of(lambda: worker_views.running_tasks([1, 2, 3]))
    assert 'SEARCH t USING INDEX task_worker_id_status' in plan, plan


def test_job_type_status_counts_running_tasks_through_the_workers(big_stats):
    held, unheld = plans_of(lambda: job_type_status.running(big_stats, 0, 100))[-2:]
    for plan in (held, unheld):  # and no Bloom filter built out of the whole index
        assert 'SEARCH task USING INDEX task_worker_id_status (worker_id=? AND status=?)' in plan
        assert 'SCAN' not in plan and 'BLOOM' not in plan, plan


@pytest.mark.parametrize('filters, index', [
    (TaskFilters(), QUEUED_CREATED_INDEX),
    (TaskFilters(code_name='render'), QUEUED_CREATED_INDEX),
    (TaskFilters(code_name='render', from_time=0.0, to_time=1e10), QUEUED_CREATED_INDEX),
    (TaskFilters(from_time=0.0), QUEUED_CREATED_INDEX),
    (TaskFilters(label='nightly'), LABEL_INDEX),
])
def test_ironworker_lists_read_queued_work_by_time_or_label(big_stats, filters, index):
    plan = plans_of(lambda: iron_tasks.list_tasks(big_stats, filters, 0, 30))[-1]
    assert f'SEARCH t USING INDEX {index}' in plan, plan
    assert 'TEMP B-TREE' not in plan, plan  # newest first is the index's order: no sort


def test_executions_in_a_time_window_read_queued_work_by_time(big_stats):
    plan = plans_of(lambda: executions.list_executions(big_stats, 0.0, 1e10))[0]
    assert f'SEARCH t USING INDEX {QUEUED_CREATED_INDEX}' in plan, plan
