"""Bad input to any /v6/ endpoint: a clear 400 (or 404, 413) {"detail"}, never a 500, no change."""

import json

import pytest

from coordinator.store import job_types
from coordinator.store.job_types import Definition
from tests.coordinator.api.scale.conftest import TYPES, example, manifest

URL = TYPES + 'my-job/1.0.0/'
JOBS = URL + 'jobs/'
OVERSIZE = object()  # stands for a body just over config.max_body_bytes


def nested(depth: int) -> dict:
    """A manifest whose maintainer's name is an object `depth` levels deep."""
    value = 'x'
    for _ in range(depth):
        value = {'a': value}
    return manifest(maintainer={'name': value, 'email': 'jo@example.com'})


def post(**changes) -> str:
    """The JSON text of a good POST body of my-job 1.0.0 (`job_` keys change the manifest)."""
    body = {'docker_image': 'my-job:1', 'manifest': manifest(), 'max_scheduled': 2}
    for key, value in changes.items():
        if key.startswith('job_'):
            body['manifest']['job'][key.removeprefix('job_')] = value
        else:
            body[key] = value
    return json.dumps(body)


def bad(name, method, path, body=None, status=400, **params):
    return pytest.param(method, path, body, status, params, id=name)


BAD = [
    # bodies that are no JSON object, or too large
    *(bad(f'{label}-{method}-{path.split("/")[-2]}', method, path, body)
      for method, path in (('POST', TYPES), ('PATCH', URL), ('POST', TYPES + 'validation/'),
                           ('POST', JOBS))
      for label, body in (('not-json', '{'), ('array', '[]'), ('empty', ''), ('null', 'null'),
                          ('deep', '[' * 10_000 + ']' * 10_000), ('not-utf8', b'{"a": "\xff"}'),
                          ('lone-surrogate', '{"manifest": "\\ud800"}'))),
    *(bad(f'oversize-{method}-{path.split("/")[-2]}', method, path, OVERSIZE, 413)
      for method, path in (('POST', TYPES), ('PATCH', URL), ('POST', TYPES + 'validation/'),
                           ('POST', JOBS))),
    # POST: fields
    bad('unknown-field', 'POST', TYPES, post(bogus=1)),
    bad('no-image', 'POST', TYPES, json.dumps({'manifest': manifest()})),
    bad('no-manifest', 'POST', TYPES, json.dumps({'docker_image': 'x'})),
    bad('no-manifest-validation', 'POST', TYPES + 'validation/', json.dumps({'configuration': {}})),
    *(bad(f'image-{label}', 'POST', TYPES, post(docker_image=value))
      for label, value in (('number', 5), ('empty', ''), ('long', 'i' * 256),
                           ('nul', 'a\x00b'))),
    *(bad(f'{field}-{label}', 'POST', TYPES, post(**{field: value}))
      for field in ('is_active', 'is_paused', 'is_published', 'auto_update')
      for label, value in (('string', 'true'), ('number', 1), ('null', None))),
    *(bad(f'max_scheduled-{label}', 'POST', TYPES, post(max_scheduled=value))
      for label, value in (('zero', 0), ('negative', -1), ('2^31', 2**31), ('string', 'BAD'),
                           ('float', 1.5), ('true', True))),
    *(bad(f'max_tries-{label}', 'POST', TYPES, post(max_tries=value))
      for label, value in (('zero', 0), ('101', 101), ('null', None), ('string', '3'))),
    *(bad(f'icon_code-{label}', 'POST', TYPES, post(icon_code=value))
      for label, value in (('long', 'f' * 17), ('number', 13), ('nul', 'f\x00'))),
    # POST: manifests and configurations that are not valid, or not storable here
    bad('manifest-empty', 'POST', TYPES, post(manifest={})),
    bad('manifest-array', 'POST', TYPES, post(manifest=[])),
    bad('manifest-text-not-json', 'POST', TYPES, post(manifest='nope')),
    bad('manifest-text-lone-surrogate', 'POST', TYPES,
        post(manifest=json.dumps(manifest()).replace('My job', '\\ud800'))),
    bad('manifest-text-deep', 'POST', TYPES, post(manifest='[' * 10_000 + ']' * 10_000)),
    bad('manifest-nested-too-deep', 'POST', TYPES, post(manifest=nested(40))),
    bad('name-validation', 'POST', TYPES, post(job_name='validation')),
    bad('name-status', 'POST', TYPES, post(job_name='status')),
    bad('name-65-chars', 'POST', TYPES, post(job_name='n' * 65)),
    bad('version-51-chars', 'POST', TYPES, post(job_jobVersion='1.0.0-' + 'r' * 45)),
    bad('title-256-chars', 'POST', TYPES, post(job_title='t' * 256)),
    bad('title-nul', 'POST', TYPES, post(job_title='a\x00b')),
    bad('description-nul', 'POST', TYPES, post(job_description='a\x00b')),
    bad('timeout-zero', 'POST', TYPES, post(job_timeout=0)),
    bad('timeout-huge', 'POST', TYPES, post(job_timeout=10**30)),
    bad('timeout-float', 'POST', TYPES, post(job_timeout=1.5)),
    bad('configuration-string', 'POST', TYPES, post(configuration='x')),
    bad('configuration-nested-too-deep', 'POST', TYPES,
        post(configuration={'settings': nested(40)})),
    bad('priority-zero', 'POST', TYPES, post(configuration={'priority': 0})),
    bad('priority-2^31', 'POST', TYPES, post(configuration={'priority': 2**31})),
    bad('priority-huge', 'POST', TYPES, post(configuration={'priority': 10**30})),
    bad('setting-not-text', 'POST', TYPES, post(configuration={'settings': {'A': 1}})),
    # PATCH
    bad('patch-unknown-field', 'PATCH', URL, '{"bogus": 1}'),
    bad('patch-manifest-invalid', 'PATCH', URL, json.dumps({'manifest': {'job': 1}})),
    bad('patch-manifest-of-another-type', 'PATCH', URL,
        json.dumps({'manifest': manifest('other')})),
    bad('patch-configuration-invalid', 'PATCH', URL, json.dumps({'configuration': []})),
    bad('patch-priority-huge', 'PATCH', URL, json.dumps({'configuration': {'priority': 2**40}})),
    bad('patch-max_scheduled-string', 'PATCH', URL, '{"max_scheduled": "1"}'),
    bad('patch-unknown-type', 'PATCH', TYPES + 'my-job/9.9.9/', '{"is_paused": true}', 404),
    # queueing a job (my-job's manifest declares no inputs)
    bad('job-unknown-field', 'POST', JOBS, '{"input": {}, "job_type_id": 1}'),
    *(bad(f'job-input-{label}', 'POST', JOBS, json.dumps({'input': value}))
      for label, value in (('array', []), ('string', 'x'), ('null', None), ('number', 3),
                           ('undeclared', {'X': 1}))),
    *(bad(f'job-priority-{label}', 'POST', JOBS, json.dumps({'input': {}, 'priority': value}))
      for label, value in (('zero', 0), ('2^31', 2**31), ('null', None), ('string', '5'),
                           ('float', 1.5), ('true', True))),
    bad('job-payload-over-64kB', 'POST', JOBS.replace('my-job', 'any-job'),
        json.dumps({'input': {'note': 'x' * 70_000}})),
    bad('job-unknown-version', 'POST', TYPES + 'my-job/9.9.9/jobs/', '{}', 404),
    bad('job-unknown-type', 'POST', TYPES + 'nobody/1.0.0/jobs/', '{}', 404),
    bad('job-system-type', 'POST', TYPES + 'taskfarm-run/1.0.0/jobs/', '{}', 403),
    bad('job-nul-in-name', 'POST', TYPES + 'my%00job/1.0.0/jobs/', '{}', 404),
    # reading jobs
    # (a status parameter would be read as bad()'s status code)
    *(pytest.param('GET', '/v6/jobs/', None, 400, {'status': value}, id=f'jobs-status-{value}')
      for value in ('bogus', '', '3', 'DONE')),
    *(bad(f'jobs-{name}-{label}', 'GET', '/v6/jobs/', **{name: value})
      for name, values in (('job_type_id', (('word', 'abc'), ('negative', '-1'),
                                            ('huge', '9' * 20))),
                           ('job_type_name', (('nul', 'a\x00b'),)),
                           ('page', (('zero', '0'), ('word', 'x'))))
      for label, value in values),
    *(bad(f'job-id-{label}', 'GET', f'/v6/jobs/{value}/', status=404)
      for label, value in (('zero', '0'), ('negative', '-1'), ('word', 'abc'), ('huge', '9' * 30),
                           ('unknown', '12345'), ('float', '1.5'))),
    # query parameters and paths
    *(bad(f'{name}-{value}', 'GET', TYPES, **{name: value})
      for name, values in (('is_active', ('yes', '2', '')), ('is_system', ('nope',)),
                           ('id', ('abc', '-1', '1.5', '9' * 20, '')),
                           ('order', ('bogus', '--name', 'manifest')),
                           ('page', ('0', 'abc')))
      for value in values),
    bad('names-bad-boolean', 'GET', '/v6/job-type-names/', is_active='maybe'),
    # the status views
    *(bad(f'status-{label}', 'GET', TYPES + 'status/', **params) for label, params in (
        ('started-word', {'started': 'yesterday'}), ('started-months', {'started': 'P1M'}),
        ('ended-no-zone', {'ended': '2015-01-01T00:00:00'}), ('ended-number', {'ended': '5'}),
        ('started-after-ended', {'started': 'PT1H', 'ended': 'PT2H'}),
        ('started-huge', {'started': 'P99999999D'}), ('is_active-word', {'is_active': 'yes'}),
        ('page-0', {'page': '0'}), ('page-word', {'page': 'last'}))),
    *(bad(f'{view}-page-{page}', 'GET', TYPES + f'{view}/', page=page)
      for view in ('pending', 'running', 'system-failures') for page in ('0', 'x')),
    bad('versions-bad-boolean', 'GET', TYPES + 'my-job/', is_active='maybe'),
    bad('revisions-bad-page', 'GET', URL + 'revisions/', page='x'),
    *(bad(f'nul-in-{label}', method, path, '{}' if method == 'PATCH' else None, 404)
      for label, method, path in (
          ('name', 'GET', TYPES + 'my%00job/'), ('version', 'GET', TYPES + 'my-job/1%00/'),
          ('patched', 'PATCH', TYPES + 'my%00job/1.0.0/'),
          ('revisions', 'GET', TYPES + 'my-job/1.0.0%00/revisions/'),
          ('revision', 'GET', TYPES + 'my-job/1.0.0%00/revisions/1/'))),
]


@pytest.mark.parametrize('method, path, body, status, params', BAD)
def test_bad_input_gets_a_clear_answer_and_changes_nothing(client, alice_auth, alice_principal,
                                                           config, method, path, body, status,
                                                           params):
    client.simulate_post(TYPES, json=json.loads(post()), headers=alice_auth)
    # a type without a manifest takes any input: only the payload's size is refused
    job_types.define(alice_principal, 'any-job', '1.0.0', Definition(command=['true']))
    before = client.simulate_get(URL, headers=alice_auth).json
    if body is OVERSIZE:
        body = json.dumps({'manifest': 'x' * config.max_body_bytes})
    resp = client.simulate_request(method, path, body=body, params=params,
                                   headers={**alice_auth, 'Content-Type': 'application/json'})
    assert resp.status_code == status, resp.text
    assert list(resp.json) == ['detail'] and resp.json['detail'], resp.text
    assert client.simulate_get(URL, headers=alice_auth).json == before
    assert client.simulate_get(TYPES, headers=alice_auth).json['count'] == 3
    assert client.simulate_get('/v6/jobs/', headers=alice_auth).json['count'] == 0


def test_a_refused_manifest_is_refused_with_every_error_named(client, alice_auth):
    body = example()
    body['manifest']['job']['name'] = 'validation'
    body['manifest']['job']['timeout'] = 0
    detail = client.simulate_post(TYPES, json=body, headers=alice_auth).json['detail']
    assert 'RESERVED_NAME' in detail and 'INVALID_TIMEOUT' in detail


def test_unknown_fields_are_refused_naming_the_valid_ones(client, alice_auth):
    detail = client.simulate_post(TYPES, json={**example(), 'bogus': 1},
                                  headers=alice_auth).json['detail']
    assert 'bogus' in detail and 'docker_image' in detail and 'max_scheduled' in detail
