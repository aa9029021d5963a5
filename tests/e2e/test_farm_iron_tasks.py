"""`farm iron-tasks` and `farm task cancel IRON_ID` as a user runs them, live: IronWorker tasks
listed with their ids, and cancelled, a running one stopped on its serve agent."""

import io
import time
import zipfile

import pytest
import requests

from coordinator import db
from coordinator.models import Project
from tests.e2e.test_farm_cli import Farm
from tests.e2e.test_serve import ServeFarm

pytestmark = pytest.mark.timeout(180)


class IronFarm(Farm):
    """`farm` against a coordinator, with code packages uploaded and tasks queued over /2/,
    and serve agents to run them."""

    server = ServeFarm.server

    def __init__(self, coordinator, tmp_path):
        super().__init__(coordinator, tmp_path)
        self.base = (f'{coordinator.url}/2/projects/'
                     f'{Project.get(Project.name == "default").hex_id}')
        db.database.close()

    def upload(self, name: str, script: str) -> None:
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, 'w') as package:
            package.writestr('run.sh', script)
        resp = requests.post(f'{self.base}/codes', headers=self._auth(), timeout=10, files={
            'data': (None, f'{{"name": "{name}", "runtime": "sh", "file_name": "run.sh"}}'),
            'file': ('code.zip', archive.getvalue(), 'application/zip')})
        assert resp.status_code == 200, resp.text

    def queue(self, *tasks: dict) -> list[str]:
        resp = requests.post(f'{self.base}/tasks', json={'tasks': list(tasks)},
                             headers=self._auth(), timeout=10)
        assert resp.status_code == 200, resp.text
        return [task['id'] for task in resp.json()['tasks']]

    def status(self, iron_id: str) -> str:
        return requests.get(f'{self.base}/tasks/{iron_id}', headers=self._auth(),
                            timeout=10).json()['status']

    def _auth(self) -> dict:
        return {'Authorization': f'OAuth {self.token}'}


@pytest.fixture
def farm(serve, tmp_path):
    farm = IronFarm(serve(workers=2, FARM_WORKER_TTL_S='4'), tmp_path)
    yield farm
    farm.cleanup()


def test_iron_tasks_lists_them_with_their_ids_by_code_and_status(farm):
    assert farm('iron-tasks').stdout.strip() == 'No IronWorker tasks.'
    farm.upload('hello', 'echo hello\n')
    farm.upload('bye', 'echo bye\n')
    hello = farm.queue({'code_name': 'hello', 'priority': 2, 'label': 'nightly'},
                       {'code_name': 'hello'})
    (bye,) = farm.queue({'code_name': 'bye'})
    listed = farm('iron-tasks')
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ['ID', 'CODE', 'REV', 'STATUS', 'PRIORITY', 'CREATED',
                                'DURATION', 'MESSAGE']
    assert [line.split()[:5] for line in lines[1:]] == [
        [bye, 'bye', '1', 'queued', '0'], [hello[1], 'hello', '1', 'queued', '0'],
        [hello[0], 'hello', '1', 'queued', '2']]
    assert lines[3].split()[-1] == 'nightly'
    facts = farm.json('iron-tasks', 'hello', '--status', 'queued', '--limit', '1')
    assert [(task['id'], task['code_name']) for task in facts['tasks']] == [(hello[1], 'hello')]
    assert farm('iron-tasks', '--status', 'running').stdout.strip() == (
        'No running IronWorker tasks.')
    assert farm('iron-tasks', '--limit', '0').stderr.startswith('farm: --limit must be')


def test_task_cancel_cancels_a_queued_task_once_and_refuses_bad_ids(farm):
    farm.upload('hello', 'echo hello\n')
    (task,) = farm.queue({'code_name': 'hello', 'delay': 3600})
    cancelled = farm('task', 'cancel', task)
    assert cancelled.returncode == 0, cancelled.stderr
    assert cancelled.stdout.strip() == f'Cancelled IronWorker task {task} of hello'
    assert farm.status(task) == 'cancelled'
    again = farm('task', 'cancel', task)
    assert again.returncode == 1 and 'already finished (cancelled)' in again.stderr
    unknown = farm('task', 'cancel', '00007a5c' + '0' * 15 + '9')
    assert unknown.returncode == 1 and unknown.stderr.startswith('farm: ')
    bad = farm('task', 'cancel', 'nope')
    assert bad.returncode == 1 and 'not an IronWorker task id' in bad.stderr


def test_task_cancel_run_n_cancels_a_runs_task(farm):
    resp = requests.post(f'{farm.coordinator.url}/farm/v1/runs', timeout=10,
                         json={'num_tasks': 3, 'command': ['true']},
                         headers={'Authorization': f'Bearer {farm.token}'})
    assert resp.status_code == 201, resp.text
    run = resp.json()['uuid']
    cancelled = farm('task', 'cancel', run[:8], '1')
    assert cancelled.returncode == 0, cancelled.stderr
    assert cancelled.stdout.strip() == f'Cancelled task 1 of run {run[:8]}'
    assert farm.json('task', run, '1')['status'] == 'cancelled'


def test_task_cancel_stops_a_running_task_on_its_serve_agent(farm):
    farm.upload('sleepy', 'echo started\nsleep 300\n')
    (task,) = farm.queue({'code_name': 'sleepy'})
    agent = farm.server('--slots', '1')
    deadline = time.monotonic() + 60
    while farm.status(task) != 'running':
        assert time.monotonic() < deadline and agent.poll() is None
        time.sleep(0.2)
    facts = farm.json('task', 'cancel', task)
    assert (facts['id'], facts['status'], facts['code_name']) == (task, 'cancelled', 'sleepy')
    # the agent stops the task at its next heartbeat, then leaves once idle (--max-idle 2)
    output = agent.communicate(timeout=90)[0]
    assert agent.returncode == 0, output
    assert farm.status(task) == 'cancelled'
    assert farm.json('iron-tasks', '--status', 'cancelled')['tasks'][0]['id'] == task
