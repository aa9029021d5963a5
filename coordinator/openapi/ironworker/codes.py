"""OpenAPI paths of code packages (/2/projects/{project_id}/codes...)."""

from coordinator.api.ironworker import codes
from coordinator.openapi.helpers import (INT, NUM, STR, error, integer, obj, operation,
                                         query_param, ref, response)
from coordinator.openapi.ironworker.views import (BAD_QUERY, CODE_ID, ENV_VARS, MESSAGE,
                                                  NO_CODE, NO_PROJECT, PROJECT_ID, listed,
                                                  paging)

_CODES = '/2/projects/{project_id}/codes'
_CODE = _CODES + '/{code_id}'
_EPOCH = {**NUM, 'minimum': 0, 'maximum': codes.MAX_EPOCH_S}
_FORBIDDEN = error('a worker token may not change code packages')
_DATA = obj({
    'name': STR, 'runtime': {'type': 'string', 'enum': list(codes.RUNTIMES)},
    'file_name': {'type': 'string', 'description': 'the file in the zip that tasks run'},
    'config': {'type': 'string', 'description': 'at most 64 KB, given to each task as a file'},
    'env_vars': {**ENV_VARS, 'maxProperties': codes.MAX_ENV_VARS,
                 'description': 'names and values each task has in its environment; '
                                '{} clears them'},
    'image': STR, 'command': STR,
    'max_concurrency': integer(-1, codes.MAX_CONCURRENCY, description='0 or -1: no cap'),
    'retries': integer(0, codes.MAX_RETRIES),
    'retries_delay': {'type': 'number', 'minimum': 0, 'maximum': codes.MAX_DELAY_S},
    'default_priority': integer(0, codes.MAX_PRIORITY),
    'timeout': {'type': 'number', 'minimum': 0, 'maximum': codes.MAX_TIMEOUT_S,
                'description': '0: the maximum'},
}, ('name',), description='null or "" leaves a field as it is; unknown fields are ignored')
_UPLOAD = {'multipart/form-data': {
    'schema': obj({'data': {'type': 'string', 'description': 'the JSON text of the object '
                                                             'IronCodeData describes'},
                   'file': {'type': 'string', 'format': 'binary',
                            'description': 'the zip; or the text of a Python bytes literal '
                                           "of it (b'PK...'), as iron-worker 1.3.8 sends it"}},
                  ('data',)),
    'encoding': {'file': {'contentType': 'application/zip, application/octet-stream'}}}}
SCHEMAS = {'IronCodeData': _DATA}

PATHS = {
    _CODES: {
        'get': operation('Your code packages, a page at a time, oldest first',
                         {200: listed('codes', 'IronCode'), 400: BAD_QUERY, 404: NO_PROJECT},
                         parameters=[PROJECT_ID, *paging()]),
        'post': {**operation(
            'Upload a code package, or a new revision or new options of one (by name): a zip '
            'with runtime and file_name, or an image; each upload of code is a new revision',
            {200: response('uploaded', ref('IronUploaded')),
             400: error('a field is wrong, the zip is refused (absolute or .. paths, links, '
                        'too many entries, too large unpacked, a zip bomb), or a new package '
                        'has no code'),
             403: _FORBIDDEN, 404: NO_PROJECT,
             413: error('the zip is larger than FARM_MAX_CODE_BYTES')},
            parameters=[PROJECT_ID]),
            'requestBody': {'required': True, 'content': _UPLOAD}}},
    _CODE: {
        'get': operation('One code package, with its latest revision',
                         {200: response('the code package', ref('IronCode')), 404: NO_CODE},
                         parameters=[PROJECT_ID, CODE_ID]),
        'delete': operation('Delete (archive) a code package: its queued tasks are no longer '
                            'handed out', {200: response('{"msg": "Deleted"}', MESSAGE),
                                           403: _FORBIDDEN, 404: NO_CODE},
                            parameters=[PROJECT_ID, CODE_ID])},
    _CODE + '/download': {'get': operation(
        "A revision's zip, byte for byte",
        {200: {'description': 'the zip',
               'headers': {'Content-Disposition': {'schema': STR,
                                                   'description': 'filename=<name>_<rev>.zip'}},
               'content': {'application/zip': {'schema': {'type': 'string',
                                                          'format': 'binary'}}}},
         400: BAD_QUERY, 404: error('no such code package, no such revision, or the revision '
                                    'runs an image and has no zip')},
        parameters=[PROJECT_ID, CODE_ID,
                    query_param('revision', integer(1, codes.MAX_REVISION),
                                'the latest unless told')])},
    _CODE + '/revisions': {'get': operation(
        "A code package's revisions, the first first",
        {200: listed('revisions', 'IronRevision'), 400: BAD_QUERY, 404: NO_CODE},
        parameters=[PROJECT_ID, CODE_ID, *paging()])},
    _CODE + '/stats': {'get': operation(
        "How many of a code package's tasks are queued and running now, and finished in each "
        'state in the window', {200: response('counts by state', obj(
            {state: INT for state in ('queued', 'preparing', 'running', 'complete', 'error',
                                      'cancelled', 'killed', 'timeout')})),
            400: BAD_QUERY, 404: NO_CODE},
        parameters=[PROJECT_ID, CODE_ID,
                    query_param('start_date', _EPOCH,
                                'epoch seconds; 24 hours before end_date unless told'),
                    query_param('end_date', _EPOCH, 'epoch seconds; now unless told')])},
    **{_CODE + f'/{action}_task_queue': {'post': operation(
        f'{action.capitalize()} the queue of a code package: its queued tasks '
        + ('wait' if action == 'pause' else 'are handed out again'),
        {200: response(f'{{"msg": "{action.capitalize()}d"}}', MESSAGE), 403: _FORBIDDEN,
         404: NO_CODE}, parameters=[PROJECT_ID, CODE_ID])}
       for action in ('pause', 'resume')},
}
