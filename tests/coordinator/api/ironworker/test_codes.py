"""Code packages over /2/projects/{id}/codes: uploads as revisions, reads, download, delete."""

import hashlib

import pytest

from coordinator.api.ironworker import ids
from coordinator.models import JobType
from coordinator.store import code_packages, queue, users
from coordinator.store.access import Scope
from coordinator.store.queue import Order
from tests.coordinator.api.ironworker.conftest import (HELLO_ZIP, WORKER, call, oauth, upload,
                                                       upload_hello, zipped)


def test_the_python_clients_bytes_literal_upload_is_a_code_package(client, auth, base, project):
    uploaded = upload_hello(client, auth, base)
    assert uploaded['msg'] == 'Upload successful.'
    assert ids.decode(ids.Kind.CODE, uploaded['id'])
    assert {key: uploaded[key] for key in ('project_id', 'name', 'runtime', 'file_name',
                                           'latest_checksum', 'rev', 'status')} == {
        'project_id': project, 'name': 'hello', 'runtime': 'python',
        'file_name': 'hello/hello.py', 'latest_checksum': hashlib.md5(HELLO_ZIP).hexdigest(),
        'rev': 1, 'status': 'active'}
    assert call(client, auth, 'GET', f'{base}/codes/{uploaded["id"]}') == {
        key: value for key, value in uploaded.items() if key != 'msg'}


def test_a_raw_zip_upload_is_taken_as_sent(client, auth, base):
    uploaded = upload(client, auth, base, {'name': 'raw', 'runtime': 'sh',
                                           'file_name': 'run.sh'},
                      zipped(('run.sh', b'echo hi\n')), as_literal=False)
    resp = client.simulate_get(f'{base}/codes/{uploaded["id"]}/download', headers=auth)
    assert resp.content == zipped(('run.sh', b'echo hi\n'))


def test_each_upload_of_code_is_a_new_revision_and_options_alone_edit_in_place(
        client, auth, base):
    first = upload_hello(client, auth, base)
    second = upload_hello(client, auth, base, max_concurrency=3, retries=2, retries_delay=1.5,
                          default_priority=2, timeout=600)
    assert (second['id'], second['rev']) == (first['id'], 2)
    options = upload(client, auth, base, {'name': 'hello', 'max_concurrency': 0})
    assert options['rev'] == 2 and 'max_concurrency' not in options
    assert (options['retries'], options['retries_delay'], options['default_priority'],
            options['timeout']) == (2, 1.5, 2, 600)
    job_type = JobType.get(JobType.name == 'hello')
    assert (job_type.version, job_type.max_scheduled, job_type.max_tries,
            job_type.retry_delay_s, job_type.priority, job_type.timeout_s) == (
        code_packages.VERSION, None, 3, 1.5, 2, 600)
    configured = upload(client, auth, base, {'name': 'hello', 'config': '{"key": 1}'})
    assert (configured['rev'], configured['config']) == (3, '{"key": 1}')
    revisions = call(client, auth, 'GET', f'{base}/codes/{first["id"]}/revisions')['revisions']
    assert [(row['rev'], row.get('config')) for row in revisions] == [
        (1, None), (2, None), (3, '{"key": 1}')]
    assert all(row['checksum'] == first['latest_checksum'] and row['code_id'] == first['id']
               for row in revisions)
    assert len({row['id'] for row in revisions}) == 3


def test_env_vars_are_kept_returned_and_a_change_of_them_is_a_new_revision(client, auth, base):
    first = upload_hello(client, auth, base, env_vars={'GREETING': 'hi', 'EMPTY': ''})
    assert first['env_vars'] == {'GREETING': 'hi', 'EMPTY': ''}
    assert call(client, auth, 'GET', f'{base}/codes/{first["id"]}')['env_vars'] == {
        'EMPTY': '', 'GREETING': 'hi'}
    same = upload(client, auth, base, {'name': 'hello', 'env_vars': {'EMPTY': '',
                                                                     'GREETING': 'hi'}})
    assert (same['rev'], same['env_vars']) == (1, {'EMPTY': '', 'GREETING': 'hi'})
    changed = upload(client, auth, base, {'name': 'hello', 'env_vars': {'GREETING': 'yo'}})
    assert (changed['rev'], changed['env_vars']) == (2, {'GREETING': 'yo'})
    kept = upload(client, auth, base, {'name': 'hello', 'env_vars': None, 'retries': 1})
    assert (kept['rev'], kept['env_vars']) == (2, {'GREETING': 'yo'})
    cleared = upload(client, auth, base, {'name': 'hello', 'env_vars': {}})
    assert cleared['rev'] == 3 and cleared['env_vars'] == {}
    revisions = call(client, auth, 'GET', f'{base}/codes/{first["id"]}/revisions')['revisions']
    assert [row['env_vars'] for row in revisions] == [
        {'EMPTY': '', 'GREETING': 'hi'}, {'GREETING': 'yo'}, {}]


def test_an_image_upload_needs_no_zip(client, auth, base):
    uploaded = upload(client, auth, base, {'name': 'img', 'image': 'iron/hello',
                                           'command': './hello', 'runtime': '',
                                           'file_name': '', 'stack': '', 'env_vars': None})
    assert (uploaded['image'], uploaded['command'], uploaded['rev']) == (
        'iron/hello', './hello', 1)
    assert 'latest_checksum' not in uploaded
    assert JobType.get(JobType.name == 'img').docker_image == 'iron/hello'
    assert call(client, auth, 'GET', f'{base}/codes/{uploaded["id"]}/download', 404)['msg'] == (
        f'revision 1 of code package {uploaded["id"]} has no zip (it runs an image)')


@pytest.mark.parametrize('data, file, message', [
    ({'name': 'new'}, None, "there is no code package 'new' yet"),
    ({'name': 'x', 'file_name': 'a.py'}, HELLO_ZIP, 'a zip needs runtime'),
    ({'name': 'x', 'runtime': 'cobol', 'file_name': 'a'}, HELLO_ZIP, 'runtime must be one of'),
    ({'name': 'x', 'runtime': 'python', 'file_name': 'main.py'}, HELLO_ZIP,
     "file_name 'main.py' is not a file in the zip"),
    ({'name': 'x', 'runtime': 'sh', 'file_name': 'run.sh'},
     zipped(('run.sh', b''), ('../evil', b'')), 'climbs out of its directory'),
    ({'name': 'x', 'runtime': 'sh', 'file_name': 'run.sh'},
     zipped(('run.sh', b''), ('zeros', bytes(20 * 1024 * 1024))), 'zip bomb'),
    ({'name': 'x', 'runtime': 'sh', 'file_name': 'run.sh'}, b'not a zip', 'not a readable zip'),
    ({'runtime': 'sh'}, None, "missing field 'name'"),
    ({'name': 'x', 'retries': 11}, None, 'retries must be between 0 and 10'),
    ({'name': 'x', 'default_priority': 3}, None, 'default_priority must be between 0 and 2'),
    ({'name': 'x', 'max_concurrency': 'many'}, None, 'max_concurrency must be an integer'),
    ({'name': 'x', 'timeout': -1}, None, 'timeout must be between 0 and 86400'),
    ({'name': 'x', 'config': 'c' * (64 * 1024 + 1)}, None, 'config may hold 65536 bytes'),
    ({'name': 'x', 'env_vars': ['A=1']}, None, 'env_vars must be an object'),
    ({'name': 'x', 'env_vars': {'A': 1}}, None, 'env_vars.A must be a'),
    ({'name': 'x', 'env_vars': {'1A': 'x'}}, None, "'1A' is not a variable name"),
    ({'name': 'x', 'env_vars': {'A': 'v' * (64 * 1024)}}, None, 'env_vars may hold 65536'),
    ('{"name": ', None, 'the data part is not valid JSON'),
    (None, HELLO_ZIP, 'the upload has no "data" part'),
])
def test_bad_uploads_are_refused_with_a_clear_msg(client, config, auth, base, data, file,
                                                  message):
    assert message in upload(client, auth, base, data, file, status=400)['msg']
    assert call(client, auth, 'GET', base + '/codes') == {'codes': []}
    assert not (config.data_dir / 'blobs').exists(), 'a refused zip is not kept'


def test_a_broken_bytes_literal_is_refused(client, auth, base):
    body = (b'--B\r\nContent-Disposition: form-data; name="data"\r\n\r\n{"name": "x", '
            b'"runtime": "sh", "file_name": "a"}\r\n--B\r\nContent-Disposition: form-data; '
            b'name="file"; filename="x.zip"\r\n\r\nb\'PK\\x03\r\n--B--\r\n')
    resp = client.simulate_post(base + '/codes', body=body, headers={
        **auth, 'Content-Type': 'multipart/form-data; boundary=B'})
    assert resp.status_code == 400 and 'bytes literal' in resp.json['msg']


def test_an_upload_that_is_not_multipart_is_refused(client, auth, base):
    resp = client.simulate_post(base + '/codes', json={'name': 'x'}, headers=auth)
    assert resp.status_code == 400 and 'multipart/form-data' in resp.json['msg']


def test_a_zip_over_the_configured_limit_is_413(config, database, alice, base):
    from falcon import testing

    from coordinator.app import create_app
    config.max_code_bytes = 200
    small = testing.TestClient(create_app(config, database=database))
    auth = oauth(users.create_token(alice))
    big = zipped(('run.sh', bytes(range(256)) * 2))
    message = upload(small, auth, base, {'name': 'x', 'runtime': 'sh', 'file_name': 'run.sh'},
                     big, as_literal=False, status=413)['msg']
    assert 'FARM_MAX_CODE_BYTES' in message


def test_download_gives_the_exact_zip_of_each_revision(client, auth, base):
    first = upload_hello(client, auth, base)
    second_zip = zipped(('hello/hello.py', WORKER + b'print(2)\n'))
    upload(client, auth, base, {'name': 'hello', 'runtime': 'python',
                                'file_name': 'hello/hello.py'}, second_zip)
    url = f'{base}/codes/{first["id"]}/download'
    for params, expected, rev in ((None, second_zip, 2), ({'revision': '1'}, HELLO_ZIP, 1),
                                  ({'revision': '2'}, second_zip, 2)):
        resp = client.simulate_get(url, headers=auth, params=params)
        assert resp.status_code == 200 and resp.content == expected
        assert resp.headers['content-type'] == 'application/zip'
        assert resp.headers['content-disposition'] == f'filename=hello_{rev}.zip'
    assert call(client, auth, 'GET', url, 404, params={'revision': '3'})['msg'] == (
        'the code package has no revision 3')
    assert 'revision' in call(client, auth, 'GET', url, 400, params={'revision': 'x'})['msg']


def test_a_deleted_code_package_is_gone_until_uploaded_again(client, auth, base):
    first = upload_hello(client, auth, base)
    url = f'{base}/codes/{first["id"]}'
    resp = client.simulate_delete(url, headers={**auth, 'Content-Length': '0'})
    assert resp.status_code == 200 and resp.json == {'msg': 'Deleted'}
    assert call(client, auth, 'GET', url, 404)['msg'] == 'no such code package in this project'
    assert call(client, auth, 'DELETE', url, 404)['msg']
    assert call(client, auth, 'GET', base + '/codes') == {'codes': []}
    assert not JobType.get(JobType.name == 'hello').is_active  # archived: its tasks keep it
    again = upload_hello(client, auth, base)
    assert (again['id'], again['rev']) == (first['id'], 2)


def test_a_code_packages_queue_is_paused_and_resumed(client, auth, base):
    uploaded = upload_hello(client, auth, base)
    url = f'{base}/codes/{uploaded["id"]}'
    assert call(client, auth, 'POST', url + '/pause_task_queue') == {'msg': 'Paused'}
    assert JobType.get(JobType.name == 'hello').is_paused
    assert call(client, auth, 'GET', url)['status'] == 'paused'
    assert call(client, auth, 'POST', url + '/resume_task_queue') == {'msg': 'Resumed'}
    assert not JobType.get(JobType.name == 'hello').is_paused


def test_stats_count_the_code_packages_tasks_by_state(client, auth, base, alice_principal):
    uploaded = upload_hello(client, auth, base)
    queue.queue_tasks(alice_principal, 'hello', code_packages.VERSION,
                      [Order(payload='{}'), Order(payload='{}')])
    stats = call(client, auth, 'GET', f'{base}/codes/{uploaded["id"]}/stats')
    assert stats == {'queued': 2, 'preparing': 0, 'running': 0, 'complete': 0, 'error': 0,
                     'cancelled': 0, 'killed': 0, 'timeout': 0}
    assert 'end_date' in call(client, auth, 'GET', f'{base}/codes/{uploaded["id"]}/stats', 400,
                              params={'end_date': 'soon'})['msg']


def test_codes_are_listed_a_page_at_a_time(client, auth, base):
    for name in ('a', 'b', 'c'):
        upload(client, auth, base, {'name': name, 'image': f'{name}:1'})
    page = call(client, auth, 'GET', base + '/codes', params={'per_page': '2', 'page': '1'})
    assert [code['name'] for code in page['codes']] == ['c']
    for params in ({'per_page': '101'}, {'per_page': '0'}, {'page': '101'}, {'page': 'x'}):
        assert call(client, auth, 'GET', base + '/codes', 400, params=params)['msg']


def test_ids_of_other_kinds_or_projects_are_not_found(client, auth, bob_auth, base):
    uploaded = upload_hello(client, auth, base)
    number = ids.decode(ids.Kind.CODE, uploaded['id'])
    for other in (ids.encode(ids.Kind.TASK, number), uploaded['latest_history_id'], 'x' * 24,
                  uploaded['id'].upper()):
        assert call(client, auth, 'GET', f'{base}/codes/{other}', 404)['msg']
    bob_project = call(client, bob_auth, 'GET', '/2/projects/' + _project_of('bob'))['id']
    assert call(client, bob_auth, 'GET', f'/2/projects/{bob_project}/codes/{uploaded["id"]}',
                404)['msg']


def _project_of(user: str) -> str:
    from coordinator.models import User
    return User.get(User.name == user).project.hex_id


def test_a_worker_token_neither_reads_nor_changes_code(client, auth, base, alice):
    uploaded = upload_hello(client, auth, base)
    worker = oauth(users.create_token(alice, Scope.WORKER))
    url = f'{base}/codes/{uploaded["id"]}'
    for method, path in (('GET', url), ('GET', url + '/download'), ('DELETE', url),
                         ('POST', url + '/pause_task_queue'), ('POST', base + '/codes')):
        assert 'worker token' in call(client, worker, method, path, 403)['msg']
    assert call(client, auth, 'GET', url)['rev'] == 1


def test_code_packages_are_job_types_scale_lists_too(client, auth, base, alice_auth):
    upload_hello(client, auth, base)
    listed = client.simulate_get('/v6/job-types/', headers=alice_auth).json['results']
    assert [(row['name'], row['version']) for row in listed if not row['is_system']] == [
        ('hello', code_packages.VERSION)]
