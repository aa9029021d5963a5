"""Serve agents claim work of every family and report it by task id (/farm/v1/claim, /results),
fetch the zips of the code packages they run (/farm/v1/revisions/{id}/code), and send the
long logs of their tasks (/farm/v1/tasks/{id}/log, `store/task_logs.py`).

`farmworker serve` agents use these instead of a run's claim and results: one
claim hands out the best eligible work of the project (`store/serve.py`), runs'
tasks and queued jobs alike. The answer carries, besides the tasks, what the
agent needs to run them: each job type revision's definition (unless the agent
says it knows it) and each run's command and policy.
"""

import falcon

from coordinator import code_zips
from coordinator.api import bodies
from coordinator.api.farm.claims import MAX_BATCH, MAX_TASK_ID, checked_results
from coordinator.api.ironworker.ids import Kind, encode
from coordinator.errors import InvalidInput
from coordinator.store import code_packages, serve, task_logs
from coordinator.store.code_packages import VERSION as CODE_PACKAGE

MAX_KNOWN = 10_000  # revision ids an agent may say it knows
MARKER_ROOM = 512  # bytes a log may hold beyond the cap: the agent's line saying what was cut
JSON_GROWTH = 6  # a character JSON writes as \u001b takes six bytes
MAX_ATTEMPT = 2**31 - 1


class Claim(bodies.BodyResource):
    """POST /farm/v1/claim {worker_uuid, max_tasks, job_types?, known_revisions?, results?}."""

    worker_methods = frozenset({'POST'})  # an agent's call

    def __init__(self, read_body: bodies.JsonObjectReader, max_log_bytes: int):
        super().__init__(read_body)
        self._max_log_bytes = max_log_bytes

    def on_post(self, req, resp):
        body = self._read_body(req)
        bodies.only_keys(body, {'worker_uuid', 'max_tasks', 'job_types', 'known_revisions',
                                'results'})
        worker_uuid = bodies.text(bodies.required(body, 'worker_uuid'), 'worker_uuid', 64)
        count = bodies.integer(bodies.required(body, 'max_tasks'), 'max_tasks', minimum=1,
                               maximum=MAX_BATCH)
        type_names = job_type_names(body.get('job_types'), 'job_types')
        known = _ids(body.get('known_revisions', []), 'known_revisions')
        principal = req.context.principal
        receipt = (_report(principal, worker_uuid, body['results'], heartbeat=False)
                   if 'results' in body else None)  # the claim is the heartbeat
        work = serve.claim(principal, worker_uuid, count, type_names)
        resp.media = claim_view(work, serve.briefing(work, known), self._max_log_bytes)
        if receipt:
            resp.media['receipt'] = receipt


class Results(bodies.BodyResource):
    """POST /farm/v1/results {worker_uuid, results}: 200, or 409 if all are refused."""

    worker_methods = frozenset({'POST'})  # an agent's call

    def on_post(self, req, resp):
        body = self._read_body(req)
        bodies.only_keys(body, {'worker_uuid', 'results'})
        worker_uuid = bodies.text(bodies.required(body, 'worker_uuid'), 'worker_uuid', 64)
        receipt = _report(req.context.principal, worker_uuid, bodies.required(body, 'results'))
        resp.status = falcon.HTTP_409 if not receipt['accepted'] else falcon.HTTP_200
        resp.media = receipt


def _report(principal, worker_uuid: str, items, heartbeat: bool = True) -> dict:
    results, invalid = checked_results(items, key='id')
    receipt = serve.report(principal, worker_uuid, results, heartbeat=heartbeat)
    refused = [{'id': refusal.pop('number'), **refusal} for refusal in receipt.refused]
    return {'accepted': receipt.accepted, 'refused': invalid + refused}


def claim_view(work: list[serve.Work], briefing: serve.Briefing, max_log_bytes: int) -> dict:
    """The answer to a claim: the tasks, and the definitions and runs they refer to; a code
    package's says how much of its tasks' logs to send (`TaskLog`)."""
    tasks = []
    for task in work:
        name, version = briefing.types[task.job_type_id]
        run = briefing.runs.get(task.run_id)
        tasks.append({'id': task.id, 'attempt': task.attempt, 'job_type': name,
                      'version': version, 'revision': task.revision_id,
                      'run': run and run.uuid, 'number': task.number,
                      'input': briefing.inputs.get(task.id), 'payload': task.payload,
                      'timeout_s': task.timeout_s,
                      # a code package's task runs with its IronWorker id (-id, TASK_ID)
                      'iron_id': (encode(Kind.TASK, task.id) if version == CODE_PACKAGE
                                  else None)})
    return {'tasks': tasks,
            'revisions': {str(revision_id): {'manifest': r.manifest, 'command': r.command,
                                             'docker_image': r.docker_image,
                                             'settings': r.settings,
                                             'code': r.code and dict(
                                                 r.code, max_log_bytes=max_log_bytes)}
                          for revision_id, r in briefing.revisions.items()},
            'runs': {run.uuid: {'command': run.command, 'task_timeout_s': run.task_timeout_s,
                                'expected_duration_s': run.expected_duration_s}
                     for run in briefing.runs.values()}}


class TaskLog(bodies.BodyResource):
    """PUT /farm/v1/tasks/{task_id}/log {worker_uuid, attempt, log}: the log of a task this
    agent runs, up to the coordinator's cap (a result carries only its tail); 409 when the
    task is not running at that attempt on that worker."""

    worker_methods = frozenset({'PUT'})  # an agent's call

    def __init__(self, max_log_bytes: int):
        super().__init__(bodies.JsonObjectReader(JSON_GROWTH * max_log_bytes + 4096))
        self._max_bytes = max_log_bytes + MARKER_ROOM

    def on_put(self, req, resp, task_id):
        body = self._read_body(req)
        bodies.only_keys(body, {'worker_uuid', 'attempt', 'log'})
        worker_uuid = bodies.text(bodies.required(body, 'worker_uuid'), 'worker_uuid', 64)
        attempt = bodies.integer(bodies.required(body, 'attempt'), 'attempt', minimum=1,
                                 maximum=MAX_ATTEMPT)
        text = bodies.text(bodies.required(body, 'log'), 'log', self._max_bytes, empty_ok=True)
        size = len(text.encode())
        if size > self._max_bytes:
            raise InvalidInput(f'log is {size} bytes, more than the {self._max_bytes} kept')
        task_logs.keep_log(req.context.principal, worker_uuid, task_id, attempt, text)
        resp.media = {'kept_bytes': size}


class RevisionCode:
    """GET /farm/v1/revisions/{revision_id}/code: a code package revision's zip, for the
    agents that run its tasks (each node fetches it once, by the checksum a claim gives)."""

    worker_methods = frozenset({'GET'})  # an agent's call

    def __init__(self, data_dir):
        self._data_dir = data_dir

    def on_get(self, req, resp, revision_id):
        found = code_packages.revision_zip(req.context.principal, revision_id)
        resp.content_type = 'application/zip'
        resp.set_stream(code_zips.path_of(self._data_dir, found.blob).open('rb'),
                        found.size_bytes)


def job_type_names(value, name: str) -> list[str] | None:
    """The job type names an agent serves: a list of 1 to 100, or None for every type."""
    if value is None:
        return None
    if not isinstance(value, list) or not 1 <= len(value) <= 100:
        raise InvalidInput(f'{name} must be a list of 1 to 100 job type names, or null')
    return [bodies.text(item, f'{name}[{index}]', 64) for index, item in enumerate(value)]


def _ids(value, name: str) -> set[int]:
    if not isinstance(value, list) or len(value) > MAX_KNOWN:
        raise InvalidInput(f'{name} must be a list of at most {MAX_KNOWN} ids')
    return {bodies.integer(item, f'{name}[{index}]', minimum=1, maximum=MAX_TASK_ID)
            for index, item in enumerate(value)}
