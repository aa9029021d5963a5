"""kill -9 of `farmworker serve` agents, and of the whole coordinator, while agents work a run and
queued jobs: every task still ends complete, once, and nothing acknowledged is lost."""

import collections
import time

import psutil
import pytest

from coordinator.models import Task, Worker
from tests.e2e.test_farmworker import _kill_tree
from tests.e2e.test_serve import ServeFarm

pytestmark = pytest.mark.timeout(240)

JOBS, RUN_TASKS, KILLS = 60, 30, 3


@pytest.fixture
def farm(serve, tmp_path):
    return ServeFarm(serve(workers=2, FARM_WORKER_TTL_S='2'), tmp_path)


def test_agents_killed_mid_task_lose_no_task_and_complete_none_twice(farm, tmp_path, database):
    farm.job_type('work', 'sleep 0.3; echo job-{x} >> ran')
    farm.queue('work', [str(n) for n in range(JOBS)])
    status, run = farm.call('POST', '/farm/v1/runs', {
        'num_tasks': RUN_TASKS, 'command': ['sh', '-c', 'sleep 0.3; echo run-{task} >> ran']})
    assert status == 201, run
    steady = farm.server('--slots', '4')
    doomed = farm.server('--slots', '4')
    for _ in range(KILLS):
        # the doomed agent itself holds tasks (on a loaded machine it may not have registered
        # yet when the steady one already holds four): its death is then a loss to see
        farm.wait_for(lambda: Task.select().join(Worker).where(
            Worker.pid == doomed.pid, Task.status == 'running').exists())
        time.sleep(0.5)  # let it hold tasks mid-run, some finished and unreported
        _kill_tree(doomed)
        doomed = farm.server('--slots', '4')
    farm.wait_for(lambda: Task.select().where(Task.status != 'complete').count() == 0
                  and Task.select().count() == JOBS + RUN_TASKS, timeout_s=120)
    for agent in (steady, doomed):
        output, _ = agent.communicate(timeout=60)
        assert agent.returncode == 0, output

    assert farm.status(run['uuid'])['done'] == RUN_TASKS
    assert Worker.select().where(Worker.state == 'lost').count() == KILLS
    ran = collections.Counter((tmp_path / 'ran').read_text().split())
    expected = {f'job-{n}' for n in range(JOBS)} | {f'run-{n}' for n in range(RUN_TASKS)}
    assert set(ran) == expected  # none lost
    # a task killed after it wrote but before it was reported runs again: at most once per slot
    # of each killed agent, and each such task has a later attempt than its first
    again = {name for name, count in ran.items() if count > 1}
    assert len(again) <= KILLS * 4
    retried = Task.select().where(Task.attempt > 1).count()
    assert retried >= len(again)


def _kill_coordinator(coordinator) -> None:
    """kill -9 the gunicorn master and every worker at once, as a node failure would."""
    master = psutil.Process(coordinator.process.pid)
    master.suspend()  # else it boots a new worker for each one killed, which outlives it
    for process in [*master.children(recursive=True), master]:
        process.kill()
    coordinator.process.wait(10)


def test_the_coordinator_killed_under_load_loses_no_acknowledged_result(farm, tmp_path,
                                                                         database):
    farm.job_type('work', 'sleep 0.2; echo job-{x} >> ran')
    farm.queue('work', [str(n) for n in range(JOBS)])
    status, run = farm.call('POST', '/farm/v1/runs', {
        'num_tasks': RUN_TASKS, 'command': ['sh', '-c', 'sleep 0.2; echo run-{task} >> ran']})
    assert status == 201, run
    agents = [farm.server('--slots', '3') for _ in range(2)]
    farm.wait_for(lambda: Task.select().where(Task.status == 'complete').count() >= 10)
    _kill_coordinator(farm.coordinator)
    acknowledged = {task.id for task in Task.select().where(Task.status == 'complete')}
    time.sleep(2)  # down while tasks finish: their results wait in the agents
    farm.coordinator.start()
    farm.wait_for(lambda: Task.select().where(Task.status != 'complete').count() == 0
                  and Task.select().count() == JOBS + RUN_TASKS, timeout_s=120)
    outputs = [agent.communicate(timeout=60)[0] for agent in agents]
    assert [agent.returncode for agent in agents] == [0, 0], outputs
    assert all('retrying in' in output for output in outputs), 'the agents saw the outage'
    assert acknowledged <= {task.id for task in Task.select().where(Task.status == 'complete')}
    assert farm.status(run['uuid'])['done'] == RUN_TASKS
    ran = collections.Counter((tmp_path / 'ran').read_text().split())
    assert set(ran) == {f'job-{n}' for n in range(JOBS)} | {f'run-{n}' for n in range(RUN_TASKS)}
    assert max(ran.values()) == 1, 'no agent was judged lost: nothing ran twice'
