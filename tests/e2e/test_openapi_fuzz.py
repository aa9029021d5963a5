"""Schemathesis fuzzes a real coordinator against its own /openapi.json, on both databases.

Every answer must be documented: its status, content type, headers and body, where the test
forbids response keys the document does not name. Requests the document calls valid must be
accepted and those it calls invalid refused, so its constraints are the validators' own. A few
objects are made first so that generated requests also reach real runs, tasks, workers and job
types.
Examples are bounded (25 per operation and phase) and derandomized, so a run is reproducible;
it takes about half a minute per database on two cores.
Requests the fuzzer does not make (no credentials, a worker's token, too large a body) are
sent to every operation by hand and checked the same way.
"""

import dataclasses
import datetime
import io
import json
import time
import uuid
import zipfile
from urllib.parse import quote

import pytest
import requests
import schemathesis
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, negative_data_rejection,
                                               positive_data_acceptance,
                                               response_headers_conformance,
                                               response_schema_conformance,
                                               status_code_conformance, unsupported_method)

from coordinator import db
from coordinator.api.ironworker import edge as iron_edge
from coordinator.api.ironworker import ids
from coordinator.api.ironworker import schedules as iron_schedules
from coordinator.api.ndscheduler import jobs as cron_jobs
from coordinator.api.ndscheduler import params as cron_params
from coordinator.api.scale import manifests
from coordinator.errors import InvalidInput
from coordinator.models import Project
from coordinator.seed import times
from coordinator.seed.inputs import input_problems
from coordinator.store import schedules, users
from tests.conftest import basic
from tests.coordinator.seed.manifests import POST_EXAMPLE

CONFORMANCE = [not_a_server_error, status_code_conformance, content_type_conformance,
               response_headers_conformance, response_schema_conformance]
CHECKS = [*CONFORMANCE, negative_data_rejection, positive_data_acceptance, unsupported_method]
AGENT, STOCK_CLIENT, LEAVING_AGENT = 'fuzz-agent', 'stock-client', 'leaving-agent'
ALLOCATION = 'fuzzed'  # an allocation queue
JOB_TYPE = {'name': 'test', 'version': '1.0.0'}  # the seed document's example, POSTed first
DEFINE, EDIT = 'POST /v6/job-types/', 'PATCH /v6/job-types/{name}/{version}/'
QUEUE = 'POST /v6/job-types/{name}/{version}/jobs/'
# a code upload's data part is JSON text, which the document can only call a string: what it
# calls valid may still be refused, so its answers are checked for conformance alone
UPLOAD = 'POST /2/projects/{project_id}/codes'
# a webhook's body is any bytes, of any type, and becomes a payload only when it is UTF-8 text:
# the document can say so only in words, so its answers too are checked for conformance alone
WEBHOOK = 'POST /2/projects/{project_id}/tasks/webhook'
CRON_JOB = {'name': 'fuzzed', 'job_class_string': 'fuzz.jobs.Job', 'minute': '*/5'}
# bodies that pass validation, so that a worker's token reaches the check of its scope
VALID_BODIES = {'POST /api/run': {'numTasks': 1}, 'POST /farm/v1/runs': {'num_tasks': 1},
                'POST /farm/v1/tokens': {}, DEFINE: json.loads(POST_EXAMPLE.read_text()),
                EDIT: {'is_paused': False},
                QUEUE: {'input': {'INPUT_TEXT': '/data/in.txt', 'READ_LENGTH': 10}},
                'POST /api/v1/jobs': CRON_JOB, 'PUT /api/v1/jobs/{job_id}': CRON_JOB}


@dataclasses.dataclass
class Target:
    """A coordinator, a token of alice's, and the objects requests may name."""

    url: str
    auth: dict
    project: str = '0' * 24  # alice's project's 24-hex id
    code: str = '0' * 24  # a code package of it
    code_revision: int = 1  # its revision (agents fetch its zip by this id)
    iron_task: str = '0' * 24  # a task of it
    iron_schedule: str = '0' * 24  # a schedule of it
    run: str = dataclasses.field(default_factory=lambda: uuid.uuid4().hex)
    job: int = 1  # a job of the example type
    cron_job: str = '0' * 32  # an ndscheduler job
    execution: str = '0' * 32  # an execution of it
    victims: dict = dataclasses.field(default_factory=dict)  # label -> a run of its own to delete

    def path_parameters(self, operation) -> dict:
        path = operation.path
        known = {'number': 2} if '{number}' in path else {}
        if path.startswith('/2/'):
            known = {key: value for key, value in (('project_id', self.project),
                                                   ('code_id', self.code),
                                                   ('task_id', self.iron_task),
                                                   ('schedule_id', self.iron_schedule))
                     if f'{{{key}}}' in path}
        elif '{revision_id}' in path:
            known['revision_id'] = self.code_revision
        elif path.startswith('/v6/'):
            known = {key: value for key, value in {**JOB_TYPE, 'revision_num': 1,
                                                   'job_id': self.job}.items()
                     if f'{{{key}}}' in path}
        elif path.startswith('/api/v1/jobs/'):
            known['job_id'] = self.cron_job
        elif path.startswith('/api/v1/executions/'):  # POST runs the job its path names
            known['execution_id'] = (self.cron_job if operation.method.upper() == 'POST'
                                     else self.execution)
        elif path.startswith('/farm/v1/allocations/'):
            known['queue'] = ALLOCATION
        elif path.startswith('/farm/v1/workers/'):
            known['uuid'] = LEAVING_AGENT if path.endswith('/stop') else AGENT
        elif '{iron_id}' in path:
            known['iron_id'] = self.iron_task
        elif '{uuid}' in path:
            known['uuid'] = self.victims.get(operation.label, self.run)
        elif '{task_id}' in path:
            known['task_id'] = self.job  # a job is a task, named by its id
        return known

    def aim(self, case):
        """`case` with its path, and any worker_uuid in its body, naming real objects."""
        case.path_parameters.update(self.path_parameters(case.operation))
        if isinstance(case.body, dict) and 'worker_uuid' in case.body:
            api = case.operation.path.startswith('/api/')
            case.body['worker_uuid'] = STOCK_CLIENT if api else AGENT
        return case


def _target(coordinator) -> Target:
    token = users.create_token('alice')
    project = Project.get(Project.name == 'default').hex_id
    db.database.close()
    return Target(coordinator.url, {'Authorization': f'Bearer {token}'}, project)


def _seed(target: Target) -> Target:
    """`target` with objects to name: a run, runs to delete, a stock client and two agents.

    The run has inputs; AGENT claimed its tasks 0-2: 0 is done, 1 failed once, 2 runs.
    """
    with requests.Session() as session:
        session.headers.update(target.auth)

        def post(path, body):
            reply = session.post(target.url + path, json=body, timeout=10)
            reply.raise_for_status()
            return reply.json()

        run = post('/farm/v1/runs', {'name': 'fuzzed', 'command': ['echo', '{task}', '{line}'],
                                     'inputs': [f'line {n}' for n in range(8)]})['uuid']
        victims = {f'DELETE {prefix}/runs/{{uuid}}': post('/api/run', {'numTasks': 2})['uuid']
                   for prefix in ('/api', '/farm/v1')}
        post('/api/worker', {'uuid': STOCK_CLIENT, 'hostname': 'login01', 'pid': 7})
        for name in (AGENT, LEAVING_AGENT):
            post('/farm/v1/workers', {'uuid': name, 'hostname': 'node01', 'pid': 42, 'slots': 4,
                                      'cpus': 8, 'memory_bytes': 1 << 34, 'load': 0.5,
                                      'slurm_job_id': '1234', 'walltime_end_at': 4e9})
        post(f'/farm/v1/runs/{run}/claim', {'worker_uuid': AGENT, 'max_tasks': 3})
        post('/farm/v1/allocations', {'name': ALLOCATION, 'walltime_s': 3600, 'max_jobs': 1})
        post('/v6/job-types/', VALID_BODIES[DEFINE])
        job = post('/v6/job-types/test/1.0.0/jobs/', VALID_BODIES[QUEUE])['id']
        cron_job = post('/api/v1/jobs', CRON_JOB)['job_id']
        execution = post(f'/api/v1/executions/{cron_job}', None)['execution_id']
        post(f'/farm/v1/runs/{run}/results', {'worker_uuid': AGENT, 'results': [
            {'number': 0, 'attempt': 1, 'outcome': 'complete', 'exit_code': 0, 'msg': 'ok'},
            {'number': 1, 'attempt': 1, 'outcome': 'failed', 'exit_code': 3, 'log_tail': 'x'}]})
        code, code_revision = _upload_code(session, target)
        iron_task = post(f'/2/projects/{target.project}/tasks',
                         {'tasks': [{'code_name': 'fuzzed'}]})['tasks'][0]['id']
        iron_schedule = post(f'/2/projects/{target.project}/schedules', {'schedules': [
            {'code_name': 'fuzzed', 'run_every': 3600}]})['schedules'][0]['id']
    return dataclasses.replace(target, run=run, victims=victims, job=job, code=code,
                               code_revision=code_revision, iron_task=iron_task,
                               iron_schedule=iron_schedule,
                               cron_job=cron_job, execution=execution)


def _upload_code(session, target: Target) -> tuple[str, int]:
    """The id of a code package uploaded to alice's project, and of its revision."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as archive:
        archive.writestr('run.sh', 'echo hi\n')
    reply = session.post(f'{target.url}/2/projects/{target.project}/codes', timeout=10, files={
        'data': (None, '{"name": "fuzzed", "runtime": "sh", "file_name": "run.sh"}'),
        'file': ('code.zip', buffer.getvalue(), 'application/zip')}, headers=target.auth)
    reply.raise_for_status()
    return reply.json()['id'], ids.decode(ids.Kind.REVISION, reply.json()['latest_history_id'])


def _strict(document: dict) -> dict:
    """The document with every response object closed: a key it does not name is a failure.

    The served document leaves them open, so clients may ignore keys added later.
    """
    def close(schema):
        if isinstance(schema, dict):
            if 'properties' in schema:
                schema.setdefault('additionalProperties', False)
            for value in schema.values():
                close(value)
        elif isinstance(schema, list):
            for value in schema:
                close(value)

    close(document['components']['schemas'])  # the one a request uses is closed already
    for item in document['paths'].values():
        for operation in item.values():
            close(operation['responses'])
    return document


def _schema(target: Target):
    document = requests.get(target.url + '/openapi.json', headers=target.auth, timeout=10)
    document.raise_for_status()
    config = schemathesis.Config.from_dict({
        'seed': 20261123, 'base-url': target.url, 'headers': target.auth,
        'generation': {'max-examples': 25, 'deterministic': True, 'database': 'none'},
    })
    schema = schemathesis.openapi.from_dict(_strict(document.json()), config=config)

    @schema.hook
    def flatmap_case(context, case):
        """Half of the valid requests name real objects; the others keep generated values."""
        if case.meta is None or not case.meta.generation.mode.is_positive:
            return st.just(case)
        return st.booleans().map(lambda aim: target.aim(case) if aim else case)

    return schema


@pytest.fixture
def target(serve) -> Target:
    return _target(serve(workers=2))


@pytest.fixture
def api_schema(target):
    return _schema(_seed(target))


@pytest.fixture
def http():
    """One keep-alive connection for all the requests of a test, as agents and clients keep."""
    with requests.Session() as session:
        yield session


def _breaks_a_run_rule(case) -> bool:
    """Whether a run's body breaks a rule between its fields, which JSON Schema cannot state."""
    body = case.body if case.operation.label == 'POST /farm/v1/runs' else None
    if not isinstance(body, dict):
        return False
    command = body.get('command') if isinstance(body.get('command'), list) else []
    inputs = body.get('inputs')
    return (command[:1] == ['']
            or inputs is None and any('{line}' in arg for arg in command if isinstance(arg, str))
            or isinstance(inputs, list) and body.get('num_tasks', len(inputs)) != len(inputs))


def _breaks_a_job_type_rule(case) -> int | None:
    """The status (400, or 404 for an unknown type) of a job type's body that the document
    calls valid but that breaks a rule of Seed, or of what the coordinator stores, which JSON
    Schema cannot state (the validation the API runs is the judge), or None."""
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    body = case.body if case.operation.label in (DEFINE, EDIT) and positive else None
    if not isinstance(body, dict):
        return None
    known = case.operation.label == DEFINE or case.path_parameters == JOB_TYPE
    if 'manifest' in body:
        manifest, validation = manifests.checked(body['manifest'], body.get('configuration'))
        renamed = (case.operation.label == EDIT and validation.is_valid and
                   (manifest['job']['name'], manifest['job']['jobVersion']) != (
                       JOB_TYPE['name'], JOB_TYPE['version']))
        broken = not validation.is_valid or renamed
    else:
        broken = not manifests.checked_configuration(body.get('configuration'), None).is_valid
    return (400 if known else 404) if broken else None


def _breaks_an_allocation_rule(case) -> bool:
    """Whether an allocation queue names job types or runs, which the project must have (the
    store is the judge: JSON Schema cannot say which exist), so a valid body may get a 400."""
    body = case.body if case.operation.label == 'POST /farm/v1/allocations' else None
    return isinstance(body, dict) and (body.get('job_types') is not None
                                       or body.get('runs') is not None)


def _breaks_a_window_rule(case) -> bool:
    """Whether a status view's time window is one its parser refuses: a time that is neither
    an instant with its offset nor a duration, one beyond the calendar, a window that ends
    before it starts (the parser the API runs is the judge)."""
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if case.operation.label != 'GET /v6/job-types/status/' or case.method != 'GET' \
            or not positive or not case.query:
        return False
    now = datetime.datetime.now(datetime.UTC)
    try:
        times.time_window(case.query.get('started'), case.query.get('ended'), now=now)
    except ValueError:
        return True
    return False


def _breaks_a_job_rule(case, target: Target) -> int | None:
    """The status (400, or 404 for an unknown type) of a job whose input the document calls
    valid but that does not fit the type's manifest as it is now (an edit may have changed
    it), or None."""
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    body = case.body if case.operation.label == QUEUE and case.method == 'POST' and positive \
        else None
    if not isinstance(body, dict) or not isinstance(body.get('input', {}), dict):
        return None
    name, version = (quote(case.path_parameters[key], safe='') for key in ('name', 'version'))
    known = requests.get(f'{target.url}/v6/job-types/{name}/{version}/', headers=target.auth,
                         timeout=10)
    if known.status_code != 200 or not known.json()['is_active']:
        return None  # 404 and 409 are documented answers of a valid request
    return 400 if input_problems(known.json()['manifest'], body.get('input', {})) else None


def _breaks_an_ndscheduler_rule(case, target: Target) -> bool:
    """Whether an ndscheduler request the document calls valid is refused (400) for what JSON
    Schema cannot state: an unknown job or execution (ndscheduler's 400), a time range, cron
    value or time zone the parsers refuse, a class string that names no class nor an active job
    type (the API's own parsers are the judge)."""
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    path = case.operation.path
    if not positive or not path.startswith('/api/v1/'):
        return False
    if path in ('/api/v1/logs', '/api/v1/executions'):
        query = case.query or {}
        try:
            cron_params.window(query.get('time_range_start'), query.get('time_range_end'),
                               time.time())
        except InvalidInput:
            return True
        return False
    if '{job_id}' in path or '{execution_id}' in path:
        name = 'job_id' if '{job_id}' in path else 'execution_id'
        named = quote(str(case.path_parameters[name]), safe='')
        # POST /api/v1/executions/{execution_id} runs the job its path names
        kind = 'jobs' if name == 'job_id' or case.method.upper() == 'POST' else 'executions'
        known = requests.get(f'{target.url}/api/v1/{kind}/{named}', headers=target.auth,
                             timeout=10)
        if known.status_code == 400:
            return True
    if case.method not in ('POST', 'PUT') or not isinstance(case.body, dict):
        return False
    try:
        class_string = cron_jobs.job_from(case.body).job_class_string
    except InvalidInput:
        return True
    if schedules.is_class_path(class_string):
        return len(class_string) > schedules.MAX_CLASS_PATH
    if class_string not in ('test', 'test:1.0.0'):  # the example job type's name
        return True
    known = requests.get(f'{target.url}/v6/job-types/test/1.0.0/', headers=target.auth,
                         timeout=10)
    return not known.json()['is_active']


def _breaks_an_iron_schedule_rule(case, target: Target) -> int | None:
    """The status of an IronWorker schedule request the document calls valid that ends a
    schedule before it starts (400), which JSON Schema cannot state, or None; checked in the
    API's order: the project (404), then each schedule's times (400) and code package (404)
    in turn (the API's own parser is the judge of the times)."""
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    path = case.operation.path
    if not positive or not path.startswith('/2/projects/{project_id}/schedules') \
            or case.method not in ('POST', 'PUT') or not isinstance(case.body, dict) \
            or case.path_parameters.get('project_id') != target.project:
        return None
    creating = case.method == 'POST'
    items = case.body.get('schedules') if creating else [case.body]
    if not isinstance(items, list):
        return None
    codes = requests.get(f'{target.url}/2/projects/{target.project}/codes?per_page=100',
                         headers=target.auth, timeout=10).json()['codes']
    for item in items:
        try:
            fields = iron_schedules.order_fields(item, '', creating=creating)
        except InvalidInput:
            return None  # refused for what the document states, which it checks itself
        start_at, end_at = fields.get('start_at'), fields.get('end_at')
        if start_at is None and not creating:  # a change keeps the schedule's start
            known = requests.get(target.url + case.formatted_path, headers=target.auth,
                                 timeout=10)
            if known.status_code != 200:
                return None
            start_at = iron_edge.instant(known.json()['start_at'], 'start_at')
        if end_at is not None and end_at < (start_at or time.time()):
            return 400
        if creating and fields['code_name'] not in {code['name'] for code in codes}:
            return None  # 404, which the document lists
    return None


fuzzed_schema = schemathesis.pytest.from_fixture('api_schema')


@fuzzed_schema.parametrize()
def test_the_coordinator_answers_every_request_as_its_openapi_document_says(case, http, target):
    refused = (400 if _breaks_a_run_rule(case) or _breaks_a_window_rule(case)
               or _breaks_an_ndscheduler_rule(case, target) or _breaks_an_allocation_rule(case)
               else _breaks_a_job_type_rule(case) or _breaks_a_job_rule(case, target)
               or _breaks_an_iron_schedule_rule(case, target))
    if case.operation.label in (UPLOAD, WEBHOOK):
        case.call_and_validate(session=http, checks=CONFORMANCE)
    elif refused:
        response = case.call_and_validate(session=http, checks=CONFORMANCE)
        assert response.status_code == refused, 'the document says this body is refused'
    else:
        case.call_and_validate(session=http, checks=CHECKS)


def _probe(http, target: Target, operation, headers: dict, body: bytes | None = None,
           query: str = ''):
    """Send one request to `operation` and check the answer against the document."""
    case = operation.Case(path_parameters=target.path_parameters(operation))
    response = http.request(case.method, target.url + case.formatted_path + query,
                            headers=headers, data=body, timeout=10)
    case.validate_response(response, checks=CONFORMANCE)
    return response


def _operations(target: Target):
    return [result.ok() for result in _schema(target).get_all_operations()]


def test_every_operation_answers_missing_or_wrong_credentials_as_documented(target, http):
    for operation in _operations(target):
        public = operation.definition.raw.get('security') == []
        # wrong passwords count against alice: past FARM_PASSWORD_FAILURES_PER_NAME, 429
        for headers, refusals in (({}, {401}), ({'Authorization': 'Bearer farm_unknown'}, {401}),
                                  (basic('alice', 'wrong'), {401, 429})):
            response = _probe(http, target, operation, headers)
            assert (response.status_code not in refusals) == public, operation.label


def test_a_worker_token_is_refused_exactly_where_the_document_says(target, http):
    token = http.post(target.url + '/farm/v1/tokens', json={'scope': 'worker'},
                      headers=target.auth, timeout=10).json()['token']
    worker = {'Authorization': f'Bearer {token}'}
    # an edit is refused for its scope once the type is found
    http.post(target.url + '/v6/job-types/', json=VALID_BODIES[DEFINE], headers=target.auth,
              timeout=10).raise_for_status()
    target.code = _upload_code(http, target)
    for operation in _operations(target):
        body = VALID_BODIES.get(operation.label)
        response = _probe(http, target, operation, worker,
                          None if body is None else json.dumps(body))
        documented = '403' in operation.definition.raw['responses']
        assert (response.status_code == 403) == documented, operation.label


def test_requests_over_the_size_limits_get_the_documented_413_and_414(serve):
    # a code upload may be four times FARM_MAX_CODE_BYTES (a bytes literal's text) and a data
    # part; a task's log six times FARM_MAX_LOG_BYTES (its JSON text) and 4 KB
    target = _target(serve(workers=1, FARM_MAX_BODY_BYTES='4096', FARM_MAX_RUN_BODY_BYTES='8192',
                           FARM_MAX_CODE_BYTES='1024', FARM_MAX_LOG_BYTES='512'))
    for operation in _operations(target):
        # a connection of its own each: the server answers without reading the request
        with requests.Session() as http:
            long_url = _probe(http, target, operation, target.auth, query='?pad=' + 'x' * 4096)
        assert long_url.status_code == 414, operation.label
        if 'requestBody' in operation.definition.raw:
            with requests.Session() as http:
                large_body = _probe(http, target, operation, target.auth, b' ' * 8193)
            assert large_body.status_code == 413, operation.label
