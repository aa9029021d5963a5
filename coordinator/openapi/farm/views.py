"""OpenAPI schemas of how /farm/v1/ shows runs, tasks and workers, and the parameters of pages."""

from coordinator.api.farm.views import MAX_PAGE
from coordinator.models import MAX_TASKS
from coordinator.openapi.helpers import (BOOL, INSTANT, INT, NUM, STR, WHEN, array, error,
                                         integer, nullable, operation, query_param, record, ref,
                                         response)
from coordinator.states import WorkerState
from coordinator.store.task_views import VIEW_STATES

TASK_STATES = list(VIEW_STATES)
WORKER_STATES = [state.value for state in WorkerState]
HELD_TASK = record({'run': nullable({**STR, 'description': 'null for queued work'}),
                    'number': nullable(INT), 'attempt': INT, 'id': INT})
BAD_QUERY = error('a query parameter has the wrong type or range')
_RUN = {
    'uuid': STR, 'name': nullable(STR),
    'command': nullable(array(STR, description='argv template; {task} is the task number, '
                                               '{line} its input')),
    'has_inputs': BOOL, 'num_tasks': INT,
    'waiting': INT, 'running': INT, 'done': INT, 'failed': INT, 'cancelled': INT,
    'percent_done': NUM, 'max_tries': INT, 'retry_delay_s': NUM,
    'task_timeout_s': nullable(NUM), 'expected_duration_s': nullable(NUM)}
_RUN_VIEW = {
    **_RUN, 'state': {'type': 'string', 'enum': ['waiting', 'running', 'finished', 'cancelled']},
    'created_at': INSTANT, 'started_at': WHEN, 'finished_at': WHEN,
    'rate_per_s': {'type': 'number', 'description': 'tasks finished per second, last minutes'},
    'eta_s': nullable({'type': 'number', 'description': 'null when unknown or nothing is left'}),
    'workers': {'type': 'integer', 'description': 'workers running its tasks now'},
    'walltime_left_s': nullable({
        'type': 'number', 'description': 'until the last of those workers reaches its walltime; '
                                         'an ETA beyond it needs more workers'})}
_TASK = {
    'number': INT, 'status': {'type': 'string', 'enum': TASK_STATES},
    'attempt': {'type': 'integer', 'description': '0 for a task never handed out'},
    'failed_tries': INT, 'worker': nullable(STR), 'hostname': nullable(STR), 'percent': NUM,
    'started_at': WHEN, 'ended_at': WHEN, 'duration_s': nullable(NUM),
    'exit_code': nullable(INT), 'msg': nullable(STR),
    'input': nullable({'type': 'string', 'description': 'its line of the run\'s inputs'})}

SCHEMAS = {
    'FarmRun': record(_RUN),
    'FarmRunView': record(_RUN_VIEW),
    'FarmTask': record(_TASK),
    'FarmTaskDetail': record({
        **_TASK, 'log_tail': nullable(STR),
        'error_category': nullable({
            'type': 'string', 'description': 'ALGORITHM: the task exited non-zero; SYSTEM: not '
                                             'its own fault (killed at its timeout, its worker '
                                             'lost, its exit unknown)'})}),
    'FarmWorker': record({
        'uuid': STR, 'hostname': STR, 'pid': INT, 'slots': INT,
        'cpus': nullable(INT), 'memory_bytes': nullable(INT),
        'load': nullable({'type': 'number', 'description': 'null until the agent reports it; '
                                                           'a stock taskfarm client never does'}),
        'state': {'type': 'string', 'enum': WORKER_STATES}, 'reason': nullable(STR),
        'slurm_job_id': nullable(STR), 'walltime_end_at': WHEN, 'last_heartbeat_at': WHEN,
        'created_at': INSTANT, 'tasks': array(HELD_TASK),
        'allocation': nullable({'type': 'string', 'description': 'the allocation queue whose '
                                                                 'Slurm job started it'})}),
}


def page(name: str, schema: str, **extra) -> dict:
    """A page of a list: `name` holds its items, each a `schema`."""
    return record({'now': INSTANT, name: array(ref(schema)), **extra})


def page_limit() -> dict:
    return query_param('limit', integer(1, MAX_PAGE, default=100), 'page size')


def paging() -> list:
    return [page_limit(),
            query_param('offset', integer(0, MAX_TASKS, default=0), 'rows to skip')]


def listing(summary: str, name: str, schema: str, states: list[str], by_state: str) -> dict:
    """GET of a list, a page at a time, filtered by ?state= (one of `states`)."""
    return operation(
        summary, {200: response(f'a page of {name}', page(name, schema, total=INT)),
                  400: BAD_QUERY},
        parameters=[query_param('state', {'type': 'string', 'enum': states}, by_state),
                    *paging()])
