"""Bad input to any taskfarm endpoint, and lone surrogates to any body endpoint: a clear 4xx."""

import json
import time
from types import SimpleNamespace
from typing import NamedTuple

import pytest

from coordinator.models import Token, Worker
from coordinator.store import users
from coordinator.store.access import Scope
from tests.conftest import PASSWORD, basic

UNKNOWN = '0' * 32  # a well-formed run uuid that names no run
OVERSIZE = object()  # stands for a body just over config.max_body_bytes
DEEP = '[' * 10_000 + ']' * 10_000  # 20 kB, far below the size limit


class Bad(NamedTuple):
    method: str
    path: str  # may hold {run} (alice's first run), {unknown} and a query string
    body: object = None  # str or bytes sent as is, None for no body, or OVERSIZE
    status: int = 400
    who: str = 'alice'  # a key of farm.headers


def bad(name, method, path, body=None, status=400, who='alice'):
    return pytest.param(Bad(method, path, body, status, who), id=name)


def j(value) -> str:
    return json.dumps(value)


RUN = '/api/runs/{run}'
CLAIM = RUN + '/task'
TASK = RUN + '/tasks'
BODY_ENDPOINTS = {'run': ('POST', '/api/run'), 'claim': ('POST', CLAIM),
                  'put': ('PUT', TASK + '/0'), 'worker': ('POST', '/api/worker')}
NOT_AN_OBJECT = {'open-brace': '{', 'nul': 'nul', 'not-utf8': b'{"x": "\xff"}', 'no-body': None,
                 'blank': ' \n', 'array': '[]', 'string': '"x"', 'number': '3', 'null': 'null'}
NOT_A_COUNT = {'string': 'abc', 'digits-string': '5', 'float': 2.5, 'float-integral': 1000.0,
               'true': True, 'null': None, 'zero': 0, 'negative': -3, '2^31': 2**31,
               'array': [], 'object': {}}
NOT_A_PERCENT = {'string': 'abc', 'digits-string': '50', 'negative': -1, 'over-100': 100.5,
                 'true': True, 'array': []}
NOT_A_STATUS = {'bogus': 'bogus', 'number': 3, 'upper-case': 'DONE', 'capitalised': 'Done',
                'empty': '', 'internal-name': 'complete', 'array': ['done']}
WORKER = {'uuid': 'w-new', 'hostname': 'n9', 'pid': 9}
NOT_A_WORKER = {
    'missing-uuid': {'hostname': 'n9', 'pid': 9}, 'missing-hostname': {'uuid': 'w-new', 'pid': 9},
    'missing-pid': {'uuid': 'w-new', 'hostname': 'n9'}, 'uuid-number': {**WORKER, 'uuid': 5},
    'uuid-empty': {**WORKER, 'uuid': ''}, 'uuid-null': {**WORKER, 'uuid': None},
    'uuid-65-chars': {**WORKER, 'uuid': 'u' * 65}, 'hostname-array': {**WORKER, 'hostname': []},
    'hostname-empty': {**WORKER, 'hostname': ''},
    'hostname-256-chars': {**WORKER, 'hostname': 'h' * 256},
    'pid-negative': {**WORKER, 'pid': -1}, 'pid-string': {**WORKER, 'pid': '7'},
    'pid-float': {**WORKER, 'pid': 7.5}, 'pid-true': {**WORKER, 'pid': True},
    'pid-null': {**WORKER, 'pid': None}, 'pid-2^31': {**WORKER, 'pid': 2**31},
}

CASES = [
    # every body-reading endpoint: bodies that are not one JSON object of acceptable size
    *(bad(f'{ep}-{name}', *BODY_ENDPOINTS[ep], body)
      for ep in BODY_ENDPOINTS for name, body in NOT_AN_OBJECT.items()),
    *(bad(f'{ep}-oversize', *BODY_ENDPOINTS[ep], OVERSIZE, 413) for ep in BODY_ENDPOINTS),
    *(bad(f'{ep}-deeply-nested', *BODY_ENDPOINTS[ep], DEEP) for ep in BODY_ENDPOINTS),
    # POST /api/run
    *(bad(f'run-numTasks-{name}', 'POST', '/api/run', j({'numTasks': value}))
      for name, value in NOT_A_COUNT.items()),
    bad('run-numTasks-NaN', 'POST', '/api/run', '{"numTasks": NaN}'),
    bad('run-missing-numTasks', 'POST', '/api/run', j({'numtasks': 3})),
    bad('run-by-worker-token', 'POST', '/api/run', j({'numTasks': 3}), 403, who='worker'),
    bad('run-by-user-token-bound-to-a-run', 'POST', '/api/run', j({'numTasks': 3}), 403,
        who='bound-user'),
    # POST /api/runs/{uuid}/task
    bad('claim-missing-worker_uuid', 'POST', CLAIM, j({'uuid': 'w-alice'})),
    *(bad(f'claim-worker_uuid-{name}', 'POST', CLAIM, j({'worker_uuid': value}))
      for name, value in {'number': 5, 'empty': '', 'null': None, '65-chars': 'w' * 65}.items()),
    bad('claim-unknown-worker', 'POST', CLAIM, j({'worker_uuid': 'nobody'}), 404),
    bad('claim-worker-of-other-project', 'POST', CLAIM, j({'worker_uuid': 'w-bob'}), 404),
    bad('claim-worker_uuid-with-NUL', 'POST', CLAIM, j({'worker_uuid': 'w\0'})),
    bad('claim-unknown-run', 'POST', '/api/runs/{unknown}/task', j({'worker_uuid': 'w-alice'}),
        404),
    bad('claim-run-of-other-project', 'POST', CLAIM, j({'worker_uuid': 'w-bob'}), 404,
        who='bob'),
    bad('claim-by-token-bound-to-other-run', 'POST', CLAIM,
        j({'worker_uuid': 'w-alice'}), 404, who='bound'),
    # PUT /api/runs/{uuid}/tasks/{n}
    bad('put-empty-object', 'PUT', f'{TASK}/0', '{}'),
    bad('put-unknown-key', 'PUT', f'{TASK}/0', j({'percent': 50})),
    bad('put-unknown-key-beside-a-good-one', 'PUT', f'{TASK}/0',
        j({'percentCompleted': 50, 'x': 1})),
    *(bad(f'put-percentCompleted-{name}', 'PUT', f'{TASK}/0', j({'percentCompleted': value}))
      for name, value in NOT_A_PERCENT.items()),
    *(bad(f'put-percentCompleted-{name}', 'PUT', f'{TASK}/0', f'{{"percentCompleted": {literal}}}')
      for name, literal in {'NaN': 'NaN', 'Infinity': 'Infinity', '1e400': '1e400'}.items()),
    *(bad(f'put-status-{name}', 'PUT', f'{TASK}/0', j({'status': value}))
      for name, value in NOT_A_STATUS.items()),
    bad('put-good-percent-with-bad-status', 'PUT', f'{TASK}/0',
        j({'percentCompleted': 50, 'status': 'x'})),
    bad('put-percentCompleted-null', 'PUT', f'{TASK}/0', j({'percentCompleted': None})),
    bad('put-status-null', 'PUT', f'{TASK}/0', j({'status': None})),
    bad('put-progress-on-a-done-task', 'PUT', f'{TASK}/1', j({'percentCompleted': 50}), 409),
    bad('put-n-equals-numTasks', 'PUT', f'{TASK}/3', j({'status': 'done'}), 404),
    bad('put-n-huge', 'PUT', f'{TASK}/{10**30}', j({'status': 'done'}), 404),
    bad('put-n-negative', 'PUT', f'{TASK}/-1', j({'status': 'done'}), 404),
    bad('put-unknown-run', 'PUT', '/api/runs/{unknown}/tasks/0', j({'status': 'done'}), 404),
    bad('put-run-of-other-project', 'PUT', f'{TASK}/0', j({'status': 'done'}), 404, who='bob'),
    bad('put-by-token-bound-to-other-run', 'PUT', f'{TASK}/0', j({'status': 'done'}), 404,
        who='bound'),
    # POST /api/worker
    *(bad(f'worker-{name}', 'POST', '/api/worker', j(body)) for name, body in NOT_A_WORKER.items()),
    bad('worker-uuid-with-NUL', 'POST', '/api/worker', j({**WORKER, 'uuid': 'w\0'})),
    bad('worker-hostname-with-NUL', 'POST', '/api/worker', j({**WORKER, 'hostname': 'n\0'})),
    bad('worker-uuid-taken-by-other-project', 'POST', '/api/worker',
        j({**WORKER, 'uuid': 'w-alice'}), 409, who='bob'),
    # GET and DELETE /api/runs/{uuid}, POST /api/runs/{uuid}/restart
    bad('run-status-unknown-run', 'GET', '/api/runs/{unknown}', status=404),
    *(bad(f'run-status-info-{info}', 'GET', RUN + '?info=' + info, status=404)
      for info in ('bogus', 'numTasks', 'PercentDone', 'status')),
    bad('run-status-other-project', 'GET', RUN, status=404, who='bob'),
    bad('run-status-by-token-bound-to-other-run', 'GET', RUN, status=404, who='bound'),
    bad('run-status-uuid-with-NUL', 'GET', '/api/runs/%00', status=404),
    bad('delete-unknown-run', 'DELETE', '/api/runs/{unknown}', status=404),
    bad('delete-other-project', 'DELETE', RUN, status=404, who='bob'),
    bad('delete-by-worker-token', 'DELETE', RUN, status=403, who='worker'),
    *(bad(f'restart-all-{value}', 'POST', RUN + '/restart?all=' + value)
      for value in ('yes', '1', 'TrueFalse')),
    bad('restart-unknown-run', 'POST', '/api/runs/{unknown}/restart?all=True', status=404),
    bad('restart-other-project', 'POST', RUN + '/restart', status=404, who='bob'),
    bad('restart-by-worker-token', 'POST', RUN + '/restart?all=True', status=403, who='worker'),
    # GET /api/runs/{uuid}/tasks/{n}
    *(bad(f'task-n-{name}', 'GET', f'{TASK}/{n}', status=404)
      for name, n in {'equals-numTasks': 3, 'huge': 10**30, 'negative': -1, 'word': 'abc',
                      'float': '1.5'}.items()),
    *(bad(f'task-info-{info}', 'GET', f'{TASK}/0?info={info}', status=404)
      for info in ('bogus', 'percentDone', 'task')),
    bad('task-unknown-run', 'GET', '/api/runs/{unknown}/tasks/0', status=404),
    bad('task-other-project', 'GET', f'{TASK}/0', status=404, who='bob'),
    bad('task-by-token-bound-to-other-run', 'GET', f'{TASK}/0', status=404, who='bound'),
    # routing: wrong methods (405) and unknown paths (404), before any credentials are asked for
    *(bad(f'{method}-{path}', method, path, status=405) for method, path in (
        ('PATCH', '/api/run'), ('GET', '/api/run'), ('DELETE', '/api/runs'), ('POST', '/api/runs'),
        ('PUT', RUN), ('GET', RUN + '/restart'), ('GET', RUN + '/task'),
        ('POST', f'{TASK}/0'), ('DELETE', f'{TASK}/0'), ('POST', '/api/token'),
        ('GET', '/api/worker'))),
    bad('PATCH-/api/run-without-credentials', 'PATCH', '/api/run', status=405, who='nobody'),
    *(bad(f'GET-{path}', 'GET', path, status=404) for path in (
        '/api', '/api/', '/api/nope', '/api/runs/', RUN + '/', '/api/run/', TASK, f'{TASK}/0/')),
    bad('GET-/api/nope-without-credentials', 'GET', '/api/nope', status=404, who='nobody'),
]


def basic_header(name: str, password: str = '') -> str:
    return basic(name, password)['Authorization']


CREDENTIALS = {
    'no-header': None, 'empty-header': '', 'wrong-password': basic_header('alice', 'wrong'),
    'unknown-user': basic_header('mallory', PASSWORD), 'unknown-token': basic_header('farm_nope'),
    'token-with-a-password': basic_header('farm_nope', 'x'),
    'user-without-password': basic_header('alice'), 'malformed-base64': 'Basic !!!',
    'base64-not-utf8': 'Basic /w==', 'basic-without-credentials': 'Basic',
    'bearer-empty': 'Bearer ', 'bearer-unknown': 'Bearer farm_nope', 'digest-scheme': 'Digest xyz',
}
@pytest.fixture
def farm(client, alice, alice_auth):
    """Alice: two runs (in the first, task 0 computing at 40 %, task 1 done) and a worker; bob
    in another project with his worker; a worker token; and tokens bound to the second run."""
    def post(path, body, headers=alice_auth):
        resp = client.simulate_post(path, json=body, headers=headers)
        assert resp.status_code == 201, resp.text
        return resp.json

    run, run2 = (post('/api/run', {'numTasks': 3})['uuid'] for _ in range(2))
    post('/api/worker', {'uuid': 'w-alice', 'hostname': 'n1', 'pid': 7})
    assert post(f'/api/runs/{run}/task', {'worker_uuid': 'w-alice'})['task'] == 0
    for n, body in ((0, {'percentCompleted': 40}), (1, {'status': 'done'})):
        resp = client.simulate_put(f'/api/runs/{run}/tasks/{n}', json=body, headers=alice_auth)
        assert resp.status_code == 204, resp.text
    users.add_user('bob', PASSWORD, project='other')
    bob = basic(users.create_token('bob'))
    post('/api/worker', {'uuid': 'w-bob', 'hostname': 'n2', 'pid': 8}, headers=bob)
    headers = {'alice': alice_auth, 'nobody': {}, 'bob': bob,
               'worker': basic(users.create_token(alice, Scope.WORKER)),
               'bound': basic(users.create_token(alice, Scope.WORKER, run_uuid=run2)),
               'bound-user': basic(users.create_token(alice, Scope.USER, run_uuid=run2))}
    return SimpleNamespace(run=run, run2=run2, headers=headers)


def snapshot(client, farm):
    """What a rejected request must leave alone: alice's runs, her first run's tasks, the workers
    and the tokens."""
    def get(path):
        return client.simulate_get(path, headers=farm.headers['alice']).json
    return (get('/api/runs'), get(f'/api/runs/{farm.run}'),
            [get(f'/api/runs/{farm.run}/tasks/{n}') for n in range(3)],
            Worker.select().count(), Token.select().count())


def assert_clear_error(resp, status):
    """`status`, and a JSON body that is exactly {"msg": <non-empty text>}."""
    assert resp.status_code == status, resp.text[:300]
    assert resp.headers.get('content-type', '').startswith('application/json')
    msg = resp.json.get('msg')
    assert set(resp.json) == {'msg'} and isinstance(msg, str) and msg.strip()
    if status == 401:
        assert resp.headers['www-authenticate'].startswith('Basic ')
    if status == 405:
        assert resp.headers['allow']


@pytest.mark.parametrize('case', CASES)
def test_bad_request_gets_a_clear_4xx_and_changes_nothing(client, config, farm, case):
    body = case.body
    if body is OVERSIZE:
        body = '{"pad": "' + 'x' * config.max_body_bytes + '"}'
    before = snapshot(client, farm)
    path = case.path.format(run=farm.run, unknown=UNKNOWN)
    resp = client.simulate_request(case.method, path, body=body, headers=farm.headers[case.who])
    assert_clear_error(resp, case.status)
    assert snapshot(client, farm) == before


# Every endpoint that reads a body, with a body it accepts but for the string marked @, where a
# lone UTF-16 surrogate goes: they cannot be stored (UTF-8 cannot encode them) or sent back.
SURROGATE_BODIES = {
    'run': ('POST', '/api/run', b'{"numTasks": 1, "note": "@"}'),
    'claim': ('POST', CLAIM, b'{"worker_uuid": "w-alice@"}'),
    'put': ('PUT', TASK + '/0', b'{"percentCompleted": 50, "@": 1}'),
    'worker': ('POST', '/api/worker', b'{"uuid": "w-@", "hostname": "n9", "pid": 9}'),
    'farm-token': ('POST', '/farm/v1/tokens', b'{"scope": "worker", "run": "@"}'),
    'farm-run': ('POST', '/farm/v1/runs', b'{"num_tasks": 2, "command": ["echo", "@"]}'),
    'farm-restart': ('POST', '/farm/v1/runs/{run}/restart', b'{"all": true, "@": 1}'),
    'farm-claim': ('POST', '/farm/v1/runs/{run}/claim', b'{"worker_uuid": "@", "max_tasks": 1}'),
    'farm-results': ('POST', '/farm/v1/runs/{run}/results', (
        b'{"worker_uuid": "w-alice", '
        b'"results": [{"number": 0, "attempt": 1, "outcome": "complete", "msg": "@"}]}')),
    'farm-worker': ('POST', '/farm/v1/workers',
                    b'{"uuid": "w-new", "hostname": "n@", "pid": 9, "slots": 1}'),
    'farm-heartbeat': ('POST', '/farm/v1/workers/w-alice/heartbeat',
                       b'{"load": 1.5, "run": "{run}@", "running": []}'),
    'farm-stop': ('POST', '/farm/v1/workers/w-alice/stop', b'{"reason": "@"}'),
}
# JSON escapes that decode to a lone surrogate, and look-alikes that do not
LONE_SURROGATES = {'high': rb'\ud800', 'low-upper-case': rb'\uDFFF',
                   'high-before-another-escape': rb'\ud800\u0041',
                   'pair-reversed': rb'\udc00\ud800', 'after-an-escaped-backslash': rb'\\\udbff',
                   'high-at-the-end': rb'x\udbff'}
NOT_LONE = {rb'\ud83d\ude00': '\U0001f600', rb'\\ud800': '\\ud800',
            rb'\ud7ff\ue000': '\ud7ff\ue000', rb'\\\ud83d\ude00': '\\\U0001f600'}


def assert_lone_surrogate_refused(resp):
    assert_clear_error(resp, 400)
    assert 'surrogate' in resp.json['msg']


@pytest.mark.parametrize('endpoint', SURROGATE_BODIES.values(), ids=SURROGATE_BODIES.keys())
def test_a_lone_surrogate_in_any_body_gets_400_and_changes_nothing(client, farm, endpoint):
    method, path, body = endpoint
    before = snapshot(client, farm)
    body = body.replace(b'{run}', farm.run.encode()).replace(b'@', rb'\ud800')
    resp = client.simulate_request(method, path.format(run=farm.run), body=body,
                                   headers=farm.headers['alice'])
    assert_lone_surrogate_refused(resp)
    assert snapshot(client, farm) == before


@pytest.mark.parametrize('escape', LONE_SURROGATES.values(), ids=LONE_SURROGATES.keys())
def test_a_run_whose_command_holds_a_lone_surrogate_cannot_be_created(client, alice_auth, escape):
    body = b'{"num_tasks": 2, "command": ["echo", "' + escape + b'"]}'
    resp = client.simulate_post('/farm/v1/runs', body=body, headers=alice_auth)
    assert_lone_surrogate_refused(resp)
    listed = client.simulate_get('/farm/v1/runs', headers=alice_auth)
    assert listed.status_code == 200 and listed.json['total'] == 0


def test_a_surrogate_encoded_as_utf8_bytes_is_not_utf8(client, alice_auth):
    body = b'{"num_tasks": 2, "command": ["echo", "\xed\xa0\x80"]}'
    resp = client.simulate_post('/farm/v1/runs', body=body, headers=alice_auth)
    assert_clear_error(resp, 400)
    assert 'UTF-8' in resp.json['msg']
    assert client.simulate_get('/farm/v1/runs', headers=alice_auth).json['total'] == 0


def test_surrogate_pairs_and_escaped_backslashes_are_text_like_any_other(client, alice_auth):
    args = b', '.join(b'"' + escape + b'"' for escape in NOT_LONE)
    resp = client.simulate_post('/farm/v1/runs', body=b'{"num_tasks": 1, "command": ["echo", '
                                + args + b']}', headers=alice_auth)
    assert resp.status_code == 201, resp.text
    assert resp.json['command'] == ['echo', *NOT_LONE.values()]


@pytest.mark.parametrize('header', CREDENTIALS.values(), ids=CREDENTIALS.keys())
def test_bad_credentials_get_401_with_a_challenge(client, alice, header):
    tokens = Token.select().count()
    headers = {} if header is None else {'Authorization': header}
    resp = client.simulate_get('/api/token', headers=headers)
    assert_clear_error(resp, 401)
    assert Token.select().count() == tokens


def test_an_expired_token_gets_401(client, alice):
    token = users.create_token(alice, ttl_s=60, now=time.time() - 61)
    assert_clear_error(client.simulate_get('/api/runs', headers=basic(token)), 401)


def test_a_nul_in_the_user_name_gets_401(client, alice):
    assert_clear_error(client.simulate_get('/api/token', headers=basic('ali\0ce', PASSWORD)), 401)


def test_runs_of_other_projects_and_runs_a_token_is_not_bound_to_are_not_listed(client, farm):
    def listed(who):
        resp = client.simulate_get('/api/runs', headers=farm.headers[who])
        return [run['uuid'] for run in resp.json['data']]

    assert listed('bob') == []
    assert listed('alice') == [farm.run, farm.run2]
    # a worker token, bound or not, lists nothing: agents never ask (test_every_route.py)
    assert_clear_error(client.simulate_get('/api/runs', headers=farm.headers['bound']), 403)
