"""Small builders that keep the per-family OpenAPI tables short and their constraints exact."""

INT = {'type': 'integer'}
NUM = {'type': 'number'}
STR = {'type': 'string'}
BOOL = {'type': 'boolean'}
INSTANT = {'type': 'string', 'format': 'date-time', 'description': 'RFC 3339, UTC'}
WHEN = {**INSTANT, 'nullable': True}
INT32_MAX = 2**31 - 1
# PostgreSQL cannot store a NUL character, so every text field refuses one (as `not` a pattern
# rather than a pattern of the allowed text, whose repetition count tools must then compile)
NO_NUL = {'pattern': '\\u0000'}

SCHEMAS = {'Error': {'type': 'object', 'properties': {'msg': STR}, 'required': ['msg']}}


def ref(name: str) -> dict:
    return {'$ref': f'#/components/schemas/{name}'}


ERROR = ref('Error')


def nullable(schema: dict) -> dict:
    return {**schema, 'nullable': True}


def text(max_length: int, *, empty_ok: bool = False, **extra) -> dict:
    """A string as `bodies.text` accepts it: no NUL, at most `max_length`, non-empty unless told."""
    out = {'type': 'string', 'maxLength': max_length, 'not': NO_NUL, **extra}
    if not empty_ok:
        out['minLength'] = 1
    return out


def integer(minimum: int, maximum: int, **extra) -> dict:
    return {'type': 'integer', 'minimum': minimum, 'maximum': maximum, **extra}


def number(minimum: float, maximum: float, **extra) -> dict:
    return {'type': 'number', 'minimum': minimum, 'maximum': maximum, **extra}


def array(items: dict, min_items: int = 0, max_items: int | None = None, **extra) -> dict:
    out = {'type': 'array', 'items': items, **extra}
    if min_items:
        out['minItems'] = min_items
    if max_items is not None:
        out['maxItems'] = max_items
    return out


def obj(properties: dict, required: tuple = (), **extra) -> dict:
    """An object whose `required` keys must be present; others may be, and unknown ones too."""
    out = {'type': 'object', 'properties': properties, **extra}
    if required:
        out['required'] = list(required)
    return out


def closed(properties: dict, required: tuple = (), **extra) -> dict:
    """A request object whose unknown keys are refused (`bodies.only_keys`)."""
    return obj(properties, required, additionalProperties=False, **extra)


def record(properties: dict, optional: tuple = ()) -> dict:
    """A response object: every property is always sent, except those named `optional`."""
    return obj(properties, tuple(name for name in properties if name not in optional))


def json_content(schema: dict) -> dict:
    return {'application/json': {'schema': schema}}


def header(description: str, schema: dict) -> dict:
    return {'description': description, 'schema': schema}


def response(description: str, schema: dict | None = None, headers: dict | None = None) -> dict:
    out = {'description': description}
    if schema is not None:
        out['content'] = json_content(schema)
    if headers:
        out['headers'] = headers
    return out


def error(description: str) -> dict:
    return response(description, ERROR)


UNAUTHORIZED = response(
    'no credentials, or a wrong password or an unknown or expired token', ERROR,
    {'WWW-Authenticate': header('the Basic challenge', STR)})
UNAVAILABLE = response('the database is unreachable or busy, or (with user:password) every '
                       "password check of this process is busy: retry", ERROR,
                       {'Retry-After': header('seconds to wait', INT)})
TOO_MANY_GUESSES = response('user:password: the name or the address has used up its failed '
                            'password checks (FARM_PASSWORD_FAILURES_*): retry later', ERROR,
                            {'Retry-After': header('seconds to wait', INT)})
WORKER_REFUSED = error('a worker token may make only the calls of an agent')
MALFORMED = error('the body is not a JSON object, or a value in it or in the path has the wrong '
                  'type or range')
TOO_LARGE = error('the body is larger than FARM_MAX_BODY_BYTES')
SLOW_BODY = error('the body did not arrive within FARM_BODY_TIMEOUT_S; the connection is closed')
# gunicorn answers a request line over its limit_request_line itself, in HTML
URI_TOO_LONG = {'description': 'the path and query are longer than 4094 bytes',
                'content': {'text/html': {'schema': STR}}}


def operation(summary: str, responses: dict, *, body: dict | None = None,
              body_required: bool = True, parameters: list | None = None,
              public: bool = False, database: bool = True, agent_call: bool = False) -> dict:
    """One operation; `responses` maps status code to `response(...)`.

    The statuses every operation of its kind can answer are added unless given:
    401 without credentials and 429 for too many failed passwords (unless `public`),
    403 for a worker token (unless `public` or an `agent_call`, as api/auth.py says),
    503 when the database fails (when it reads one, as authentication does), 400, 408
    and 413 for a request body, 414 for all.
    """
    common = {414: URI_TOO_LONG}
    if body is not None:
        common.update({400: MALFORMED, 408: SLOW_BODY, 413: TOO_LARGE})
    if not public:
        common.update({401: UNAUTHORIZED, 429: TOO_MANY_GUESSES})
    if not public and not agent_call:
        common[403] = WORKER_REFUSED
    if database:
        common[503] = UNAVAILABLE
    merged = {**common, **responses}
    op = {'summary': summary,
          'responses': {str(code): merged[code] for code in sorted(merged)}}
    if body is not None:
        op['requestBody'] = {'required': body_required, 'content': json_content(body)}
    if parameters:
        op['parameters'] = parameters
    if public:
        op['security'] = []
    return op


def with_error_body(paths: dict, schema: dict) -> dict:
    """`paths` with every error body `schema` instead of ERROR: for a family whose errors are
    another object (Scale's {"detail"})."""
    def swap(node):
        if node == ERROR:
            return schema
        if isinstance(node, dict):
            return {key: swap(value) for key, value in node.items()}
        return [swap(value) for value in node] if isinstance(node, list) else node
    return swap(paths)


def path_param(name: str, schema: dict, description: str) -> dict:
    return {'name': name, 'in': 'path', 'required': True, 'schema': schema,
            'description': description}


def query_param(name: str, schema: dict, description: str) -> dict:
    return {'name': name, 'in': 'query', 'required': False, 'schema': schema,
            'description': description}


RUN_UUID = path_param('uuid', {'type': 'string', 'pattern': '^[0-9a-fA-F]{32}$'},
                      "the run's uuid, 32 hex digits (the hyphenated form is accepted too); "
                      'anything else is an unknown path (404)')
TASK_NUMBER = path_param('number', {'type': 'integer', 'minimum': 0}, 'task number, 0-based')
