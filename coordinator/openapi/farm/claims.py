"""OpenAPI paths and schemas of claims and results (/farm/v1/runs/{uuid}/claim, /results)."""

from coordinator.api.farm.claims import MAX_ATTEMPT, MAX_BATCH
from coordinator.models import MAX_TASKS
from coordinator.openapi.helpers import (ERROR, INT, NUM, RUN_UUID, STR, array, closed, error,
                                         integer, operation, record, ref, response, text)
from coordinator.store.reports import LOG_TAIL_CHARS, OUTPUT_BYTES, Outcome

NOT_FOUND = error('unknown run or worker')
GONE = error('the worker was declared lost or stopped: register again')
_RESULTS = array(ref('FarmResult'), 1, MAX_BATCH)
_CLAIMED = record({'number': INT, 'attempt': INT, 'percent': NUM,
                   'input': {'type': 'string', 'description': 'its line of the inputs, sent when '
                                                              'the run has inputs'}},
                  optional=('input',))

SCHEMAS = {
    # only number and attempt are checked for the request; the rest of a result is checked
    # result by result, and a bad one is refused in the receipt, never failing its batch
    'FarmResult': {
        'type': 'object', 'required': ['number', 'attempt'], 'additionalProperties': True,
        'properties': {
            'number': integer(0, MAX_TASKS),
            'attempt': integer(1, MAX_ATTEMPT,
                               description='the attempt the task was claimed with'),
        },
        'description': (
            'Also: outcome (required; one of ' + ', '.join(o.value for o in Outcome) + '; '
            'running: progress only; failed/timeout/system_error: retried while the run\'s '
            'max_tries allow, system_error with category SYSTEM; released: handed back, no try '
            'used), percent (0-100), exit_code (-255..255), msg (text, at most 4096 '
            f'characters), log_tail (text, the last {LOG_TAIL_CHARS} characters are kept), '
            f'output (an object: a job\'s outputs, at most {OUTPUT_BYTES} bytes of JSON, kept '
            'when it completes). A result with a wrong or unknown field is refused alone in the '
            'receipt.')},
    'FarmReceipt': record({
        'accepted': array(INT, description='numbers of the results applied'),
        'refused': array(record({'number': INT, 'attempt': INT, 'reason': STR}))}),
}

PATHS = {
    '/farm/v1/runs/{uuid}/claim': {'post': operation(
        'Claim up to max_tasks tasks (also a heartbeat); an empty list when none is waiting now. '
        'Results sent along are applied first and answered in receipt',
        {200: response('claimed tasks and the run', record({
            'tasks': array(_CLAIMED), 'run': ref('FarmRun'),
            'receipt': ref('FarmReceipt')}, optional=('receipt',))),
         404: NOT_FOUND, 409: GONE},
        body=closed({'worker_uuid': text(64), 'max_tasks': integer(1, MAX_BATCH),
                     'results': _RESULTS}, ('worker_uuid', 'max_tasks')),
        parameters=[RUN_UUID], agent_call=True)},
    '/farm/v1/runs/{uuid}/results': {'post': operation(
        'Report results of claimed attempts (also a heartbeat)',
        {200: response('at least one result applied', ref('FarmReceipt')), 404: NOT_FOUND,
         409: response('every result refused (stale attempts), or the worker is gone',
                       {'oneOf': [ref('FarmReceipt'), ERROR]})},
        body=closed({'worker_uuid': text(64), 'results': _RESULTS}, ('worker_uuid', 'results')),
        parameters=[RUN_UUID], agent_call=True)},
}
