"""Automatic allocation on the real single-node Slurm (issue 17, acceptance 1): an allocation
queue of --max-jobs 2 and 40 queued tasks; sbatch starts the agents without any other command,
all 40 finish, the agents leave after the idle timeout, the jobs end, and no more than 2 jobs
ever exist at once.

Skipped unless FARM_TEST_SLURM=1 (`make test` starts the cluster: one node, 2 CPUs). Jobs a
test leaves are cancelled.
"""

import os
import threading

import pytest

from tests.e2e.slurm_jobs import slurm
from tests.e2e.test_allocations import wait_for
from tests.e2e.test_farm_cli import Farm

pytestmark = [
    pytest.mark.skipif(os.environ.get('FARM_TEST_SLURM') != '1',
                       reason='FARM_TEST_SLURM=1 not set (no test cluster)'),
    pytest.mark.timeout(300),
]
QUEUE = 'acceptance'
JOB_NAME = f'farm-{QUEUE}'  # what the allocator names its jobs


class JobCounter(threading.Thread):
    """Counts the queue's jobs that exist in Slurm (any state squeue shows), every 0.2 s."""

    def __init__(self):
        super().__init__(daemon=True)
        self.most, self.seen, self.stopped = 0, set(), threading.Event()

    def run(self):
        while not self.stopped.wait(0.2):
            listed = slurm('squeue', '--noheader', '--format=%i', f'--name={JOB_NAME}').stdout
            jobs = set(listed.split())
            self.seen |= jobs
            self.most = max(self.most, len(jobs))


@pytest.fixture
def counter():
    counting = JobCounter()
    counting.start()
    yield counting
    counting.stopped.set()
    if counting.seen:  # whatever a failed test left
        slurm('scancel', *counting.seen)


@pytest.fixture
def farm(serve, tmp_path):
    coordinator = serve(workers=2, FARM_ALLOC_INTERVAL_S='1', FARM_SLURM_BIN_DIR='',  # PATH's
                        FARM_ALLOC_LOG_DIR=str(tmp_path / 'alloc'))
    farm = Farm(coordinator, tmp_path)
    yield farm
    farm.cleanup()


def test_forty_tasks_start_agents_through_sbatch_that_finish_them_and_leave(farm, counter,
                                                                              tmp_path):
    added = farm('alloc', 'add', QUEUE, '--time', '00:10:00', '--max-jobs', '2',
                 '--idle-timeout', '5')
    assert added.returncode == 0, added.stderr
    out = tmp_path / 'out'
    run = farm.submit('--tasks', '40', '--expected-duration', '1', '--', 'sh', '-c',
                      f'sleep 0.5; echo {{task}} >> {out}')['run']['uuid']
    wait_for(lambda: farm.json('run', 'show', run)['run']['state'] == 'finished', 200,
             'the 40 tasks to finish')
    assert sorted(int(line) for line in out.read_text().split()) == list(range(40))

    def ended():
        shown = farm.json('alloc', 'show', QUEUE)
        done = shown['jobs'] and all(job['state'] in ('ended', 'failed') for job in shown['jobs'])
        return shown if done and not counter.seen & set(slurm(
            'squeue', '--noheader', '--format=%i', f'--name={JOB_NAME}').stdout.split()) else None
    shown = wait_for(ended, 90, 'the agents to leave and their jobs to end')
    assert 1 <= len(shown['jobs']) and counter.most <= 2, (counter.most, shown)
    agents = farm.json('workers', '--state', 'all')['workers']
    assert agents and all(agent['state'] == 'stopped' for agent in agents)
    assert {agent['slurm_job_id'] for agent in agents} <= {job['slurm_job_id']
                                                           for job in shown['jobs']}
