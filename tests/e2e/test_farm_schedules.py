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
