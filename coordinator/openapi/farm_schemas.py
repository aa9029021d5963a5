"""OpenAPI schemas of what /farm/v1/ sends and takes: runs, tasks, workers, results, receipts."""

from coordinator.api.farm import MAX_TASKS
from coordinator.openapi.helpers import (BOOL, INSTANT, INT, INT32_MAX, NUM, STR, WHEN, array,
                                         closed, integer, nullable, number, record, text)
from coordinator.states import WorkerState
from coordinator.store.reports import LOG_TAIL_CHARS, Outcome
from coordinator.store.task_views import VIEW_STATES

TASK_STATES = list(VIEW_STATES)
WORKER_STATES = [state.value for state in WorkerState]
HELD_TASK = record({'run': STR, 'number': INT, 'attempt': INT})
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
        'error_category': nullable({'type': 'string', 'description': 'SYSTEM (the node or agent '
                                                                     'failed) or ALGORITHM'})}),
    'FarmWorker': record({
        'uuid': STR, 'hostname': STR, 'pid': INT, 'slots': INT,
        'cpus': nullable(INT), 'memory_bytes': nullable(INT),
        'load': nullable({'type': 'number', 'description': 'null until the agent reports it; '
                                                           'a stock taskfarm client never does'}),
        'state': {'type': 'string', 'enum': WORKER_STATES}, 'reason': nullable(STR),
        'slurm_job_id': nullable(STR), 'walltime_end_at': WHEN, 'last_heartbeat_at': WHEN,
        'created_at': INSTANT, 'tasks': array(HELD_TASK)}),
    'FarmResult': closed({
        'number': integer(0, MAX_TASKS),
        'attempt': integer(1, INT32_MAX, description='the attempt the task was claimed with'),
        'outcome': {'type': 'string', 'enum': [outcome.value for outcome in Outcome],
                    'description': 'running: progress only; failed/timeout: retried while the '
                                   "run's max_tries allow; released: handed back, no try used"},
        'percent': number(0, 100), 'exit_code': integer(-255, 255),
        'msg': text(4096, empty_ok=True),
        'log_tail': text(LOG_TAIL_CHARS, empty_ok=True,
                         description='the last 64 KiB of the log, which are kept')},
        ('number', 'attempt', 'outcome')),
    'FarmReceipt': record({
        'accepted': array(INT, description='numbers of the results applied'),
        'refused': array(record({'number': INT, 'attempt': INT, 'reason': STR}))}),
}
