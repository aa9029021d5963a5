"""/api/v1/logs: the audit trail of jobs in a time window, offsets converted, 400 if bad."""

import datetime
import time

import pytest

from coordinator.cron import trigger
from coordinator.store import schedules
from coordinator.store.schedules import CronJob
from tests.coordinator.api.ndscheduler.conftest import EXAMPLE, JOBS, LOGS, add, call

HOUR_AGO = time.time() - 3600


def iso(epoch_s: float, offset_h: int = 0) -> str:
    zone = datetime.timezone(datetime.timedelta(hours=offset_h))
    return datetime.datetime.fromtimestamp(epoch_s, zone).isoformat()


def test_each_change_is_logged_with_the_users_name_newest_first(client, alice_auth):
    job_id = add(client, alice_auth)
    call(client, alice_auth, 'PUT', f'{JOBS}/{job_id}', {**EXAMPLE, 'name': 'renamed',
                                                          'hour': '3'})
    call(client, alice_auth, 'PATCH', f'{JOBS}/{job_id}')
    call(client, alice_auth, 'OPTIONS', f'{JOBS}/{job_id}')
    call(client, alice_auth, 'DELETE', f'{JOBS}/{job_id}')
    logs = call(client, alice_auth, 'GET', LOGS)['logs']
    assert [(log['event'], log['job_name'], log['user'], log['job_id']) for log in logs] == [
        ('deleted', 'renamed', 'alice', job_id), ('resumed', 'renamed', 'alice', job_id),
        ('paused', 'renamed', 'alice', job_id), ('modified', 'renamed', 'alice', job_id),
        ('added', 'My first job', 'alice', job_id)]
    assert logs[3]['description'] == 'name: "My first job" => "renamed"\nhour: "*" => "3"'
    assert '"name": "renamed"' in logs[0]['description']
    assert all(set(log) == {'job_id', 'job_name', 'event', 'user', 'created_time',
                            'description'} for log in logs)
    times = [datetime.datetime.fromisoformat(log['created_time']) for log in logs]
    assert times == sorted(times, reverse=True) and times[0].utcoffset() == datetime.timedelta(0)


@pytest.fixture
def old_job(alice_principal) -> float:
    """A job added an hour ago (outside the default window); when."""
    schedules.add_job(alice_principal, CronJob('old', 'a.B', trigger({'minute': 1})),
                      now=HOUR_AGO)
    return HOUR_AGO


def test_the_last_ten_minutes_unless_told(client, alice_auth, old_job):
    add(client, alice_auth, name='new')
    assert [log['job_name'] for log in call(client, alice_auth, 'GET', LOGS)['logs']] == ['new']


def test_a_window_with_offsets_is_converted_not_overwritten(client, alice_auth, old_job):
    add(client, alice_auth, name='new')
    for offset in (0, -5, 9):
        logs = call(client, alice_auth, 'GET', LOGS, time_range_start=iso(old_job - 1, offset),
                    time_range_end=iso(old_job + 1, offset))['logs']
        assert [log['job_name'] for log in logs] == ['old'], offset
    around = {'time_range_start': iso(old_job - 1)[:-6], 'time_range_end': iso(old_job + 1)[:-6]}
    assert [log['job_name'] for log in call(client, alice_auth, 'GET', LOGS, **around)['logs']
            ] == ['old']  # without an offset a time is UTC, as on ndscheduler
    with_z = {'time_range_start': iso(old_job - 1)[:-6] + 'Z', 'time_range_end': 'PT0S'}
    assert len(call(client, alice_auth, 'GET', LOGS, **with_z)['logs']) == 2


def test_only_an_end_means_the_ten_minutes_before_it(client, alice_auth, old_job):
    logs = call(client, alice_auth, 'GET', LOGS, time_range_end=iso(old_job + 300))['logs']
    assert [log['job_name'] for log in logs] == ['old']


@pytest.mark.parametrize('params, says', [
    ({'time_range_start': 'yesterday'}, 'time_range_start must be an ISO 8601 time'),
    ({'time_range_end': '1450000000'}, 'time_range_end must be an ISO 8601 time'),
    ({'time_range_start': '2015-12-19T00:31:50.313Z', 'time_range_end': '2015-12-18T00:00Z'},
     'time_range_start is after time_range_end'),
    ({'time_range_start': '0001-01-01T00:00:00+01:00'}, 'outside the calendar'),
    ({'time_range_start': 'P1M'}, 'months or years'),
])
def test_a_bad_time_range_is_a_400(client, alice_auth, params, says):
    answer = call(client, alice_auth, 'GET', LOGS, status=400, **params)
    assert set(answer) == {'error'} and says in answer['error']


def test_another_projects_logs_are_not_shown(client, alice_auth, bob_auth):
    add(client, alice_auth)
    assert call(client, bob_auth, 'GET', LOGS) == {'logs': []}
