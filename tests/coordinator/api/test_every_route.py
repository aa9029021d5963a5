"""Every route the app serves, read from its router: closed without valid credentials, closed
to worker tokens beyond an agent's calls, and blind to other projects.

The routes come from falcon.inspect, so a new route is checked the day it is added: one
whose path names something every_route.py does not know fails until `Alice.value` learns it.
"""

import base64

import pytest

from coordinator.store import users
from coordinator.store.access import Scope
from tests.conftest import basic
from tests.coordinator.api.every_route import PUBLIC, send, served

# What farmworker and the stock taskfarm-worker call: the only requests a worker token may make.
AGENT_CALLS = {
    ('GET', '/api/token'), ('POST', '/api/worker'), ('GET', '/api/runs/{uuid}'),
    ('POST', '/api/runs/{uuid}/task'), ('GET', '/api/runs/{uuid}/tasks/{number}'),
    ('PUT', '/api/runs/{uuid}/tasks/{number}'),
    ('POST', '/farm/v1/workers'), ('POST', '/farm/v1/workers/{uuid}/heartbeat'),
    ('GET', '/farm/v1/workers/{uuid}/tasks'), ('POST', '/farm/v1/workers/{uuid}/stop'),
    ('GET', '/farm/v1/runs/{uuid}'), ('POST', '/farm/v1/runs/{uuid}/claim'),
    ('POST', '/farm/v1/runs/{uuid}/results'), ('POST', '/farm/v1/claim'),
    ('POST', '/farm/v1/results'), ('GET', '/farm/v1/revisions/{revision_id}/code'),
    ('PUT', '/farm/v1/tasks/{task_id}/log'),
}
# lists filtered by a path segment: empty, as on the peer, for a name the project lacks
FILTERED_LISTS = {('GET', '/v6/job-types/{name}/')}
# ndscheduler answers an unknown id 400 {"error"}, as the peer does; every other family 404
NOT_FOUND = {'/api/v1/': 400}


def expired_token(alice) -> str:
    return users.create_token(alice, ttl_s=1, now=0)


def revoked_token(alice) -> str:
    secret = users.create_token(alice)
    users.revoke_tokens(secret=secret)
    return secret


BAD_CREDENTIALS = {
    'none': lambda alice: {},
    'unknown-scheme': lambda alice: {'Authorization': 'Token abc'},
    'empty-bearer': lambda alice: {'Authorization': 'Bearer '},
    'not-base64': lambda alice: {'Authorization': 'Basic !!!'},
    'unknown-token': lambda alice: basic('farm_' + 'x' * 40),
    'nul-in-basic': lambda alice: {'Authorization': 'Basic '
                                   + base64.b64encode(b'alice\x00:pw').decode()},
    'expired': lambda alice: basic(expired_token(alice)),
    'revoked': lambda alice: {'Authorization': 'Bearer ' + revoked_token(alice)},
}


def test_the_app_serves_the_agent_calls_this_file_lists(app):
    assert AGENT_CALLS <= set(served(app)) and PUBLIC <= set(served(app))


@pytest.mark.parametrize('credentials', BAD_CREDENTIALS)
def test_every_route_but_the_public_ones_refuses_missing_or_bad_credentials(
        app, client, alice_world, alice, credentials):
    headers = BAD_CREDENTIALS[credentials](alice)
    answered = {(method, path): send(client, method, alice_world.url(path), headers).status_code
                for method, path in served(app) if (method, path) not in PUBLIC}
    assert {route: status for route, status in answered.items() if status != 401} == {}


def test_a_worker_token_reaches_only_the_calls_of_an_agent(app, client, alice_world, alice):
    headers = basic(users.create_token(alice, Scope.WORKER))
    answered = {(method, path): send(client, method, alice_world.url(path), headers).status_code
                for method, path in served(app) if (method, path) not in PUBLIC}
    assert {route for route, status in answered.items() if status != 403} == AGENT_CALLS
    assert {route for route in AGENT_CALLS if answered[route] >= 500} == set()


def test_another_projects_token_reaches_nothing_of_it_and_changes_nothing(
        app, client, alice_world, database):
    users.add_user('bob', project='other')
    bob = basic(users.create_token('bob', Scope.USER))
    before = alice_world.state()
    for method, path in served(app):
        url = alice_world.url(path)
        resp = send(client, method, url, bob)
        assert resp.status_code < 500, (method, path, resp.text)
        # an error may repeat what was asked for; nothing else of alice's may show
        leaked = [secret for secret in alice_world.secrets()
                  if secret in resp.text and secret not in url]
        assert leaked == [], (method, path, resp.text)
        if (method, path) in FILTERED_LISTS:
            assert (resp.status_code, resp.json['count']) == (200, 0)
        elif '{' in path and method == 'GET':
            expected = next((status for prefix, status in NOT_FOUND.items()
                             if path.startswith(prefix)), 404)
            assert resp.status_code == expected, (method, path, resp.text)
    assert alice_world.state() == before
