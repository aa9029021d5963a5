"""Three coordinators on one PostgreSQL, one killed -9 with the agents it served while cron jobs
are due: the others fire each job once, reap each lost lease once, and the work ends once."""

import collections
import re
import time

import pytest

from coordinator.models import JobType, Run, Schedule, Task, Worker
from tests.e2e.test_farmworker import _kill_tree
from tests.e2e.test_ndscheduler import add_job
from tests.e2e.test_postgres_outage import JOB_MODULE
from tests.e2e.test_serve import ServeFarm
from tests.e2e.test_serve_faults import _kill_coordinator

pytestmark = pytest.mark.timeout(240)

HELD, JOBS, RUN_TASKS, CRON_JOBS = 4, 30, 20, 4
TTL_S = '4'


@pytest.mark.parametrize('database_url', ['postgres'], indirect=True)
def test_after_one_coordinator_is_killed_the_others_fire_once_and_reap_once(
        serve, tmp_path, database, monkeypatch):
    (tmp_path / 'outage_jobs.py').write_text(JOB_MODULE)
    monkeypatch.setenv('PYTHONPATH', str(tmp_path))  # the agents import the job class
    # a ttl of 4 s: the killed agents are reaped soon, while steady ones that a loaded machine
    # starves for a second or two (heartbeats every 1 s) are not declared lost
    doomed_side, steady_side = (ServeFarm(serve(workers=workers, FARM_WORKER_TTL_S=TTL_S),
                                          tmp_path) for workers in (2, 1))
    serve(workers=1, FARM_WORKER_TTL_S=TTL_S)  # a third, whose engine and reaper join in
    ran_path = tmp_path / 'ran'
    # slow enough that the doomed agents hold them, unfinished, when they are killed
    steady_side.job_type('held', f'sleep 2; echo held-{{x}} >> {ran_path}')
    steady_side.job_type('work', f'sleep 0.2; echo job-{{x}} >> {ran_path}')
    steady_side.queue('held', [str(n) for n in range(HELD)])
    steady_side.queue('work', [str(n) for n in range(JOBS)])
    run_uuid = steady_side.create_run(RUN_TASKS, command=[
        'sh', '-c', f'sleep 0.2; echo run-{{task}} >> {ran_path}'])
    # cron jobs due in twelve hours, made due at the moment of the crash below
    hour = str((time.gmtime().tm_hour + 12) % 24)
    cron_jobs = [add_job(steady_side, 'Note', job_class_string='outage_jobs.Note',
                         pub_args=[str(ran_path)], hour=hour, minute='0')
                 for _ in range(CRON_JOBS)]

    doomed = [doomed_side.server('--slots', '2', '--job-type', 'held') for _ in range(2)]
    steady_side.wait_for(lambda: Task.select().where(Task.status == 'running').count() == HELD)
    leased = {task.id for task in Task.select().where(Task.status == 'running')}
    # idle for longer than the killed agents' leases take to come back (a ttl, a reaper pass
    # and its stall allowance), or they would leave those tasks to nobody
    steady = [steady_side.server('--slots', '3', '--max-idle', '15') for _ in range(2)]
    steady_side.wait_for(lambda: Task.select().where(Task.status == 'complete').count() >= 5)
    due_at = time.time()
    Schedule.update(next_fire_at=due_at).where(Schedule.public_id.in_(cron_jobs)).execute()
    _kill_coordinator(doomed_side.coordinator)
    for agent in doomed:
        _kill_tree(agent)

    total = HELD + JOBS + RUN_TASKS + CRON_JOBS
    steady_side.wait_for(lambda: Task.select().count() == total and not Task.select().where(
        Task.status != 'complete').exists(), timeout_s=120)
    outputs = [agent.communicate(timeout=60)[0] for agent in steady]
    assert [agent.returncode for agent in steady] == [0, 0], outputs

    # each cron job fired once, for its one due fire time, and counted it once
    fired = collections.Counter((task.schedule_id, task.fire_at) for task in Task.select().where(
        Task.schedule.is_null(False)))
    assert set(fired.values()) == {1} and len(fired) == CRON_JOBS, fired
    assert {fire_at for _, fire_at in fired} == {due_at}
    assert [job.run_count for job in Schedule.select()] == [1] * CRON_JOBS
    # the killed agents' leases were each reaped once: one failed try, one more attempt
    lost = Worker.select().where(Worker.state == 'lost')
    assert lost.count() == 2 and all(w.reason.startswith('no heartbeat') for w in lost)
    tries = {task.id: (task.attempt, task.failed_tries) for task in Task.select()}
    assert {tries[task_id] for task_id in leased} == {(2, 1)}, tries
    assert {tries[task_id] for task_id in tries.keys() - leased} == {(1, 0)}, tries
    # counters moved once per move: nothing left running in a type or a run
    assert {job_type.scheduled_count for job_type in JobType.select()} == {0}
    run = Run.get(Run.uuid == run_uuid)
    assert (run.done_count, run.running_count, run.failed_count) == (RUN_TASKS, 0, 0)
    # and the work was done once each
    ran = collections.Counter(ran_path.read_text().split())
    assert set(ran.values()) == {1} and len(ran) == total, ran
    log = steady_side.coordinator.log_path.read_text()  # every coordinator's
    assert 'Traceback' not in log and 'unhandled error' not in log
    assert log.count('declared lost') == 2, log  # by one process each
    assert sum(map(int, re.findall(r'requeued (\d+) task', log))) == HELD, log
