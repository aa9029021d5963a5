"""Cron schedules in the store: add, read, list, modify, pause, resume, delete, and their audit."""

import datetime
import json
import re

import pytest

from coordinator.cron import trigger
from coordinator.errors import Forbidden, InvalidInput, NotFound
from coordinator.models import JobType, Schedule
from coordinator.store import job_types, schedules, users
from coordinator.store.access import Scope
from coordinator.store.job_types import Definition
from coordinator.store.schedule_logs import schedule_logs
from coordinator.store.schedules import CronJob

NOON = datetime.datetime(2026, 1, 1, 12, 0, 30, tzinfo=datetime.UTC).timestamp()
CLASS = 'simple_scheduler.jobs.sample_job.AwesomeJob'


def job(name='My first job', class_string=CLASS, timezone=None, **fields) -> CronJob:
    cron = {key: fields.pop(key) for key in list(fields) if key in
            ('month', 'day', 'day_of_week', 'hour', 'minute')} or {'minute': '*/1'}
    return CronJob(name, class_string, trigger(cron, timezone), **fields)


def at(hour: int, minute: int, day: int = 1) -> float:
    return datetime.datetime(2026, 1, day, hour, minute, tzinfo=datetime.UTC).timestamp()


def test_an_added_job_fires_next_at_its_first_fire_time_after_now(alice_principal):
    job_id = schedules.add_job(alice_principal, job(pub_args=['arg1', 2], kwargs={'foo': 'bar'}),
                               now=NOON)
    assert re.fullmatch('[0-9a-f]{32}', job_id)
    found = schedules.get_job(alice_principal, job_id)
    assert (found.name, found.job_class_string, found.pub_args, found.kwargs) == (
        'My first job', CLASS, ['arg1', 2], {'foo': 'bar'})
    assert (found.trigger.minute, found.trigger.hour, found.trigger.week) == ('*/1', '*', '*')
    assert not found.is_paused and found.next_fire_at == at(12, 1)
    row = Schedule.get(Schedule.public_id == job_id)
    assert (row.family, row.created_by_id, row.timezone) == (
        'ndscheduler', alice_principal.user_id, 'UTC')


def test_a_python_class_is_a_job_type_of_its_own_made_once(alice_principal):
    first = schedules.add_job(alice_principal, job(), now=NOON)
    second = schedules.add_job(alice_principal, job(name='again'), now=NOON)
    rows = Schedule.select().where(Schedule.public_id.in_([first, second]))
    (type_id,) = {row.job_type_id for row in rows}
    job_type = JobType.get_by_id(type_id)
    assert (job_type.name, job_type.version, job_type.is_system) == (CLASS, '1.0.0', True)


def test_a_job_type_is_named_by_its_name_the_newest_active_version_or_name_and_version(
        alice_principal):
    for version in ('1.2.0', '1.10.0', '2.0.0'):
        job_types.define(alice_principal, 'resize', version, Definition(command=['echo']))
    job_types.edit(alice_principal, 'resize', '2.0.0', {'is_active': False})

    def type_of(class_string):
        job_id = schedules.add_job(alice_principal, job(class_string=class_string), now=NOON)
        return JobType.get_by_id(Schedule.get(Schedule.public_id == job_id).job_type_id).version

    assert type_of('resize') == '1.10.0'
    assert type_of('resize:1.2.0') == '1.2.0'


@pytest.mark.parametrize('class_string', [
    'nothing-here', 'resize:9.9.9', 'taskfarm-run', 'taskfarm-run:1.0.0', 'not a path',
    'a..b', 'a.class.B', '.a.B', 'a.B.', 'pkg.' + 'x' * 70 + '.Job'])
def test_a_class_string_naming_no_job_type_or_class_is_refused(alice_principal, class_string):
    job_types.define(alice_principal, 'resize', '1.0.0', Definition(command=['echo']))
    with pytest.raises(InvalidInput, match='job_class_string'):
        schedules.add_job(alice_principal, job(class_string=class_string), now=NOON)
    assert Schedule.select().count() == 0


def test_jobs_are_listed_next_to_fire_first_and_paused_ones_last(alice_principal):
    hourly = schedules.add_job(alice_principal, job('hourly', minute=0), now=NOON)
    paused = schedules.add_job(alice_principal, job('paused'), now=NOON)
    minutely = schedules.add_job(alice_principal, job('minutely'), now=NOON)
    schedules.set_paused(alice_principal, paused, True, now=NOON)
    assert [found.job_id for found in schedules.list_jobs(alice_principal)] == [
        minutely, hourly, paused]


def test_pausing_stops_the_job_and_resuming_fires_it_from_now(alice_principal):
    job_id = schedules.add_job(alice_principal, job(minute=30), now=NOON)
    schedules.set_paused(alice_principal, job_id, True, now=NOON)
    found = schedules.get_job(alice_principal, job_id)
    assert found.is_paused and found.next_fire_at is None
    schedules.set_paused(alice_principal, job_id, False, now=at(14, 45))
    found = schedules.get_job(alice_principal, job_id)
    assert not found.is_paused and found.next_fire_at == at(15, 30)


def test_modifying_replaces_the_trigger_keeps_omitted_arguments_and_a_pause(alice_principal):
    job_id = schedules.add_job(alice_principal, job(month='1', day_of_week='sun',
                                                    pub_args=[1], kwargs={'k': 'v'}), now=NOON)
    schedules.set_paused(alice_principal, job_id, True, now=NOON)
    schedules.modify_job(alice_principal, job_id, job('renamed', minute='*/7'), now=NOON)
    found = schedules.get_job(alice_principal, job_id)
    assert found.trigger.fields() == {'month': '*', 'day': '*', 'week': '*',
                                      'day_of_week': '*', 'hour': '*', 'minute': '*/7'}
    assert (found.name, found.pub_args, found.kwargs) == ('renamed', [1], {'k': 'v'})
    assert found.is_paused and found.next_fire_at is None
    schedules.modify_job(alice_principal, job_id, job('renamed', minute='*/7', pub_args=[],
                                                      kwargs={'other': 1}), now=NOON)
    found = schedules.get_job(alice_principal, job_id)
    assert (found.pub_args, found.kwargs) == ([], {'other': 1})


def test_modifying_a_running_job_moves_its_next_fire_time(alice_principal):
    job_id = schedules.add_job(alice_principal, job(minute='*/1'), now=NOON)
    schedules.modify_job(alice_principal, job_id, job(hour='3', timezone='Europe/Berlin'),
                         now=NOON)
    found = schedules.get_job(alice_principal, job_id)
    assert found.trigger.timezone == 'Europe/Berlin'
    assert found.next_fire_at == at(2, 0, day=2)  # 03:00 in Berlin is 02:00 UTC in winter


def test_a_deleted_job_is_gone_and_its_audit_entry_keeps_what_it_was(alice_principal):
    job_id = schedules.add_job(alice_principal, job(), now=NOON)
    schedules.delete_job(alice_principal, job_id, now=NOON + 1)
    with pytest.raises(NotFound, match=f'Job not found: {job_id}'):
        schedules.get_job(alice_principal, job_id)
    deleted = schedule_logs(alice_principal, NOON, NOON + 1)[0]
    assert deleted.event == 'deleted'
    assert json.loads(deleted.description) == {
        'job_id': job_id, 'name': 'My first job', 'job_class_string': CLASS, 'pub_args': [],
        'month': '*', 'day': '*', 'week': '*', 'day_of_week': '*', 'hour': '*',
        'minute': '*/1', 'timezone': 'UTC'}


def test_every_change_is_logged_with_who_made_it_and_a_readable_difference(alice_principal):
    job_id = schedules.add_job(alice_principal, job(), now=NOON)
    schedules.modify_job(alice_principal, job_id, job('renamed', hour=2, pub_args=['x']),
                         now=NOON + 1)
    schedules.set_paused(alice_principal, job_id, True, now=NOON + 2)
    schedules.set_paused(alice_principal, job_id, False, now=NOON + 3)
    schedules.delete_job(alice_principal, job_id, now=NOON + 4)
    logs = schedule_logs(alice_principal, NOON, NOON + 4)
    assert [(log.event, log.job_name, log.user, log.created_at) for log in logs] == [
        ('deleted', 'renamed', 'alice', NOON + 4), ('resumed', 'renamed', 'alice', NOON + 3),
        ('paused', 'renamed', 'alice', NOON + 2), ('modified', 'renamed', 'alice', NOON + 1),
        ('added', 'My first job', 'alice', NOON)]
    assert logs[3].description.splitlines() == [
        'name: "My first job" => "renamed"', 'pub_args: [] => ["x"]', 'hour: "*" => "2"',
        'minute: "*/1" => "0"']
    assert {log.job_id for log in logs} == {job_id}


def test_logs_are_those_of_the_time_window(alice_principal):
    for second in range(5):
        schedules.add_job(alice_principal, job(f'job {second}'), now=NOON + second)
    assert [log.job_name for log in schedule_logs(alice_principal, NOON + 1, NOON + 3)] == [
        'job 3', 'job 2', 'job 1']


def test_another_project_sees_and_changes_none_of_the_jobs(alice_principal):
    job_id = schedules.add_job(alice_principal, job(), now=NOON)
    users.add_user('bob', project='other')
    bob = users.principal_for_token(users.create_token('bob', Scope.USER))
    assert schedules.list_jobs(bob) == [] and schedule_logs(bob, 0, NOON + 1) == []
    for act in (lambda: schedules.get_job(bob, job_id),
                lambda: schedules.set_paused(bob, job_id, True),
                lambda: schedules.modify_job(bob, job_id, job('stolen')),
                lambda: schedules.delete_job(bob, job_id)):
        with pytest.raises(NotFound):
            act()
    assert schedules.get_job(alice_principal, job_id).name == 'My first job'


def test_a_worker_token_changes_no_jobs(alice_principal):
    worker = users.principal_for_token(users.create_token('alice', Scope.WORKER))
    with pytest.raises(Forbidden):
        schedules.add_job(worker, job())


def test_a_deleted_user_leaves_logs_without_a_name(alice_principal):
    users.add_user('carol')
    carol = users.principal_for_token(users.create_token('carol', Scope.USER))
    schedules.add_job(carol, job(), now=NOON)
    users.delete_user('carol')
    (log,) = schedule_logs(alice_principal, NOON, NOON)
    assert (log.event, log.user) == ('added', None)
