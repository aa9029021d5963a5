"""Bad input to any /api/v1/ endpoint: a clear 400 (or 413) {"error"}, never a 500, no change."""

import json

import pytest

from tests.coordinator.api.ndscheduler.conftest import EXAMPLE, JOBS, add, call

OVERSIZE = object()  # stands for a body just over config.max_body_bytes
KNOWN = 'known'  # stands for the id of the job each test adds first


def body(**changes) -> str:
    """The JSON text of the example job with `changes` (None removes a field)."""
    return json.dumps({key: value for key, value in {**EXAMPLE, **changes}.items()
                       if value is not None})


def bad(name, method, body_text, path=None, status=400):
    return pytest.param(method, path, body_text, status, id=name)


BAD = [
    *(bad(f'{label}-{method}', method, text)
      for method in ('POST', 'PUT')
      for label, text in (('not-json', '{'), ('array', '[]'), ('empty', ''), ('null', 'null'),
                          ('deep', '[' * 10_000 + ']' * 10_000),
                          ('not-utf8', b'{"a": "\xff"}'),
                          ('lone-surrogate', '{"name": "\\ud800"}'))),
    *(bad(f'oversize-{method}', method, OVERSIZE, status=413) for method in ('POST', 'PUT')),
    *(bad(f'{field}-{label}-{method}', method, body(**{field: value}))
      for method in ('POST', 'PUT')
      for field, label, value in (
          ('name', 'number', 5), ('name', 'empty', ''), ('name', 'nul', 'a\x00b'),
          ('name', 'long', 'n' * 256), ('job_class_string', 'null', None),
          ('job_class_string', 'list', ['a.B']), ('job_class_string', 'unknown', 'nope'),
          ('job_class_string', 'keyword', 'a.class.B'),
          ('job_class_string', 'too-long-for-a-type', 'pkg.' + 'x' * 61 + '.Job'),
          ('job_class_string', 'long', 'a.' * 128 + 'B'),
          ('pub_args', 'string', 'arg1'), ('pub_args', 'object', {'a': 1}),
          ('minute', 'out-of-range', '99'), ('minute', 'word', 'often'),
          ('minute', 'bool', True), ('minute', 'float', 1.5), ('minute', 'negative', -1),
          ('minute', 'object', {}), ('minute', 'null', None), ('minute', 'nul', '1\x00'),
          ('minute', 'long', '1,' * 200 + '1'), ('minute', 'zero-step', '*/0'),
          ('hour', 'backwards', '5-2'), ('day', 'zero', '0'),
          ('day_of_week', 'sunday-first', 'sun-sat'), ('day_of_week', 'seven', '7'),
          ('timezone', 'unknown', 'Mars/Olympus'), ('timezone', 'number', 1),
          ('timezone', 'nul', 'UTC\x00'), ('timezone', 'a-folder', 'America'))
      if not (field == 'job_class_string' and value is None)),
    bad('no-class-POST', 'POST', body(job_class_string=None)),
    bad('no-class-PUT', 'PUT', body(job_class_string=None)),
    bad('no-cron-field', 'POST', body(minute=None)),
    bad('never-POST', 'POST', body(month='2', day='30')),
    bad('never-PUT', 'PUT', body(month='2', day='30')),
    bad('only-week', 'POST', body(minute=None, week='1')),
]


@pytest.mark.parametrize('method, path, body_text, status', BAD)
def test_bad_input_gets_a_clear_answer_and_changes_nothing(client, alice_auth, config, method,
                                                           path, body_text, status):
    job_id = add(client, alice_auth, month='2')
    before = call(client, alice_auth, 'GET', JOBS)
    if body_text is OVERSIZE:
        body_text = json.dumps({**EXAMPLE, 'pad': 'x' * config.max_body_bytes})
    path = path or (JOBS if method == 'POST' else f'{JOBS}/{job_id}')
    resp = client.simulate_request(method, path, body=body_text,
                                   headers={**alice_auth, 'Content-Type': 'application/json'})
    assert resp.status_code == status, resp.text
    assert list(resp.json) == ['error'] and resp.json['error'], resp.text
    assert call(client, alice_auth, 'GET', JOBS) == before


def test_a_cron_error_names_the_field_and_the_value(client, alice_auth):
    answer = call(client, alice_auth, 'POST', JOBS, {**EXAMPLE, 'minute': '99'}, 400)
    assert answer == {'error': "minute '99': 99 is outside 0 to 59"}


def test_an_unknown_class_says_what_a_class_string_may_be(client, alice_auth):
    answer = call(client, alice_auth, 'POST', JOBS, {**EXAMPLE, 'job_class_string': 'nope'}, 400)
    assert answer['error'] == (
        "unknown job_class_string 'nope': neither a Python class path (package.module.Class) "
        "nor an active job type's name (or name:version) of your project")


def test_an_unknown_path_under_the_family_is_still_a_404_in_its_form(client, alice_auth):
    resp = client.simulate_get('/api/v1/nothing', headers=alice_auth)
    assert resp.status_code == 404 and set(resp.json) == {'error'}
