"""GET /farm/v1/schedules: every family's schedules as people read them, the next to fire first."""

from coordinator.models import Project, Schedule, Task
from coordinator.store import users
from coordinator.store.access import Scope
from tests.conftest import basic
from tests.coordinator.api.farm.conftest import get
from tests.coordinator.api.ironworker.conftest import call as iron_call
from tests.coordinator.api.ironworker.conftest import upload_hello
from tests.coordinator.api.ndscheduler.conftest import JOBS, add, call

SCHEDULES = '/farm/v1/schedules'


def test_schedules_are_listed_next_to_fire_first_with_paused_ones_last(client, alice_auth):
    hourly = add(client, alice_auth, name='hourly', minute=None, hour='*/1')
    every_minute = add(client, alice_auth, name='every minute', minute='*/1')
    nightly = add(client, alice_auth, name='nightly', minute=None, hour='3',
                  timezone='Europe/Paris')
    call(client, alice_auth, 'PATCH', f'{JOBS}/{hourly}')
    listed = get(client, alice_auth, SCHEDULES)['schedules']
    assert [row['id'] for row in listed] == [every_minute, nightly, hourly]
    first = listed[0]
    assert {key: first[key] for key in ('family', 'name', 'kind', 'when', 'timezone',
                                        'is_paused', 'run_count', 'last_state',
                                        'last_fire_at')} == {
        'family': 'ndscheduler', 'name': 'every minute', 'kind': 'cron', 'when': 'minute=*/1',
        'timezone': 'UTC', 'is_paused': False, 'run_count': 0, 'last_state': None,
        'last_fire_at': None}
    assert first['job_type'].startswith('simple_scheduler.jobs.sample_job.AwesomeJob ')
    assert first['next_fire_at'].endswith('Z')
    assert listed[1]['when'] == 'hour=3 minute=0' and listed[1]['timezone'] == 'Europe/Paris'
    assert (listed[2]['is_paused'], listed[2]['next_fire_at']) == (True, None)


def test_a_schedule_shows_the_state_of_its_last_firing_not_of_a_run_by_hand(client, alice_auth):
    job_id = add(client, alice_auth)
    schedule = Schedule.get(Schedule.public_id == job_id)
    fired = dict(project=schedule.project_id, job_type=schedule.job_type_id, schedule=schedule)
    Task.create(**fired, fire_at=60.0, status='complete')
    Task.create(**fired, fire_at=120.0, status='running')
    Task.create(**fired, fire_at=None, status='error')  # run by hand, later
    Schedule.update(last_fire_at=120.0, run_count=2).where(Schedule.id == schedule.id).execute()
    (row,) = get(client, alice_auth, SCHEDULES)['schedules']
    assert (row['last_state'], row['run_count']) == ('running', 2)
    assert row['last_fire_at'] == '1970-01-01T00:02:00Z'


def test_another_projects_schedules_are_not_listed(client, alice_auth):
    add(client, alice_auth)
    users.add_user('bob', project='other')
    bob = basic(users.create_token('bob', Scope.USER))
    assert get(client, bob, SCHEDULES)['schedules'] == []


def test_ironworker_schedules_are_listed_as_intervals_with_their_state(client, alice_auth):
    base = f'/2/projects/{Project.get(Project.name == "default").hex_id}'
    upload_hello(client, alice_auth, base)
    ids = [item['id'] for item in iron_call(client, alice_auth, 'POST', f'{base}/schedules',
                                            json={'schedules': [
                                                {'code_name': 'hello', 'run_every': 3600},
                                                {'code_name': 'hello', 'name': 'once',
                                                 'start_at': '2100-01-01T00:00:00Z'}]}
                                            )['schedules']]
    iron_call(client, alice_auth, 'POST', f'{base}/schedules/{ids[1]}/cancel')
    listed = {row['id']: row for row in get(client, alice_auth, SCHEDULES)['schedules']}
    every, once = listed[ids[0]], listed[ids[1]]
    assert (every['family'], every['kind'], every['when'], every['job_type'],
            every['is_paused']) == ('ironworker', 'interval', 'every 3600 s', 'hello ironworker',
                                    False)
    assert (once['name'], once['when'], once['is_paused'], once['next_fire_at']) == (
        'once', 'once', True, None)
