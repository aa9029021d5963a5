"""`farm schedules` and `farm schedule pause|resume|delete` as a user runs them, live."""

import json
import urllib.request

import pytest

from tests.e2e.test_farm_cli import Farm

pytestmark = pytest.mark.timeout(120)


class CronFarm(Farm):
    """`farm` against a coordinator, and cron jobs added over /api/v1/ as ndscheduler's UI does."""

    def add(self, **job) -> str:
        request = urllib.request.Request(
            self.coordinator.url + '/api/v1/jobs', method='POST', data=json.dumps(job).encode(),
            headers={'Authorization': f'Bearer {self.token}', 'Content-Type': 'application/json'})
        with urllib.request.urlopen(request, timeout=10) as resp:
            return json.loads(resp.read())['job_id']


@pytest.fixture
def farm(serve, tmp_path):
    farm = CronFarm(serve(workers=2), tmp_path)
    yield farm
    farm.cleanup()


def test_a_user_lists_pauses_resumes_and_deletes_schedules_by_the_start_of_their_ids(farm):
    assert farm('schedules').stdout.strip() == 'No schedules.'
    nightly = farm.add(name='nightly backup', job_class_string='backups.Nightly', hour='2',
                       timezone='Europe/Oslo')
    minutely = farm.add(name='poll', job_class_string='poll.Poll', minute='*/1')
    shown = farm('schedules')
    assert shown.returncode == 0, shown.stderr
    assert 'nightly backup' in shown.stdout and 'hour=2 minute=0 (Europe/Oslo)' in shown.stdout
    listed = farm.json('schedules')['schedules']
    assert [row['id'] for row in listed] == [minutely, nightly]

    paused = farm('schedule', 'pause', nightly[:8])
    assert paused.returncode == 0 and f'schedule {nightly} (nightly backup) paused' in paused.stdout
    assert farm.json('schedules')['schedules'][1]['is_paused'] is True
    assert 'paused' in farm('schedules').stdout
    assert farm.json('schedule', 'resume', nightly)['action'] == 'resume'
    assert farm.json('schedules')['schedules'][1]['is_paused'] is False
    assert farm('schedule', 'delete', minutely[:6]).returncode == 0
    assert [row['id'] for row in farm.json('schedules')['schedules']] == [nightly]

    unknown = farm('schedule', 'pause', 'ffffffff')
    assert unknown.returncode == 1 and 'no schedule ffffffff' in unknown.stderr


def test_a_user_adds_shows_and_runs_a_cron_job_with_farm(farm):
    added = farm.json('schedule', 'add', 'nightly', '--class', 'mylab.jobs.Backup', '--hour',
                      '2', '--timezone', 'Europe/Oslo', '--args', '["/data", 3]')
    assert (added['hour'], added['minute'], added['pub_args']) == ('2', '0', ['/data', 3])
    job_id = added['job_id']
    shown = farm('schedule', 'show', job_id[:8])
    assert shown.returncode == 0, shown.stderr
    assert 'hour=2 minute=0 (Europe/Oslo)' in shown.stdout and 'mylab.jobs.Backup' in shown.stdout
    ran = farm.json('schedule', 'run', job_id[:8])
    request = urllib.request.Request(
        f"{farm.coordinator.url}/api/v1/executions/{ran['execution_id']}",
        headers={'Authorization': f'Bearer {farm.token}'})
    with urllib.request.urlopen(request, timeout=10) as resp:
        execution = json.loads(resp.read())
    assert (execution['state'], execution['job']['job_id']) == ('scheduled', job_id)
    no_field = farm('schedule', 'add', 'never', '--class', 'a.B')
    assert no_field.returncode == 1 and 'at least one cron field' in no_field.stderr
    bad = farm('schedule', 'add', 'bad', '--class', 'a.B', '--minute', '99')
    assert bad.returncode == 1 and 'minute' in bad.stderr


def test_a_user_schedules_a_taskfarm_run_with_farm_and_runs_it_now(farm):
    added = farm.json('schedule', 'add', 'sweep', '--class',
                      'farmworker.job_classes.TaskfarmRunJob', '--hour', '2', '--kwargs',
                      '{"num_tasks": 3, "command": ["./simulate", "{task}"]}')
    assert added['job_class_string'] == 'farmworker.job_classes.TaskfarmRunJob'
    ran = farm.json('schedule', 'run', added['job_id'][:8])
    request = urllib.request.Request(
        f"{farm.coordinator.url}/api/v1/executions/{ran['execution_id']}",
        headers={'Authorization': f'Bearer {farm.token}'})
    with urllib.request.urlopen(request, timeout=10) as resp:
        execution = json.loads(resp.read())
    assert execution['state'] == 'succeeded', execution
    listed = farm('runs')
    assert listed.returncode == 0 and 'sweep' in listed.stdout, listed.stdout
    no_tasks = farm('schedule', 'add', 'bad', '--class', 'farmworker.job_classes.TaskfarmRunJob',
                    '--hour', '2', '--kwargs', '{"command": ["x"]}')
    assert no_tasks.returncode == 1 and 'num_tasks' in no_tasks.stderr
    taken = farm('schedule', 'add', 'bad', '--class', 'a.B', '--hour', '2', '--kwargs',
                 '{"hour": "3"}')
    assert taken.returncode == 2 and 'own options' in taken.stderr
