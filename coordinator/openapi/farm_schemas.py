"""OpenAPI schemas of what /farm/v1/ sends and takes: runs, tasks, workers, results, receipts."""

from coordinator.models import MAX_TASKS
from coordinator.openapi.helpers import (BOOL, INSTANT, INT, INT32_MAX, NUM, STR, WHEN, array,
                                         integer, nullable, record)
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
        'created_at': INSTANT, 'tasks': array(HELD_TASK)}),
    # only number and attempt are checked for the request; the rest of a result is checked
    # result by result, and a bad one is refused in the receipt, never failing its batch
    'FarmResult': {
        'type': 'object', 'required': ['number', 'attempt'],
        'properties': {
            'number': integer(0, MAX_TASKS),
            'attempt': integer(1, INT32_MAX, description='the attempt the task was claimed with'),
        },
        'description': (
            'Also: outcome (required; one of ' + ', '.join(o.value for o in Outcome) + '; '
            'running: progress only; failed/timeout/system_error: retried while the run\'s '
            'max_tries allow, system_error with category SYSTEM; released: handed back, no try '
            'used), percent (0-100), exit_code (-255..255), msg (text, at most 4096 '
            f'characters), log_tail (text, the last {LOG_TAIL_CHARS} characters are kept). A '
            'result with a wrong or unknown field is refused alone in the receipt.')},
    'FarmReceipt': record({
        'accepted': array(INT, description='numbers of the results applied'),
        'refused': array(record({'number': INT, 'attempt': INT, 'reason': STR}))}),
}
