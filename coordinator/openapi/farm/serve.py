"""OpenAPI paths and schemas of serve agents' claims and results (/farm/v1/claim, /results),
of the code package zips they fetch (/farm/v1/revisions/{revision_id}/code) and of the long
logs they send (/farm/v1/tasks/{task_id}/log)."""

from coordinator.api.farm.claims import MAX_ATTEMPT, MAX_BATCH, MAX_TASK_ID
from coordinator.api.farm.serve import MARKER_ROOM, MAX_KNOWN
from coordinator.openapi.farm.claims import GONE, NOT_FOUND
from coordinator.openapi.helpers import (ERROR, INT, NUM, STR, array, closed, error, integer,
                                         nullable, operation, path_param, record, ref,
                                         response, text)

_RESULTS = array(ref('FarmServeResult'), 1, MAX_BATCH)
_TASK = record({
    'id': INT, 'attempt': INT, 'job_type': STR, 'version': STR,
    'revision': nullable({**INT, 'description': 'queued work: the revision it runs, defined '
                                                'in revisions unless known_revisions has it'}),
    'run': nullable({**STR, 'description': "a run's task: the run's uuid"}),
    'number': nullable({**INT, 'description': "a run's task: its number in the run"}),
    'input': nullable({**STR, 'description': "a run's task: its line of the run's inputs"}),
    'payload': nullable({**STR, 'description': "queued work: the job's payload, as queued"}),
    'timeout_s': nullable({**INT, 'description': 'queued work: seconds it may run'}),
    'iron_id': nullable({**STR, 'description': "a code package's task: its IronWorker id, "
                                               'given to the code as -id and TASK_ID'})})
_REVISION = record({
    'manifest': nullable({'type': 'object', 'description': 'the Seed manifest'}),
    'command': nullable(array(STR, description='a plain command: an argv template')),
    'docker_image': nullable(STR),
    'settings': {'type': 'object', 'additionalProperties': {'nullable': True},
                 'description': "the job type's settings, secret ones too"},
    'code': nullable({**record({
        'checksum': {**STR, 'description': 'MD5 of the zip: GET /farm/v1/revisions/{id}/code'},
        'runtime': STR, 'file_name': {**STR, 'description': 'the file in the zip to run'},
        'config': nullable({**STR, 'description': 'given to each task as its -config file'}),
        'env_vars': {'type': 'object', 'additionalProperties': STR,
                     'description': "names and values in each task's environment"},
        'max_log_bytes': {**INT, 'description': 'how much of a task\'s log to send (its tail) '
                                                'by PUT /farm/v1/tasks/{id}/log when it is '
                                                'longer than a result carries'}}),
        'description': "an IronWorker code package's zip revision"})})
_RUN = record({'command': nullable(array(STR)), 'task_timeout_s': nullable(NUM),
               'expected_duration_s': nullable(NUM)})

SCHEMAS = {
    # as FarmResult, by task id: the rest of a result is checked result by result
    'FarmServeResult': {
        'type': 'object', 'required': ['id', 'attempt'], 'additionalProperties': True,
        'properties': {
            'id': integer(0, MAX_TASK_ID, description='the task id, as claimed'),
            'attempt': integer(1, MAX_ATTEMPT,
                               description='the attempt the task was claimed with')},
        'description': 'Also: outcome, percent, exit_code, msg, log_tail and output, as in '
                       'FarmResult.'},
    'FarmServeReceipt': record({
        'accepted': array(INT, description='task ids of the results applied'),
        'refused': array(record({'id': INT, 'attempt': INT, 'reason': STR}))}),
}

PATHS = {
    '/farm/v1/revisions/{revision_id}/code': {'get': operation(
        "A code package revision's zip, byte for byte, for the agents that run its tasks",
        {200: {'description': 'the zip',
               'content': {'application/zip': {'schema': {'type': 'string',
                                                          'format': 'binary'}}}},
         404: error('no revision of a code package of your project with that id, or one '
                    'without a zip')},
        parameters=[path_param('revision_id', integer(1, MAX_TASK_ID),
                               'the revision id a claim names')], agent_call=True)},
    '/farm/v1/claim': {'post': operation(
        "Claim up to max_tasks tasks of the project's work of every family (also a heartbeat): "
        'queued work of priority 0 or more, then runs oldest first, then negative priorities; '
        'never of a paused or inactive job type, never past a type\'s max_scheduled. Results '
        'sent along are applied first and answered in receipt',
        {200: response('claimed tasks, with the definitions and runs they refer to', record({
            'tasks': array(_TASK),
            'revisions': {'type': 'object', 'additionalProperties': _REVISION,
                          'description': 'by revision id'},
            'runs': {'type': 'object', 'additionalProperties': _RUN,
                     'description': 'by run uuid'},
            'receipt': ref('FarmServeReceipt')}, optional=('receipt',))),
         404: NOT_FOUND, 409: GONE},
        body=closed({'worker_uuid': text(64), 'max_tasks': integer(1, MAX_BATCH),
                     'job_types': nullable(array(text(64), 1, 100,
                                                 description='names it serves; null: any')),
                     'known_revisions': array(integer(1, MAX_TASK_ID), max_items=MAX_KNOWN,
                                              description='revision ids whose definition the '
                                                          'agent has: left out of the answer'),
                     'results': _RESULTS}, ('worker_uuid', 'max_tasks')), agent_call=True)},
    '/farm/v1/tasks/{task_id}/log': {'put': operation(
        "The log of a task this agent runs, up to the claim's max_log_bytes (plus a line "
        f'saying what was cut, {MARKER_ROOM} bytes at most), sent before its result, which '
        'then carries no log_tail',
        {200: response('kept', record({'kept_bytes': INT})),
         400: error('a field is missing, of the wrong type, or the log is too long'),
         404: error('unknown worker'),
         409: error('the task is not running at that attempt on that worker, or the worker '
                    'is gone')},
        body=closed({'worker_uuid': text(64), 'attempt': integer(1, MAX_ATTEMPT),
                     'log': {'type': 'string', 'description': 'the tail of the log'}},
                    ('worker_uuid', 'attempt', 'log')),
        parameters=[path_param('task_id', integer(1, 2**31 - 1), 'the task id, as claimed')],
        agent_call=True)},
    '/farm/v1/results': {'post': operation(
        'Report results of claimed attempts by task id (also a heartbeat)',
        {200: response('at least one result applied', ref('FarmServeReceipt')),
         404: error('unknown worker'),
         409: response('every result refused (stale attempts), or the worker is gone',
                       {'oneOf': [ref('FarmServeReceipt'), ERROR]})},
        body=closed({'worker_uuid': text(64), 'results': _RESULTS}, ('worker_uuid', 'results')),
        agent_call=True)},
}
