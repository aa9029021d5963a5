"""/farm/v1/allocations: allocation queues added, listed, read, paused, resumed, changed and
removed over HTTP, with clear 400s for bad input and 404s for unknown queues."""

import pytest
from falcon import testing

from coordinator.app import create_app
from coordinator.models import AllocationJob, AllocationQueue
from tests.coordinator.api.farm.conftest import get, make_run, post

QUEUE = {'name': 'cpu', 'walltime_s': 7200, 'max_jobs': 8}


def add(client, auth, **body):
    resp = post(client, auth, '/farm/v1/allocations', {**QUEUE, **body})
    assert resp.status_code == 201, resp.json
    return resp.json


def test_a_queue_is_added_with_its_defaults_and_listed(client, alice_auth):
    added = add(client, alice_auth, partition='short', sbatch_args=['--mem=8G'],
                job_types=['taskfarm-run'])
    assert {key: added[key] for key in ('name', 'walltime_s', 'max_jobs', 'nodes', 'slots',
                                        'idle_timeout_s', 'partition', 'qos', 'sbatch_args',
                                        'job_types', 'runs', 'paused', 'jobs_pending',
                                        'agents', 'created_by', 'last_decision')} == {
        'name': 'cpu', 'walltime_s': 7200, 'max_jobs': 8, 'nodes': 1, 'slots': None,
        'idle_timeout_s': 300.0, 'partition': 'short', 'qos': None, 'sbatch_args': ['--mem=8G'],
        'job_types': ['taskfarm-run'], 'runs': None, 'paused': False, 'jobs_pending': 0,
        'agents': 0, 'created_by': 'alice', 'last_decision': None}
    assert [queue['name'] for queue in get(client, alice_auth,
                                           '/farm/v1/allocations')['allocations']] == ['cpu']
    assert get(client, alice_auth, '/farm/v1/allocations/cpu') == added


def test_a_queue_is_paused_resumed_and_its_limits_changed(client, alice_auth):
    add(client, alice_auth)
    paused = client.simulate_patch('/farm/v1/allocations/cpu', json={'paused': True},
                                   headers=alice_auth)
    assert paused.status_code == 200 and paused.json['paused'] is True
    changed = client.simulate_patch('/farm/v1/allocations/cpu', headers=alice_auth, json={
        'paused': False, 'max_jobs': 2, 'slots': 16, 'idle_timeout_s': 30})
    assert (changed.json['paused'], changed.json['max_jobs'], changed.json['slots'],
            changed.json['idle_timeout_s']) == (False, 2, 16, 30.0)


def test_removing_a_queue_cancels_its_jobs_not_yet_running(config, database, alice_auth,
                                                            tmp_path):
    # FARM_SLURM_BIN_DIR's scancel comes before PATH's: a fake one that records its arguments
    bin_dir = tmp_path / 'slurm-bin'
    bin_dir.mkdir()
    (bin_dir / 'scancel').write_text(f'#!/bin/sh\necho "$@" > {tmp_path}/scancelled\n')
    (bin_dir / 'scancel').chmod(0o755)
    config.slurm_bin_dir = str(bin_dir)
    client = testing.TestClient(create_app(config, database=database))
    add(client, alice_auth)
    queue = AllocationQueue.get()
    for job_id, state in (('71', 'pending'), ('72', 'running')):
        AllocationJob.create(queue=queue, slurm_job_id=job_id, state=state, submitted_at=1.0)
    assert [job['slurm_job_id'] for job in get(client, alice_auth,
                                               '/farm/v1/allocations/cpu/jobs')['jobs']] == [
        '72', '71']
    resp = client.simulate_delete('/farm/v1/allocations/cpu', headers=alice_auth)
    assert resp.status_code == 200
    assert resp.json == {'name': 'cpu', 'cancelled_jobs': ['71'], 'cancel_error': None}
    assert (tmp_path / 'scancelled').read_text() == '71\n'
    assert get(client, alice_auth, '/farm/v1/allocations')['allocations'] == []


def test_a_queue_may_name_runs_whose_tasks_are_its_alone(client, alice_auth):
    run = make_run(client, alice_auth)['uuid']
    assert add(client, alice_auth, runs=[run])['runs'] == [run]


@pytest.mark.parametrize('body, message', [
    ({'name': 'a b'}, 'name'),
    ({'walltime_s': 30}, 'walltime_s must be between 90'),
    ({'walltime_s': '02:00:00'}, 'walltime_s must be an integer'),
    ({'max_jobs': 0}, 'max_jobs must be between 1'),
    ({'slots': 0}, 'slots must be between 1'),
    ({'partition': 'a b'}, 'partition'),
    ({'sbatch_args': '--mem=1G'}, 'sbatch_args must be a list'),
    ({'job_types': ['no-such-type']}, 'no job type no-such-type'),
    ({'runs': ['0' * 32]}, 'no run'),
    ({'colour': 'red'}, 'unknown field'),
])
def test_bad_queues_are_refused_with_a_clear_400(client, alice_auth, body, message):
    resp = post(client, alice_auth, '/farm/v1/allocations', {**QUEUE, **body})
    assert resp.status_code == 400 and message in resp.json['msg']


def test_a_missing_field_is_named(client, alice_auth):
    resp = post(client, alice_auth, '/farm/v1/allocations', {'name': 'cpu', 'max_jobs': 1})
    assert resp.status_code == 400 and 'walltime_s' in resp.json['msg']


def test_a_taken_name_is_a_conflict_and_an_unknown_one_404(client, alice_auth):
    add(client, alice_auth)
    assert post(client, alice_auth, '/farm/v1/allocations', QUEUE).status_code == 409
    for method in ('GET', 'DELETE'):
        assert client.simulate_request(method, '/farm/v1/allocations/gpu',
                                       headers=alice_auth).status_code == 404
    assert client.simulate_get('/farm/v1/allocations/gpu/jobs',
                               headers=alice_auth).status_code == 404
    assert client.simulate_patch('/farm/v1/allocations/gpu', json={'paused': True},
                                 headers=alice_auth).status_code == 404


def test_a_worker_started_by_a_queue_names_it(client, alice_auth, agent):
    add(client, alice_auth)
    AllocationJob.create(queue=AllocationQueue.get(), slurm_job_id='1234', state='running',
                         submitted_at=1.0)  # the job AGENT registered from
    post(client, alice_auth, '/farm/v1/workers', {'uuid': 'by-hand', 'hostname': 'login1',
                                                  'pid': 7, 'slots': 1})
    workers = {worker['uuid']: worker for worker in get(client, alice_auth,
                                                        '/farm/v1/workers')['workers']}
    assert (workers['agent-1']['allocation'], workers['by-hand']['allocation']) == ('cpu', None)
    assert get(client, alice_auth, '/farm/v1/allocations/cpu')['agents'] == 1
