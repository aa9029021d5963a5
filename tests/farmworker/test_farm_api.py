"""FarmApi as the dashboard uses it (no retries) against a canned server: paths, queries, errors."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from farmworker.client import NEVER, Refused, Unreachable
from farmworker.farm_api import FarmApi
from tests.tui.canned import NOW, RUNS, TASKS, UUIDS

REPLIES = {
    ('GET', '/farm/v1/runs?state=active&limit=500&offset=0'):
        (200, {'now': NOW, 'total': len(RUNS), 'runs': RUNS}),
    ('GET', f'/farm/v1/runs/{UUIDS[0]}/tasks?after=4&limit=100&status=failed'):
        (200, {'now': NOW, 'tasks': TASKS[1:2], 'next_after': None}),
    ('POST', f'/farm/v1/runs/{UUIDS[0]}/restart'): (200, RUNS[0]),
    ('DELETE', f'/farm/v1/runs/{UUIDS[0]}'): (204, None),
    ('POST', f'/farm/v1/runs/{UUIDS[2]}/tasks/0/cancel'): (409, {'msg': 'task 0 already finished'}),
    ('GET', f'/farm/v1/runs/{UUIDS[0]}/tasks/1'): (200, TASKS[1]),
    ('GET', '/farm/v1/overview'): (401, {'msg': 'unknown or expired token'}),
    ('GET', f'/farm/v1/runs/{UUIDS[3]}'): (404, {'msg': f'no run {UUIDS[3]}'}),
    # job types: Scale's pages, its `detail` errors, and a version with a + in the path
    ('GET', '/v6/job-types/?page=1&page_size=1000&is_active=true'):
        (200, {'count': 3, 'next': 'http://elsewhere/v6/job-types/?page=2', 'previous': None,
               'results': [{'name': 'a', 'version': '1.0.0'}, {'name': 'b', 'version': '1.0.0'}]}),
    ('GET', '/v6/job-types/?page=2&page_size=1000&is_active=true'):
        (200, {'count': 3, 'next': None, 'previous': 'http://elsewhere/v6/job-types/',
               'results': [{'name': 'c', 'version': '2.0.0'}]}),
    ('GET', '/v6/job-types/tiler/1.0.0%2Bb7/'): (404, {'detail': 'no job type tiler 1.0.0+b7'}),
    ('PATCH', '/v6/job-types/tiler/1.2.0/'): (200, {'is_valid': True, 'errors': [],
                                                    'warnings': []}),
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'  # keep-alive, as the coordinator serves it

    def _answer(self):
        length = int(self.headers.get('Content-Length') or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        self.server.seen.append((self.command, self.path, body, self.headers['Authorization']))
        status, reply = REPLIES.get((self.command, self.path), (404, {'msg': 'no such path'}))
        raw = b'' if reply is None else json.dumps(reply).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_POST = do_DELETE = do_PATCH = _answer

    def date_time_string(self, timestamp=None):
        return 'Mon, 23 Nov 2026 17:20:05 GMT'  # the Date header: a fixed server clock

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    httpd.seen = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def client(server):
    return FarmApi(f'http://127.0.0.1:{server.server_address[1]}/', 'farm_secret', retry=NEVER)


def test_reads_send_the_contracts_paths_and_queries_with_the_bearer_token(client, server):
    assert client.runs('active', 500, 0)['total'] == len(RUNS)
    page = client.tasks(UUIDS[0], 'failed', after=4, limit=100)
    assert page['tasks'][0]['number'] == 1 and page['next_after'] is None
    assert [auth for *_, auth in server.seen] == ['Bearer farm_secret'] * 2


def test_a_reply_without_the_servers_clock_gets_it_from_the_date_header(client):
    task = client.task(UUIDS[0], 1)
    assert task['now'] == '2026-11-23T17:20:05+00:00'


def test_actions_send_their_bodies(client, server):
    assert client.restart_run(UUIDS[0], all_tasks=True)['uuid'] == UUIDS[0]
    assert client.delete_run(UUIDS[0]) is None
    assert [(method, body) for method, _, body, _ in server.seen] == [
        ('POST', {'all': True}), ('DELETE', None)]


def test_a_wrong_token_is_a_refusal_in_the_coordinators_words(client):
    with pytest.raises(Refused) as caught:
        client.overview()
    assert caught.value.bad_token and not caught.value.not_found
    assert str(caught.value) == 'unknown or expired token (HTTP 401)'


def test_an_unknown_run_and_a_refused_action_say_what_the_coordinator_said(client):
    with pytest.raises(Refused) as gone:
        client.run(UUIDS[3])
    assert gone.value.not_found and str(gone.value) == f'no run {UUIDS[3]} (HTTP 404)'
    with pytest.raises(Refused) as refused:
        client.cancel_task(UUIDS[2], 0)
    assert (refused.value.status, str(refused.value)) == (409, 'task 0 already finished (HTTP 409)')


def test_an_unreachable_coordinator_is_one_line_with_its_url(server):
    port = server.server_address[1]
    server.shutdown()
    server.server_close()
    with pytest.raises(Unreachable) as caught:
        FarmApi(f'http://127.0.0.1:{port}', 't', retry=NEVER).overview()
    assert str(caught.value) == (f'cannot reach the coordinator at http://127.0.0.1:{port}: '
                                 'connection refused')


@pytest.mark.parametrize('url, why', [('ftp://host', 'use http://HOST:PORT'),
                                      ('coordinator:8000', 'use http://HOST:PORT'),
                                      ('http://host:port', 'bad port')])
def test_a_url_that_is_not_http_is_refused_before_any_request(url, why):
    with pytest.raises(ValueError) as caught:
        FarmApi(url, 't')
    assert str(caught.value) == f'not a coordinator URL: {url!r} ({why})'


def test_job_types_are_read_under_v6_every_page_of_them_in_one_reply(client, server):
    reply = client.job_types(is_active=True)
    assert [row['name'] for row in reply['results']] == ['a', 'b', 'c']
    assert (reply['count'], reply['now']) == (3, '2026-11-23T17:20:05+00:00')
    assert [path for _, path, *_ in server.seen] == [
        '/v6/job-types/?page=1&page_size=1000&is_active=true',
        '/v6/job-types/?page=2&page_size=1000&is_active=true']


def test_a_version_is_one_path_segment_and_scales_detail_is_the_refusals_words(client):
    with pytest.raises(Refused) as gone:
        client.job_type('tiler', '1.0.0+b7')
    assert gone.value.not_found and str(gone.value) == 'no job type tiler 1.0.0+b7 (HTTP 404)'


def test_pausing_a_job_type_patches_its_version(client, server):
    assert client.edit_job_type('tiler', '1.2.0', {'is_paused': True})['is_valid']
    assert server.seen[-1][:3] == ('PATCH', '/v6/job-types/tiler/1.2.0/', {'is_paused': True})
