"""OpenAPI schemas of how /2/ shows projects, code packages and revisions, and shared parameters."""

from coordinator.api.ironworker import edge
from coordinator.openapi.helpers import (INSTANT, INT, NUM, STR, error, integer, obj,
                                         path_param, query_param, ref, response)

HEX_ID = {'type': 'string', 'pattern': '^[0-9a-f]{24}$'}
PROJECT_ID = path_param('project_id', HEX_ID, "a project's 24-hex id (`farm-coordinator "
                                              "project list`); one not yours is a 404")
CODE_ID = path_param('code_id', HEX_ID, "a code package's 24-hex id")
NO_PROJECT = error('no such project of yours')
NO_CODE = error('no such project of yours, or no such code package in it')
BAD_QUERY = error('a query parameter is malformed or out of range')
# IronWorker's clients send the token in this header, as `OAuth <token>`, or as ?oauth=
SECURITY = [{'basic': []}, {'bearer': []}, {'oauth': []}, {'oauth_query': []}]
SECURITY_SCHEMES = {
    'oauth': {'type': 'apiKey', 'in': 'header', 'name': 'Authorization',
              'description': '`OAuth <token>`, as IronWorker clients send it'},
    'oauth_query': {'type': 'apiKey', 'in': 'query', 'name': 'oauth',
                    'description': 'the token, under /2/ only (ironcli sends it so)'},
}
ENV_VARS = {'type': 'object', 'additionalProperties': STR,
            'description': "names and values each task has in its environment"}
_CODE = {
    'id': HEX_ID, 'project_id': HEX_ID, 'name': STR,
    'runtime': {'type': 'string', 'description': 'sh, python, ruby, php or binary'},
    'file_name': STR, 'image': STR, 'command': STR, 'config': STR, 'env_vars': ENV_VARS,
    'latest_checksum': {'type': 'string', 'description': "the latest zip's MD5"},
    'rev': INT, 'latest_history_id': HEX_ID, 'latest_change': INSTANT, 'created_at': INSTANT,
    'max_concurrency': {'type': 'integer', 'description': 'left out: no cap'},
    'retries': INT, 'retries_delay': NUM, 'default_priority': INT,
    'timeout': {'type': 'number', 'description': 'seconds; left out: the maximum'},
    'status': {'type': 'string', 'enum': ['active', 'paused']},
}
_REVISION = {'id': HEX_ID, 'code_id': HEX_ID, 'project_id': HEX_ID, 'name': STR, 'rev': INT,
             'runtime': STR, 'file_name': STR, 'image': STR, 'command': STR, 'config': STR,
             'env_vars': ENV_VARS, 'checksum': STR,
             'code_size': {'type': 'integer', 'description': 'bytes'},
             'created_at': INSTANT}
_ALWAYS = ('id', 'project_id', 'name', 'rev', 'latest_history_id', 'latest_change',
           'created_at', 'retries', 'retries_delay', 'default_priority', 'status')
SCHEMAS = {
    'IronProject': obj({'id': HEX_ID, 'name': STR, 'created_at': INSTANT},
                       ('id', 'name', 'created_at')),
    'IronCode': obj(_CODE, _ALWAYS, description='a field without a value is left out'),
    'IronUploaded': obj({**_CODE, 'msg': STR}, (*_ALWAYS, 'msg')),
    'IronRevision': obj(_REVISION, ('id', 'code_id', 'project_id', 'name', 'rev',
                                    'created_at')),
    'IronMessage': obj({'msg': STR}, ('msg',)),
}
MESSAGE = ref('IronMessage')


def paging() -> list:
    return [query_param('page', integer(0, edge.MAX_PAGE, default=0), 'from 0'),
            query_param('per_page', integer(1, edge.MAX_PER_PAGE,
                                            default=edge.DEFAULT_PER_PAGE), 'rows per page')]


def listed(key: str, schema: str) -> dict:
    return response(f'one page of {key}', obj({key: {'type': 'array', 'items': ref(schema)}},
                                               (key,)))
