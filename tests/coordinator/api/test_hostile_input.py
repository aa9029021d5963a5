"""Hostile input at every route the app serves, read from its router: never a 5xx, and every
refusal a JSON body in its family's form ({"msg"}, {"detail"} or {"error"}).

The bodies go to every method that takes one, the queries and path values to every
route, with alice's valid token so that each request reaches its responder.
"""

import pytest

from tests.coordinator.api.every_route import PUBLIC, served

BODY_METHODS = ('POST', 'PUT', 'PATCH')
BODIES = {
    'malformed': b'{"a": ',
    'not-an-object': b'[1, 2, 3]',
    'deeply-nested': b'[' * 100_000 + b']' * 100_000,
    'deep-object': b'{"a": ' * 10_000 + b'1' + b'}' * 10_000,
    'invalid-utf8': b'{"name": "\xff\xfe"}',
    'nan': b'{"num_tasks": NaN, "max_tasks": NaN, "priority": NaN}',
    'infinity': b'{"num_tasks": 1e999, "max_tasks": -1e999}',
    'huge-integer': b'{"num_tasks": ' + b'9' * 5000 + b', "max_tasks": ' + b'9' * 40 + b'}',
    'negative': b'{"num_tasks": -1, "max_tasks": -5, "priority": -2147483649}',
    'float-for-int': b'{"num_tasks": 2.5, "max_tasks": 0.1, "numTasks": 1.5}',
    'nul': b'{"name": "a\\u0000b", "worker_uuid": "\\u0000", "uuid": "x\\u0000"}',
    'lone-surrogate': b'{"name": "\\ud800", "reason": "\\udfff"}',
    'wrong-types': b'{"name": [], "num_tasks": "3", "results": {}, "worker_uuid": 5}',
    'empty': b'',
}
CONTENT_TYPES = ('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data')
QUERIES = {
    'negative-page': 'page=-1&page_size=-5&per_page=-1',
    'huge-numbers': 'page=' + '9' * 400 + '&page_size=1e309&limit=nan',
    'nul': 'state=%00&keyword=%00&name=a%00b&info=%00',
    'bad-utf8': 'keyword=%ff%fe&started=%c0%af',
    'bad-times': 'started=PT-1H&ended=9999-99-99&time_range_start=never',
    'repeated': 'page=1&page=2&state=alive&state=lost',
    'long': 'keyword=' + 'x' * 3000,
}
PATH_VALUES = ('..%2F..%2Fetc%2Fpasswd', '%00', 'x' * 3000, '-1', '99999999999999999999999',
               '%ff%fe', '1.5')


def refusal_body(resp) -> bool:
    """Whether an error answer is a JSON object with its family's message in it."""
    body = resp.json if resp.content_type.startswith('application/json') else None
    return isinstance(body, dict) and any(isinstance(body.get(key), str) and body[key]
                                          for key in ('msg', 'detail', 'error'))


def check(resp, where) -> None:
    assert resp.status_code < 500, (where, resp.status_code, resp.text[:300])
    if resp.status_code >= 400 and resp.status_code != 405:
        assert refusal_body(resp), (where, resp.status_code, resp.text[:300])


@pytest.mark.parametrize('body', BODIES)
def test_hostile_bodies_are_refused_clearly_at_every_route_that_takes_one(
        app, client, alice_world, alice_auth, body):
    for method, path in served(app):
        if method in BODY_METHODS and (method, path) not in PUBLIC:
            resp = client.simulate_request(method, alice_world.url(path), body=BODIES[body],
                                           headers={**alice_auth,
                                                    'Content-Type': 'application/json'})
            check(resp, (method, path))


@pytest.mark.parametrize('content_type', CONTENT_TYPES)
def test_a_body_of_another_content_type_is_refused_clearly(
        app, client, alice_world, alice_auth, content_type):
    for method, path in served(app):
        if method in BODY_METHODS:
            resp = client.simulate_request(method, alice_world.url(path), body=b'a=1&b=%00',
                                           headers={**alice_auth, 'Content-Type': content_type})
            check(resp, (method, path))


@pytest.mark.parametrize('query', QUERIES)
def test_hostile_queries_are_refused_clearly_at_every_route(app, client, alice_world,
                                                           alice_auth, query):
    for method, path in served(app):
        resp = client.simulate_request(method, alice_world.url(path), query_string=QUERIES[query],
                                       headers=alice_auth,
                                       json={} if method in BODY_METHODS else None)
        check(resp, (method, path))


@pytest.mark.parametrize('value', PATH_VALUES)
def test_hostile_path_values_are_refused_clearly_at_every_route(app, client, alice_auth, value):
    for method, path in served(app):
        if '{' in path:
            url = ''.join(value if part.startswith('{') else part
                          for part in _segments(path))
            resp = client.simulate_request(method, url, headers=alice_auth,
                                           json={} if method in BODY_METHODS else None)
            check(resp, (method, path))


def _segments(path: str) -> list[str]:
    """`path` cut into literal text and `{name}` placeholders."""
    parts, rest = [], path
    while '{' in rest:
        head, _, tail = rest.partition('{')
        name, _, rest = tail.partition('}')
        parts += [head, '{' + name + '}']
    return parts + [rest]
