"""The unmodified iron-worker 1.3.8 client queues tasks that a real `farmworker serve` runs:
queue one and several, read, list with filters and pages, progress, log, retry, cancel, wait."""

import json
import time

import pytest
import requests
from iron_worker import Task

from tests.e2e.test_ironworker_client import client_of
from tests.e2e.test_serve import ServeFarm

pytestmark = pytest.mark.timeout(240)
HELLO = ('import json, sys\n'
         'args = dict(zip(sys.argv[1::2], sys.argv[2::2]))\n'
         'payload = json.load(open(args["-payload"]))\n'
         'print("hello", payload["who"], "task", args["-id"])\n')
FAILING = 'print("about to fail")\nraise SystemExit(1)\n'


@pytest.fixture
def farm(serve, tmp_path, monkeypatch):
    """(alice's IronWorker client on a live coordinator, the farm its agents serve)."""
    # a short ttl: agents heartbeat every second or so, and hear of cancels as soon
    farm = ServeFarm(serve(workers=2, FARM_WORKER_TTL_S='4'), tmp_path)
    return client_of(farm.coordinator, farm.token, tmp_path, monkeypatch), farm


def _upload(worker, tmp_path, name: str, source: str):
    (tmp_path / name).mkdir()
    (tmp_path / name / 'main.py').write_text(source)
    return worker.upload(name, name=name, executable=f'{name}/main.py')


def _serve(farm) -> str:
    agent = farm.server('--slots', '2')
    output = agent.communicate(timeout=180)[0]
    assert agent.returncode == 0, output
    return output


def test_queued_tasks_run_on_a_serve_agent_and_end_complete_with_their_output(farm, tmp_path):
    worker, farm = farm
    _upload(worker, tmp_path, 'hello', HELLO)
    one = worker.queue(code_name='hello', payload={'who': 'one'}, label='first')
    several = worker.queue(tasks=[worker_task(who) for who in ('two', 'three')])
    assert len(one.id) == 24 and [len(task.id) for task in several] == [24, 24]
    read = worker.task(one.id)
    assert (read.status, read.code_name, read.code_rev, read.payload) == (
        'queued', 'hello', '1', {'who': 'one'})
    worker.setProgress(one.id, 42, 'on its way')
    progressed = worker.task(one.id)
    assert (progressed.percent, progressed.message) == (42, 'on its way')
    _serve(farm)
    done = worker.wait_for_task(one)
    assert done.status == 'complete' and done.duration >= 0
    assert worker.log(one.id) == f'hello one task {one.id}\n'
    assert worker.stdout(several[1].id) == f'hello three task {several[1].id}\n'
    listed = worker.tasks(complete=True)
    assert [task.id for task in listed] == [several[1].id, several[0].id, one.id]
    assert [task.id for task in worker.tasks(page=1, per_page=1)] == [several[0].id]
    assert worker.tasks(queued=True) == []
    now = int(time.time())
    assert len(worker.tasks(code_name='hello', from_time=now - 600, to_time=now + 600)) == 3
    assert worker.tasks(code_name='hello', from_time=now + 600) == []
    again = worker.retry(one.id, delay=0)['tasks'][0]['id']
    assert worker.task(again).status == 'queued'
    _serve(farm)
    assert worker.wait_for_task(worker.task(again)).status == 'complete'


def worker_task(who: str) -> Task:
    return Task(code_name='hello', payload={'who': who})


def test_a_failing_task_is_retried_then_ends_error(farm, tmp_path):
    worker, farm = farm
    code = _upload(worker, tmp_path, 'failing', FAILING)
    options = requests.post(
        f'http://127.0.0.1:{farm.coordinator.port}/2/projects/{worker.client.project_id}/codes',
        files={'data': (None, json.dumps({'name': 'failing', 'retries': 1}))},
        headers={'Authorization': f'OAuth {farm.token}'}, timeout=10)
    assert options.status_code == 200 and options.json()['retries'] == 1, options.text
    task = worker.queue(code_name='failing', payload='{}')
    _serve(farm)
    done = worker.wait_for_task(task)
    assert done.status == 'error'
    raw = requests.get(f'http://127.0.0.1:{farm.coordinator.port}/2/projects/'
                       f'{worker.client.project_id}/tasks/{task.id}',
                       headers={'Authorization': f'OAuth {farm.token}'}, timeout=10).json()
    assert (raw['retry_count'], raw['run_times']) == (2, 2)
    assert 'about to fail' in worker.log(task.id)
    assert code.id == raw['code_id']


def test_cancel_and_a_payload_over_64_kb_through_the_client(farm, tmp_path):
    worker, farm = farm
    _upload(worker, tmp_path, 'hello', HELLO)
    later = worker.queue(code_name='hello', payload={'who': 'later'}, delay=3600)
    assert worker.cancel(later.id) is True
    assert worker.task(later.id).status == 'cancelled'
    with pytest.raises(requests.HTTPError) as caught:
        worker.queue(code_name='hello', payload='x' * (65 * 1024))
    assert caught.value.response.status_code == 413
    with pytest.raises(requests.HTTPError) as caught:
        worker.log(later.id)
    assert caught.value.response.status_code == 404


def test_cancelling_a_running_task_stops_it_on_its_agent(farm, tmp_path):
    worker, farm = farm
    _upload(worker, tmp_path, 'sleepy', 'import time\nprint("started", flush=True)\n'
                                        'time.sleep(300)\n')
    task = worker.queue(code_name='sleepy', payload='{}')
    agent = farm.server('--slots', '1')
    deadline = time.monotonic() + 60
    while worker.task(task.id).status != 'running':
        assert time.monotonic() < deadline and agent.poll() is None
        time.sleep(0.2)
    assert worker.cancel(task.id) is True
    # the agent stops the task at its next heartbeat, then leaves once idle (--max-idle 2)
    output = agent.communicate(timeout=90)[0]
    assert agent.returncode == 0, output
    assert worker.task(task.id).status == 'cancelled'


def test_a_tasks_code_gets_its_packages_config_file_and_env_vars(farm, tmp_path):
    worker, farm = farm
    _upload(worker, tmp_path, 'settings', 'import os, sys\n'
                                          'args = dict(zip(sys.argv[1::2], sys.argv[2::2]))\n'
                                          'print(os.environ["GREETING"], os.environ["WHO"])\n'
                                          'print(open(args["-config"]).read())\n'
                                          'print(open(os.environ["CONFIG_FILE"]).read())\n')
    # as Go and ironcli send them: the options alone, in the data part
    data = {'name': 'settings', 'config': 'db: prod', 'env_vars': {'GREETING': 'hello',
                                                                   'WHO': 'world'}}
    options = requests.post(
        f'http://127.0.0.1:{farm.coordinator.port}/2/projects/{worker.client.project_id}/codes',
        files={'data': (None, json.dumps(data))},
        headers={'Authorization': f'OAuth {farm.token}'}, timeout=10)
    assert options.status_code == 200, options.text
    assert (options.json()['rev'], options.json()['env_vars']) == (2, data['env_vars'])
    assert worker.code(options.json()['id']).revision == 2
    task = worker.queue(code_name='settings', payload='{}')
    _serve(farm)
    assert worker.wait_for_task(task).status == 'complete'
    assert worker.log(task.id) == 'hello world\ndb: prod\ndb: prod\n'


def test_a_long_log_is_kept_whole_up_to_the_cap_and_its_tail_beyond(serve, tmp_path,
                                                                      monkeypatch):
    farm = ServeFarm(serve(workers=2, FARM_MAX_LOG_BYTES='40000'), tmp_path)
    worker = client_of(farm.coordinator, farm.token, tmp_path, monkeypatch)
    _upload(worker, tmp_path, 'chatty', 'import json, sys\n'
                                        'args = dict(zip(sys.argv[1::2], sys.argv[2::2]))\n'
                                        'lines = json.load(open(args["-payload"]))["lines"]\n'
                                        'for n in range(lines):\n'
                                        '    print(f"line {n:07d} of output")\n')
    within, beyond = (worker.queue(code_name='chatty', payload={'lines': lines})
                      for lines in (1500, 5000))  # 23 bytes a line: 34.5 KB and 115 KB
    _serve(farm)
    assert worker.wait_for_task(within).status == 'complete'
    assert worker.log(within.id) == ''.join(f'line {n:07d} of output\n' for n in range(1500))
    kept = worker.log(beyond.id)
    first, rest = kept.split('\n', 1)
    assert first == ('[farmworker: the first 75,000 bytes of this 115,000-byte log were cut; '
                     'its last 40,000 bytes follow]')
    assert rest == ''.join(f'line {n:07d} of output\n' for n in range(5000))[-40000:]
