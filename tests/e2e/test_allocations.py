"""Automatic allocation end to end: `farm alloc add`, work submitted with `farm submit`, and the
coordinator starting real `farmworker serve` agents through fake Slurm commands on its PATH.

tests/e2e/fake_slurm/ holds sbatch, squeue, scancel, sacct and scontrol scripts: sbatch runs
the batch script the allocator renders at once in the background (so the agents really work
the tasks), squeue shows the jobs whose process lives, scancel ends them, and there is no
accounting, as on the real single-node cluster.
"""

import json
import os
import time
from pathlib import Path

import pytest

from coordinator import allocator
from coordinator.store import leases
from tests.e2e.test_farm_cli import Farm

pytestmark = pytest.mark.timeout(180)
FAKE_SLURM = Path(__file__).parent / 'fake_slurm'


@pytest.fixture
def slurm_dir(tmp_path, monkeypatch):
    state = tmp_path / 'slurm'
    state.mkdir()
    monkeypatch.setenv('FAKE_SLURM_DIR', str(state))  # the coordinator's Slurm calls read it
    yield state
    for pidfile in (state / 'jobs').glob('*.pid'):  # a job a failed test left running
        try:
            os.killpg(int(pidfile.read_text()), 15)
        except (OSError, ValueError):
            pass


@pytest.fixture
def farm(serve, tmp_path, slurm_dir):
    coordinator = serve(workers=2, FARM_SLURM_BIN_DIR=str(FAKE_SLURM),
                        FARM_ALLOC_INTERVAL_S='0.5', FARM_ALLOC_LOG_DIR=str(tmp_path / 'alloc'))
    farm = Farm(coordinator, tmp_path)
    yield farm
    farm.cleanup()


def wait_for(condition, timeout_s: float = 90, what: str = ''):
    """Poll `condition` until it answers something true, and return that."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f'timed out waiting for {what}')


def test_waiting_work_starts_agents_that_finish_it_and_leave(farm, slurm_dir, tmp_path):
    result = farm('alloc', 'add', 'cpu', '--time', '00:10:00', '--max-jobs', '2', '--slots', '2',
                  '--idle-timeout', '2', '--json', '--', '--mem=1G')
    assert result.returncode == 0, result.stderr
    added = json.loads(result.stdout)
    assert (added['max_jobs'], added['sbatch_args']) == (2, ['--mem=1G'])
    out = tmp_path / 'out'
    run = farm.submit('--tasks', '12', '--', 'sh', '-c',
                      f'sleep 0.3; echo {{task}} >> {out}')['run']
    wait_for(lambda: farm.json('run', 'show', run['uuid'])['run']['state'] == 'finished',
             what='the run to finish')
    assert sorted(int(line) for line in out.read_text().split()) == list(range(12))

    def all_ended():
        shown = farm.json('alloc', 'show', 'cpu')
        return shown if shown['jobs'] and all(
            job['state'] == 'ended' for job in shown['jobs']) else None
    shown = wait_for(all_ended, what='the agents to leave and their jobs to end')
    assert shown['last_decision'].startswith('0 task(s) wait')
    # never more than --max-jobs at once; the token never on a command line
    alive = [int(n) for n in (slurm_dir / 'alive-at-submit').read_text().split()]
    assert alive and max(alive) <= 2
    calls = (slurm_dir / 'sbatch-calls').read_text()
    assert '--mem=1G' in calls and 'farm_' not in calls
    # the agents' worker rows carry their job ids, which link them to the queue
    job_ids = {job['slurm_job_id'] for job in shown['jobs']}
    agents = farm.json('workers', '--state', 'all')['workers']
    assert agents and {agent['slurm_job_id'] for agent in agents} <= job_ids
    assert all(agent['state'] == 'stopped' for agent in agents)


def test_a_failing_sbatch_shows_its_reason_and_a_paused_queue_submits_nothing(
        farm, slurm_dir):
    (slurm_dir / 'fail').touch()
    farm.json('alloc', 'add', 'cpu', '--time', '00:10:00', '--max-jobs', '1')
    farm.submit('--tasks', '3', '--', 'true')
    shown = wait_for(lambda: (lambda q: q if q['last_decision'] and 'sbatch failed'
                              in q['last_decision'] else None)(farm.json('alloc', 'show', 'cpu')),
                     what='the failure to show')
    assert 'Invalid partition name specified' in shown['last_decision']
    assert shown['backoff_until'] is not None
    listed = farm('alloc', 'list')
    assert listed.returncode == 0 and 'Invalid partition name' in listed.stdout
    paused = farm('alloc', 'pause', 'cpu')
    assert paused.returncode == 0 and 'paused' in paused.stdout
    (slurm_dir / 'fail').unlink()
    time.sleep(2)  # several passes: none submits
    assert not (slurm_dir / 'sbatch-calls').exists()
    assert farm.json('alloc', 'resume', 'cpu')['paused'] is False
    wait_for(lambda: (slurm_dir / 'sbatch-calls').exists(), what='a job after resuming')
    removed = farm.json('alloc', 'remove', 'cpu')
    assert removed['name'] == 'cpu' and farm.json('alloc', 'list')['allocations'] == []
    unknown = farm('alloc', 'show', 'cpu')
    assert unknown.returncode == 1 and 'no allocation queue' in unknown.stderr


def test_a_coordinator_stopping_hands_the_allocator_lease_over(farm, slurm_dir):
    """Another process takes the allocator up at its next pass, not a whole lease later."""
    (slurm_dir / 'fail').touch()  # the pass goes on without starting agents
    farm.json('alloc', 'add', 'cpu', '--time', '00:10:00', '--max-jobs', '1')
    farm.submit('--tasks', '1', '--', 'true')
    holder = wait_for(lambda: leases.holder_of(allocator.LEASE, time.time()),
                      what='a process to hold the lease')
    assert farm.coordinator.stop() == 0
    assert leases.holder_of(allocator.LEASE, time.time()) is None, holder
