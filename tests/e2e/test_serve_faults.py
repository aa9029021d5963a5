"""kill -9 of `farmworker serve` agents, and of the whole coordinator, while agents work a run,
queued jobs, IronWorker tasks and ndscheduler executions: every task still ends complete, once,
and nothing acknowledged is lost."""

import collections
import io
import json
import time
import zipfile

import psutil
import pytest
import requests

from coordinator.models import Project, Task, Worker
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
    _work_killing_one_agent_repeatedly(farm, JOBS + RUN_TASKS)

    assert farm.status(run['uuid'])['done'] == RUN_TASKS
    ran = collections.Counter((tmp_path / 'ran').read_text().split())
    expected = {f'job-{n}' for n in range(JOBS)} | {f'run-{n}' for n in range(RUN_TASKS)}
    assert set(ran) == expected  # none lost
    # a task killed after it wrote but before it was reported runs again: at most once per slot
    # of each killed agent, and each such task has a later attempt than its first
    again = {name for name, count in ran.items() if count > 1}
    assert len(again) <= KILLS * 4
    retried = Task.select().where(Task.attempt > 1).count()
    assert retried >= len(again)


def _work_killing_one_agent_repeatedly(farm, tasks: int, steady_slots: int = 4) -> None:
    """Two `farmworker serve` agents work until the `tasks` tasks are all complete, while
    one of them (4 slots) is killed KILLS times mid-task (started again each time); the
    survivor and the last of the doomed exit 0 once drained. Few slots for the survivor
    leave the doomed agent work to hold when there are few tasks."""
    # idle for 10 s before leaving: the last killed agent's tasks come back only once it is
    # judged lost (ttl 2 s, and longer when a loaded machine delays the reaper's passes)
    args = ('--max-idle', '10', '--slots')
    steady = farm.server(*args, str(steady_slots))
    doomed = farm.server(*args, '4')
    for _ in range(KILLS):
        # the doomed agent itself holds tasks (on a loaded machine it may not have registered
        # yet when the steady one already holds four): its death is then a loss to see
        farm.wait_for(lambda: Task.select().join(Worker).where(
            Worker.pid == doomed.pid, Task.status == 'running').exists())
        time.sleep(0.5)  # let it hold tasks mid-run, some finished and unreported
        _kill_tree(doomed)
        doomed = farm.server(*args, '4')
    try:
        farm.wait_for(lambda: Task.select().where(Task.status != 'complete').count() == 0
                      and Task.select().count() == tasks, timeout_s=150)
    except AssertionError:
        for agent in (steady, doomed):
            agent.kill()
        raise AssertionError(f'tasks by (status, attempt): {_tasks_by_state()}; agents said '
                             + ''.join(agent.communicate()[0][-2000:]
                                       for agent in (steady, doomed))) from None
    for agent in (steady, doomed):
        output, _ = agent.communicate(timeout=60)
        assert agent.returncode == 0, output
    assert Worker.select().where(Worker.state == 'lost').count() == KILLS


def _tasks_by_state() -> dict:
    return dict(collections.Counter((task.status, task.attempt) for task in Task.select()))


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
    assert all('coordinator unavailable (' in output and 'coordinator back after' in output
               for output in outputs), 'the agents saw the outage, and said so'
    assert acknowledged <= {task.id for task in Task.select().where(Task.status == 'complete')}
    assert farm.status(run['uuid'])['done'] == RUN_TASKS
    ran = collections.Counter((tmp_path / 'ran').read_text().split())
    assert set(ran) == {f'job-{n}' for n in range(JOBS)} | {f'run-{n}' for n in range(RUN_TASKS)}
    assert max(ran.values()) == 1, 'no agent was judged lost: nothing ran twice'


IRON_TASKS, EXECUTIONS = 40, 10


def _iron(farm, method: str, path: str, **kwargs) -> dict:
    """A call to alice's project under /2/, as IronWorker clients make it; its JSON answer."""
    project = Project.get(Project.name == 'default').hex_id
    answer = requests.request(method, f'{farm.coordinator.url}/2/projects/{project}{path}',
                              headers={'Authorization': f'OAuth {farm.token}'}, timeout=30,
                              **kwargs)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _zip(name: str, text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as archive:
        archive.writestr(name, text)
    return buffer.getvalue()


def test_agents_killed_mid_task_leave_every_ironworker_task_complete(farm, tmp_path, database):
    # retries: 0 (IronWorker's default): a killed agent is not the code's error, so what it
    # held runs again without using a retry (coordinator/store/lost_tasks.py)
    note = f'sleep 1; echo "$(cat "$PAYLOAD_FILE") $TASK_ID" >> {tmp_path / "ran"}\n'
    code = _iron(farm, 'POST', '/codes', files={
        'data': (None, json.dumps({'name': 'noter', 'runtime': 'sh', 'file_name': 'note.sh',
                                   'retries': 0})),
        'file': ('noter.zip', _zip('note.sh', note), 'application/zip')})
    assert code['retries'] == 0, code
    queued = _iron(farm, 'POST', '/tasks', json={'tasks': [
        {'code_name': 'noter', 'payload': f'iron-{n}'} for n in range(IRON_TASKS)]})['tasks']
    _work_killing_one_agent_repeatedly(farm, IRON_TASKS, steady_slots=1)

    shown = [_iron(farm, 'GET', f'/tasks/{task["id"]}') for task in queued]
    assert {(task['status'], task['retry_count']) for task in shown} == {('complete', 0)}
    lines = (tmp_path / 'ran').read_text().splitlines()
    ran = collections.Counter(line.split()[0] for line in lines)
    assert set(ran) == {f'iron-{n}' for n in range(IRON_TASKS)}  # none lost
    # what ran twice is what a killed agent held: each such task is on a later attempt
    again = {line.split()[1] for line in lines if ran[line.split()[0]] > 1}
    run_times = {task['id']: task['run_times'] for task in shown}
    assert len(again) <= KILLS * 4 and all(run_times[task_id] > 1 for task_id in again)
    assert sum(times > 1 for times in run_times.values()) >= KILLS  # each kill took some


def test_agents_killed_mid_execution_leave_each_ndscheduler_execution_succeeded_once(
        farm, tmp_path, database):
    status, job = farm.call('POST', '/api/v1/jobs', {
        'name': 'nap', 'job_class_string': 'farmworker.job_classes.ShellJob', 'minute': '0',
        'hour': str((time.gmtime().tm_hour + 12) % 24),  # due in hours: only the runs below
        'pub_args': ['sh', '-c', f'sleep 2; echo "nd-$FARM_TASK" >> {tmp_path / "ran"}']})
    assert status == 201, job
    started = []
    for _ in range(EXECUTIONS):
        status, answer = farm.call('POST', f'/api/v1/executions/{job["job_id"]}')
        assert status == 200, answer
        started.append(answer['execution_id'])
    assert len(set(started)) == EXECUTIONS
    _work_killing_one_agent_repeatedly(farm, EXECUTIONS, steady_slots=1)

    status, listed = farm.call('GET', '/api/v1/executions')
    assert status == 200, listed
    states = {found['execution_id']: found['state'] for found in listed['executions']}
    assert states == dict.fromkeys(started, 'succeeded')  # none stuck running, none failed
    for execution_id in started:
        found = farm.call('GET', f'/api/v1/executions/{execution_id}')[1]
        assert json.loads(found['result'])['returncode'] == 0, found
    ran = collections.Counter((tmp_path / 'ran').read_text().split())
    assert set(ran) == {f'nd-{int(execution_id, 16)}' for execution_id in started}
    again = [name for name, count in ran.items() if count > 1]
    assert len(again) <= KILLS * 4
    assert Task.select().where(Task.attempt > 1).count() >= max(len(again), KILLS)
