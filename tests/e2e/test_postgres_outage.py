"""PostgreSQL stopped for 20 s while agents work every family: the coordinator answers 503 with
Retry-After (never a 500), agents and `farm` say why they wait, a coordinator started meanwhile
waits for the database, and everything finishes by itself, each task once.

The server stopped is a private one (tests/e2e/private_postgres.py), never the suite's.
"""

import collections
import os
import re
import subprocess
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime

import peewee
import pytest

from coordinator import db, schema
from coordinator.models import MODELS, Project, Schedule, Task, Worker
from coordinator.store import users
from farmworker.client import NEVER
from farmworker.farm_api import FarmApi
from tests.conftest import PASSWORD
from tests.e2e.conftest import Coordinator, venv_script
from tests.e2e.private_postgres import private_postgres  # noqa: F401 (a fixture)
from tests.e2e.test_ironworker_client import client_of
from tests.e2e.test_ndscheduler import add_job
from tests.e2e.test_serve import ServeFarm
from tui.poller import Feed, Poller
from tui.state import Connection, State

# tests/benchmarks/soak_postgres_outages.py repeats the outage, with as much more work
OUTAGES = int(os.environ.get('FARM_TEST_OUTAGES') or 1)
OUTAGE_S = float(os.environ.get('FARM_TEST_OUTAGE_S') or 20)
UP_S = 5  # between two outages
JOBS, RUN_TASKS, IRON_TASKS = (n * OUTAGES for n in (30, 30, 16))
EXECUTIONS = 2  # run now; one more is the cron job's fire
pytestmark = pytest.mark.timeout(180 + OUTAGES * (OUTAGE_S + UP_S + 30))
# the job class of the ndscheduler job: one line per execution it runs
JOB_MODULE = '''
from farmworker.job_classes import JobBase

class Note(JobBase):
    def run(self, path):
        with open(path, "a") as ran:
            ran.write(f"nd-{self.execution_id}\\n")
        return {"noted": self.execution_id}
'''
IRON_CODE = '''import json, sys
args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
payload = json.load(open(args["-payload"]))
with open(payload["ran"], "a") as ran:
    ran.write(f"iron-{payload['n']}\\n")
'''


@pytest.fixture
def outage_farm(private_postgres, tmp_path, monkeypatch):  # noqa: F811
    """A ServeFarm on the private server, its database fresh; every coordinator stopped after."""
    database = db.bind(db.open_database(private_postgres.url))
    with database.bind_ctx(MODELS):
        database.drop_tables(MODELS, cascade=True, safe=True)
    schema.upgrade()
    users.add_user('alice', PASSWORD)
    db.database.close()
    started = []

    def coordinator(**options) -> Coordinator:
        env = {'FARM_WORKER_TTL_S': '4', 'FARM_ACCESS_LOG': str(tmp_path / 'access.log')}
        started.append(Coordinator(private_postgres.url, tmp_path, 2, env, **options))
        return started[-1]

    farm = ServeFarm(coordinator(), tmp_path)
    farm.start_coordinator = coordinator
    farm.cluster = private_postgres
    (tmp_path / 'outage_jobs.py').write_text(JOB_MODULE)
    monkeypatch.setenv('PYTHONPATH', str(tmp_path))  # the agents import the job class
    yield farm
    for each in started:
        each.stop()
    db.forget_connection()


class Probe(threading.Thread):
    """Reads a page of every family again and again, noting (when, path, status, Retry-After)."""

    def __init__(self, url: str, token: str, paths: list[str]):
        super().__init__(daemon=True)
        self.url, self.token, self.paths = url, token, paths
        self.seen: list[tuple[float, str, int, str | None]] = []
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            for path in self.paths:
                request = urllib.request.Request(self.url + path, headers={
                    'Authorization': f'Bearer {self.token}'})
                try:
                    with urllib.request.urlopen(request, timeout=10) as resp:
                        status, retry_after = resp.status, resp.headers.get('Retry-After')
                except urllib.error.HTTPError as error:
                    status, retry_after = error.code, error.headers.get('Retry-After')
                except OSError:  # no answer at all: status 0, which no assertion accepts
                    status, retry_after = 0, None
                self.seen.append((time.time(), path, status, retry_after))
            time.sleep(0.2)


def _settled(expected_tasks: int) -> bool:
    """Whether every task is complete (False while the test's own connection reconnects)."""
    try:
        return (Task.select().count() == expected_tasks
                and not Task.select().where(Task.status != 'complete').exists())
    except peewee.PeeweeException:
        db.forget_connection()
        return False


def _where_things_are() -> str:
    """Tasks by family, status and attempt, and workers by state: why a wait did not end."""
    db.forget_connection()
    tasks = collections.Counter(
        (task.run_id is not None, task.schedule_id is not None, task.status, task.attempt)
        for task in Task.select())
    errors = [(task.exit_code, task.error_name, (task.log_tail or '')[-300:])
              for task in Task.select().where(Task.status == 'error')]
    return f'tasks (run?, schedule?, status, attempt): {dict(tasks)}; workers: ' + str(
        collections.Counter(worker.state for worker in Worker.select())) + f'; errors: {errors}'



def _access_log(path) -> list[tuple[float, str, int, str]]:
    """(when, request, status, Retry-After) of each line of the coordinators' access log."""
    parsed = []
    for line in path.read_text().splitlines():
        found = re.search(r'\[([^\]]+)\] "([^"]*)" (\d{3}) .* retry-after=(\S+)', line)
        assert found, line
        when = datetime.strptime(found[1], '%d/%b/%Y:%H:%M:%S %z').timestamp()
        parsed.append((when, found[2], int(found[3]), found[4]))
    return parsed


def _farm_cli(farm, *args) -> subprocess.CompletedProcess:
    env = {'FARM_URL': farm.coordinator.url, 'FARM_TOKEN': farm.token, 'FARM_GIVE_UP_S': '3',
           'HOME': str(farm.tmp_path), 'PATH': '/usr/bin:/bin'}
    return subprocess.run([venv_script('farm'), *args], env=env, capture_output=True, text=True,
                          timeout=60)


def _dashboard_state(farm) -> Connection:
    """What farm-tui's status bar would say after one poll, through its own client and poller."""
    poller = Poller(FarmApi(farm.coordinator.url, farm.token, retry=NEVER), 60, print)
    state = State()
    state.apply(poller.fetch(Feed('overview', FarmApi.overview)))
    return state.connection


def test_postgresql_stopped_for_20_s_under_every_family_loses_nothing_and_runs_nothing_twice(
        outage_farm, tmp_path, monkeypatch):
    farm = outage_farm
    ran_path = tmp_path / 'ran'
    # queued jobs of a job type, a taskfarm run, IronWorker tasks, ndscheduler executions
    farm.job_type('work', f'sleep 0.3; echo job-{{x}} >> {ran_path}')
    farm.queue('work', [str(n) for n in range(JOBS)])
    # a run both kinds of agent work: `farmworker run` on it alone, `farmworker serve` among
    # the rest
    run_uuid = farm.create_run(RUN_TASKS, command=[
        'sh', '-c', f'sleep 0.3; echo run-{{task}} >> {ran_path}'])
    iron = client_of(farm.coordinator, farm.token, tmp_path, monkeypatch)
    (tmp_path / 'noter').mkdir()
    (tmp_path / 'noter' / 'main.py').write_text(IRON_CODE)
    iron.upload('noter', name='noter', executable='noter/main.py')
    iron.queue(tasks=[_iron_task(n, ran_path) for n in range(IRON_TASKS)])
    # a cron job due in twelve hours, made due during the outage below
    job_id = add_job(farm, 'Note', job_class_string='outage_jobs.Note', pub_args=[str(ran_path)],
                     hour=str((time.gmtime().tm_hour + 12) % 24), minute='0')
    for _ in range(EXECUTIONS):
        status, answer = farm.call('POST', f'/api/v1/executions/{job_id}')
        assert status == 200, answer
    project = Project.get(Project.name == 'default').hex_id

    agents = [farm.agent(run_uuid, 'sleep 0.3; echo run-{task} >> ran', '--slots', '2'),
              farm.server('--slots', '3', '--max-idle', '4'),
              farm.server('--slots', '3', '--max-idle', '4')]
    farm.wait_for(lambda: Task.select().where(Task.status == 'complete').count() >= 10
                  and Task.select().where(Task.status == 'running').count() >= 3)
    acknowledged = {task.id for task in Task.select().where(Task.status == 'complete')}
    # the cron job falls due in the middle of the outage: it fires once, when the database is back
    due_at = time.time() + OUTAGE_S / 2
    Schedule.update(next_fire_at=due_at).where(Schedule.public_id == job_id).execute()
    db.database.close()
    probe = Probe(farm.coordinator.url, farm.token, [
        '/farm/v1/runs', f'/api/runs/{run_uuid}', f'/2/projects/{project}/tasks',
        '/api/v1/executions', '/v6/job-types/', '/health'])
    probe.start()

    outages = []  # (stopped at, restarted at)
    for outage in range(OUTAGES):
        if outage:
            time.sleep(UP_S)
        stopped_at = time.time()
        farm.cluster.stop()
        if not outage:
            time.sleep(2)
            # a person at the prompt is told, in one line; a coordinator started now waits
            told = [_farm_cli(farm, 'runs'), _farm_cli(farm, 'queue')]
            dashboard = _dashboard_state(farm)
            latecomer = farm.start_coordinator(log_name='latecomer.log', wait=False)
        time.sleep(max(0.0, stopped_at + OUTAGE_S - time.time()))
        assert latecomer.process.poll() is None, latecomer.log_path.read_text()
        outages.append((stopped_at, time.time()))
        farm.cluster.start()
        if not outage:
            latecomer.wait_ready(timeout_s=40)

    try:
        farm.wait_for(lambda: _settled(JOBS + RUN_TASKS + IRON_TASKS + EXECUTIONS + 1),
                      timeout_s=90)
    except AssertionError:
        raise AssertionError(_where_things_are() + farm.coordinator.log_path.read_text()[-3000:]
                             + ''.join(agent.communicate(timeout=60)[0][-2000:]
                                       for agent in agents)) from None
    outputs = [agent.communicate(timeout=60)[0] for agent in agents]
    probe.done.set()
    probe.join(15)

    assert [agent.returncode for agent in agents] == [0, 0, 0], outputs
    for output in outputs:  # each agent backed off, and said why, as the outage began and ended
        assert 'coordinator unavailable (HTTP 503: database unavailable, retry shortly); ' \
               'retrying at least every' in output, output
        assert 'coordinator back after' in output, output
    for result in told:
        assert result.returncode == 1 and 'Traceback' not in result.stderr, result
        assert 'unavailable (HTTP 503: database unavailable, retry shortly)' in result.stderr, \
            result.stderr
    assert (dashboard.kind, dashboard.message) == (
        'unavailable', 'database unavailable, retry shortly (HTTP 503)')
    latecomer_log = latecomer.log_path.read_text()
    assert 'unavailable (connection to server at' in latecomer_log
    assert 'waiting for it, next try in' in latecomer_log and 'is back after' in latecomer_log
    for log in (farm.coordinator.log_path.read_text(), latecomer_log):
        assert 'Traceback' not in log and 'unhandled error' not in log
    # the coordinator's two processes each said the outage began and ended, not a line per 503
    log = farm.coordinator.log_path.read_text()
    assert log.count('database unavailable: ') == 2 * OUTAGES, log
    assert log.count('database available again after') == 2 * OUTAGES, log
    assert log.count('database still unavailable') <= 2 * OUTAGES * (OUTAGE_S // 30), log

    # every answer while the database was down was a 503 with Retry-After; none was ever a 500
    logged = _access_log(tmp_path / 'access.log')
    assert not [line for line in logged if line[2] >= 500 and line[2] != 503]
    for stopped_at, restarted_at in outages:
        down = [seen for seen in probe.seen if stopped_at + 1 < seen[0] < restarted_at]
        assert len(down) > 30 and {seen[2] for seen in down} == {503}, down
        assert all(seen[3] == '1' for seen in down)
        during = [line for line in logged if stopped_at + 1 < line[0] < restarted_at - 1
                  and line[1] not in ('GET /openapi.json', 'GET /')]
        assert {line[2] for line in during} == {503} and {line[3] for line in during} == {'1'}
        assert len([line for line in during if '/farm/v1/' in line[1]]) > 20, during
    assert probe.seen[-1][2] == 200
    assert farm.token not in (tmp_path / 'access.log').read_text()

    # everything finished by itself: each task once, nothing acknowledged lost
    assert acknowledged <= {task.id for task in Task.select().where(Task.status == 'complete')}
    assert Worker.select().where(Worker.state == 'lost').count() == 0
    assert {task.attempt for task in Task.select()} == {1}
    fired = Task.select().where(Task.schedule.is_null(False), Task.fire_at.is_null(False))
    fire_times = collections.Counter(task.fire_at for task in fired)
    assert fire_times[due_at] == 1 and set(fire_times.values()) == {1}, fire_times
    executions = [task.id for task in Task.select().where(Task.schedule.is_null(False))]
    ran = collections.Counter(ran_path.read_text().split())
    assert set(ran.values()) == {1}, ran
    assert len(ran) == JOBS + RUN_TASKS + IRON_TASKS + len(executions)
    assert farm.status(run_uuid)['done'] == RUN_TASKS
    status, listed = farm.call('GET', '/api/v1/executions')
    assert {found['state'] for found in listed['executions']} == {'succeeded'}


def _iron_task(n: int, ran_path):
    from iron_worker import Task as IronTask
    return IronTask(code_name='noter', payload={'n': n, 'ran': str(ran_path)})
