"""/metrics from a real `farm-coordinator serve` with two gunicorn workers: requests served by
either worker, and by one that died, are summed in one scrape, read with Prometheus' parser."""

import concurrent.futures
import http.client
import json
import os
import signal
import time

import psutil
import pytest
from prometheus_client.parser import text_string_to_metric_families

from coordinator.store import users
from coordinator.store.access import Scope

pytestmark = pytest.mark.timeout(120)

RUN_ROUTE = '/farm/v1/runs/{uuid:uuid}'


class Caller:
    """HTTP calls to a coordinator, each on a new connection, so the kernel hands them to
    whichever worker accepts first."""

    def __init__(self, coordinator, token: str):
        self.port = coordinator.port
        self.headers = {'Authorization': f'Bearer {token}', 'Content-Type': 'application/json'}

    def __call__(self, method: str, path: str, body=None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection('127.0.0.1', self.port, timeout=30)
        try:
            connection.request(method, path, None if body is None else json.dumps(body),
                               self.headers)
            resp = connection.getresponse()
            return resp.status, resp.read()
        finally:
            connection.close()

    def json(self, method: str, path: str, body=None, expect: int = 200):
        status, data = self(method, path, body)
        assert status == expect, data
        return json.loads(data)

    def scrape(self) -> dict[tuple, float]:
        status, data = self('GET', '/metrics')
        assert status == 200, data
        return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
                for family in text_string_to_metric_families(data.decode())
                for sample in family.samples}


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def metric_files(tmp_dir) -> dict[int, list[str]]:
    """The coordinator's files of request histograms, by the pid of the worker that wrote each."""
    [directory] = tmp_dir.glob('farm-coordinator-metrics-*')
    found: dict[int, list[str]] = {}
    for path in directory.glob('histogram_*.db'):  # what requests write
        found.setdefault(int(path.stem.rsplit('_', 1)[1]), []).append(path.name)
    return found


@pytest.fixture
def farm(serve, tmp_path):
    """(a coordinator with two workers writing its metrics files under tmp_path/tmp, a caller
    with alice's token, that tmp directory)."""
    tmp_dir = tmp_path / 'tmp'
    tmp_dir.mkdir()
    coordinator = serve(workers=2, TMPDIR=str(tmp_dir))
    return coordinator, Caller(coordinator, users.create_token('alice', Scope.USER)), tmp_dir


def test_work_spread_over_two_workers_is_summed_in_one_scrape(farm):
    coordinator, call, tmp_dir = farm
    run = call.json('POST', '/farm/v1/runs', {'num_tasks': 12}, expect=201)
    call.json('POST', '/farm/v1/workers', {'uuid': 'agent-1', 'hostname': 'n1', 'pid': 1,
                                           'slots': 12}, expect=201)
    base = f"/farm/v1/runs/{run['uuid']}"
    reads = 0
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        # until both workers have counted some (each writes its own file), 64 reads at a time
        while len(metric_files(tmp_dir)) < 2 and reads < 640:
            statuses = list(pool.map(lambda _: call('GET', base)[0], range(64)))
            assert statuses == [200] * 64
            reads += 64
        claims = list(pool.map(lambda _: call.json('POST', base + '/claim', {
            'worker_uuid': 'agent-1', 'max_tasks': 2})['tasks'], range(4)))
    assert len(metric_files(tmp_dir)) == 2, 'one worker served every request'
    tasks = [task for claimed in claims for task in claimed]
    outcomes = ['complete'] * 5 + ['failed'] * 3
    receipt = call.json('POST', base + '/results', {'worker_uuid': 'agent-1', 'results': [
        {'number': task['number'], 'attempt': task['attempt'], 'outcome': outcome,
         'exit_code': 0 if outcome == 'complete' else 1}
        for task, outcome in zip(tasks, outcomes)]})
    assert len(receipt['accepted']) == 8

    samples = call.scrape()
    assert value(samples, 'farm_http_request_duration_seconds_count', family='farm',
                 route=RUN_ROUTE, method='GET', status='200') == reads
    assert value(samples, 'farm_http_request_duration_seconds_count', family='farm',
                 route=RUN_ROUTE + '/claim', method='POST', status='200') == 4
    assert value(samples, 'farm_tasks_claimed_total', source='run') == 8
    assert value(samples, 'farm_tasks_reported_total', outcome='complete') == 5
    assert value(samples, 'farm_tasks_reported_total', outcome='failed') == 3
    status = call.json('GET', base)
    assert value(samples, 'farm_tasks', project='default', job_type='taskfarm-run',
                 version='1.0.0', state='done') == status['done'] == 5
    assert value(samples, 'farm_workers', state='idle') + value(
        samples, 'farm_workers', state='busy') == 1


def test_a_dead_workers_counts_stay_in_the_scrape_and_the_files_go_with_the_server(farm):
    coordinator, call, tmp_dir = farm
    listed = 0
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        while len(metric_files(tmp_dir)) < 2 and listed < 640:
            list(pool.map(lambda _: call('GET', '/farm/v1/runs'), range(64)))
            listed += 64
    assert value(call.scrape(), 'farm_http_request_duration_seconds_count', family='farm',
                 route='/farm/v1/runs', method='GET', status='200') == listed
    victim = psutil.Process(coordinator.process.pid).children()[0].pid
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 30  # gunicorn starts a new worker in its place
    while len(psutil.Process(coordinator.process.pid).children()) < 2 or victim in [
            child.pid for child in psutil.Process(coordinator.process.pid).children()]:
        assert time.monotonic() < deadline, 'gunicorn started no new worker'
        time.sleep(0.1)
    after = call.scrape()  # the killed worker's counts are read from its files still
    assert value(after, 'farm_http_request_duration_seconds_count', family='farm',
                 route='/farm/v1/runs', method='GET', status='200') == listed
    [directory] = tmp_dir.glob('farm-coordinator-metrics-*')
    assert coordinator.stop() == 0
    assert not directory.exists()
