"""GET /metrics in-process: requests under their route template, claims, reports, lease expiries,
database errors, and gauges that match the store, as Prometheus' own parser reads them.

The instruments are the process's, shared by every test here: each test compares a
scrape after its work with one before it.
"""

import time

import peewee
import pytest
from prometheus_client.parser import text_string_to_metric_families

from coordinator import maintenance
from coordinator.metrics.middleware import family
from coordinator.store import users, worker_views
from coordinator.store.access import Scope
from tests.conftest import PASSWORD, basic
from tests.coordinator.api.farm.conftest import AGENT, make_run, post, work

REQUESTS = 'farm_http_request_duration_seconds'


@pytest.fixture
def agent(client, alice_auth):
    """agent-1, registered by alice over /farm/v1."""
    assert post(client, alice_auth, '/farm/v1/workers', AGENT).status_code == 201


def scrape(client, auth) -> dict[tuple, float]:
    """Every sample of a scrape: (name, sorted labels) -> value."""
    resp = client.simulate_get('/metrics', headers=auth)
    assert resp.status_code == 200, resp.text
    assert resp.headers['content-type'].startswith('text/plain; version=0.0.4')
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for metric in text_string_to_metric_families(resp.text)
            for sample in metric.samples}


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def change(before: dict, after: dict, name: str, **labels) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def test_a_request_is_counted_under_its_route_template_and_status(client, alice_auth):
    run = make_run(client, alice_auth, num_tasks=2)
    before = scrape(client, alice_auth)
    for _ in range(3):
        assert client.simulate_get(f"/farm/v1/runs/{run['uuid']}",
                                   headers=alice_auth).status_code == 200
    client.simulate_get('/farm/v1/runs/' + '0' * 32, headers=alice_auth)  # 404
    after = scrape(client, alice_auth)
    route = dict(family='farm', route='/farm/v1/runs/{uuid:uuid}', method='GET')
    assert change(before, after, REQUESTS + '_count', status='200', **route) == 3
    assert change(before, after, REQUESTS + '_count', status='404', **route) == 1
    assert change(before, after, REQUESTS + '_bucket', status='200', le='+Inf', **route) == 3
    assert change(before, after, REQUESTS + '_sum', status='200', **route) > 0
    # never the path itself: the run's uuid names no series
    assert not [key for key in after if run['uuid'] in str(key)]


def test_paths_no_route_serves_share_one_series_and_odd_methods_one_label(client, alice_auth):
    before = scrape(client, alice_auth)
    for path in ('/no/such/path', '/another/one', '/api/nothing/here'):
        assert client.simulate_get(path).status_code == 404
    client.simulate_request('BREW', '/health')  # falcon: 400 for a method it does not know
    after = scrape(client, alice_auth)
    unrouted = {key: after[key] - before.get(key, 0) for key in after
                if ('route', '(unrouted)') in key[1] and key[0] == REQUESTS + '_count'}
    assert sum(unrouted.values()) == 3
    assert not [key for key in after if 'no/such' in str(key) or 'BREW' in str(key)]
    assert change(before, after, REQUESTS + '_count', family='ops', route='/health',
                  method='OTHER', status='400') == 1


def test_each_path_prefix_is_counted_under_its_api_family():
    assert [family(path) for path in (
        '/api/runs/{uuid}', '/api/v1/jobs', '/farm/v1/claim', '/2/projects/{project_id}/tasks',
        '/v6/job-types/', '/health', '/metrics')] == [
        'taskfarm', 'ndscheduler', 'farm', 'ironworker', 'scale', 'ops', 'ops']


def test_claims_and_reports_are_counted_by_source_and_outcome(client, alice_auth, agent):
    run = make_run(client, alice_auth, num_tasks=5, max_tries=3)
    before = scrape(client, alice_auth)
    work(client, alice_auth, run['uuid'], ['complete', 'complete', 'failed', None])
    tasks = post(client, alice_auth, f"/farm/v1/runs/{run['uuid']}/claim",
                 {'worker_uuid': 'agent-1', 'max_tasks': 5}).json['tasks']
    stale = post(client, alice_auth, f"/farm/v1/runs/{run['uuid']}/results", {
        'worker_uuid': 'agent-1', 'results': [
            {'number': tasks[0]['number'], 'attempt': 9, 'outcome': 'complete'}]})
    assert stale.status_code == 409
    after = scrape(client, alice_auth)
    assert change(before, after, 'farm_tasks_claimed_total', source='run') == 4 + len(tasks)
    assert change(before, after, 'farm_tasks_reported_total', outcome='complete') == 2
    assert change(before, after, 'farm_tasks_reported_total', outcome='failed') == 1


def test_the_stock_clients_claims_and_puts_are_counted_as_claims_and_reports(client, alice_auth):
    run = client.simulate_post('/api/run', json={'numTasks': 2}, headers=alice_auth).json
    client.simulate_post('/api/worker', json={'uuid': 'w1', 'hostname': 'n1', 'pid': 7},
                         headers=alice_auth)
    before = scrape(client, alice_auth)
    claimed = client.simulate_post(f"/api/runs/{run['uuid']}/task",
                                   json={'worker_uuid': 'w1'}, headers=alice_auth)
    assert claimed.status_code == 201
    base = f"/api/runs/{run['uuid']}/tasks/{claimed.json['task']}"
    for body in ({'percentCompleted': 50}, {'status': 'done'}):
        assert client.simulate_put(base, json=body, headers=alice_auth).status_code == 204
    after = scrape(client, alice_auth)
    assert change(before, after, 'farm_tasks_claimed_total', source='run') == 1
    assert change(before, after, 'farm_tasks_reported_total', outcome='running') == 1
    assert change(before, after, 'farm_tasks_reported_total', outcome='complete') == 1


def test_the_gauges_match_the_store(client, alice_auth, agent):
    first = make_run(client, alice_auth, num_tasks=6, max_tries=1)
    make_run(client, alice_auth, num_tasks=4)
    work(client, alice_auth, first['uuid'], ['complete', 'complete', 'failed', None])
    samples = scrape(client, alice_auth)
    status = client.simulate_get('/farm/v1/overview', headers=alice_auth).json['tasks']
    type_labels = dict(project='default', job_type='taskfarm-run', version='1.0.0')
    assert {state: value(samples, 'farm_tasks', state=state, **type_labels)
            for state in ('waiting', 'running', 'done', 'failed', 'cancelled')} == {
        'waiting': 6, 'running': 1, 'done': 2, 'failed': 1, 'cancelled': 0} == {
        state: status[state] for state in ('waiting', 'running', 'done', 'failed', 'cancelled')}
    principal = users.principal_for_password('alice', PASSWORD)
    assert {state: value(samples, 'farm_workers', state=state)
            for state in worker_views.count_by_state(principal)} == (
        worker_views.count_by_state(principal))
    assert value(samples, 'farm_workers', state='idle') + value(
        samples, 'farm_workers', state='busy') == 1


def test_a_user_sees_the_gauges_of_its_own_project_only(client, alice_auth, agent):
    make_run(client, alice_auth, num_tasks=3)
    users.add_user('bob', PASSWORD, project='other')
    bob = basic(users.create_token('bob', Scope.USER))
    samples = scrape(client, bob)
    assert not [key for key in samples if key[0] == 'farm_tasks']
    assert sum(value for key, value in samples.items() if key[0] == 'farm_workers') == 0


def test_a_lost_workers_tasks_count_as_lease_expiries(client, alice_auth, agent):
    run = make_run(client, alice_auth, num_tasks=3)
    work(client, alice_auth, run['uuid'], [None, None])
    before = scrape(client, alice_auth)
    assert maintenance.reap(60, now=time.time() + 1000) == ['agent-1']
    after = scrape(client, alice_auth)
    assert change(before, after, 'farm_lease_expiries_total') == 2
    assert change(before, after, 'farm_workers_declared_lost_total') == 1
    assert value(after, 'farm_workers', state='lost') == 1


def test_a_database_failure_is_counted(client, alice_auth, monkeypatch):
    before = scrape(client, alice_auth)

    def fail(*args, **kwargs):
        raise peewee.OperationalError('disk I/O error')

    with monkeypatch.context() as patched:
        patched.setattr('coordinator.store.runs.list_runs', fail)
        assert client.simulate_get('/api/runs', headers=alice_auth).status_code == 503
    after = scrape(client, alice_auth)
    assert change(before, after, 'farm_database_errors_total') == 1


@pytest.mark.parametrize('who, status', [('nobody', 401), ('worker', 403)])
def test_metrics_need_a_users_token(client, alice, who, status):
    headers = {} if who == 'nobody' else basic(users.create_token(alice, Scope.WORKER))
    assert client.simulate_get('/metrics', headers=headers).status_code == status

