"""The cron engine in the store, with injected time: fires once, coalesces, caps, skips paused."""

import datetime
import json

import pytest

from coordinator.db import database
from coordinator.models import JobType, Schedule, Task
from coordinator.states import TaskState
from coordinator.store import firing, schedules
from tests.coordinator.racing import race
from tests.coordinator.test_store_schedules import CLASS, job


def at(hour: int, minute: int, second: int = 0) -> float:
    return datetime.datetime(2026, 1, 1, hour, minute, second, tzinfo=datetime.UTC).timestamp()


def tasks_of(job_id: str) -> list[Task]:
    schedule = Schedule.get(Schedule.public_id == job_id)
    return list(Task.select().where(Task.schedule == schedule.id).order_by(Task.id))


def test_a_due_job_fires_once_and_moves_on_to_its_next_fire_time(alice_principal):
    job_id = schedules.add_job(alice_principal, job(minute='*/5', pub_args=['arg1', 2],
                                                    kwargs={'foo': 'bar'}), now=at(12, 1))
    assert firing.fire_due(at(12, 4, 59)) == []
    (execution_id,) = firing.fire_due(at(12, 5, 1))
    assert firing.fire_due(at(12, 5, 2)) == []
    (task,) = tasks_of(job_id)
    assert execution_id == f'{task.id:032x}'
    assert (task.status, task.fire_at, task.max_tries, task.run_id) == (
        'queued', at(12, 5), 1, None)
    assert json.loads(task.payload) == {'input': {
        'job_class_string': CLASS, 'job_id': job_id, 'execution_id': execution_id,
        'pub_args': ['arg1', 2], 'kwargs': {'foo': 'bar'}}}
    job_type = JobType.get_by_id(task.job_type_id)
    assert json.loads(job_type.command) == ['{farmworker}', 'job-class']
    assert task.job_type_revision.command == job_type.command
    assert schedules.get_job(alice_principal, job_id).next_fire_at == at(12, 10)
    row = Schedule.get(Schedule.public_id == job_id)
    assert (row.last_fire_at, row.run_count) == (at(12, 5), 1)


def test_missed_fires_within_the_grace_are_one_execution_at_the_last_of_them(alice_principal):
    job_id = schedules.add_job(alice_principal, job(minute='*/1'), now=at(12, 0, 30))
    assert len(firing.fire_due(at(12, 30, 10))) == 1  # thirty fires missed
    assert [task.fire_at for task in tasks_of(job_id)] == [at(12, 30)]
    assert schedules.get_job(alice_principal, job_id).next_fire_at == at(12, 31)


def test_a_fire_missed_by_more_than_the_grace_is_skipped_and_the_next_one_kept(alice_principal):
    job_id = schedules.add_job(alice_principal, job(hour='10', minute='0'), now=at(9, 0))
    assert firing.fire_due(at(11, 0, 1)) == []  # 10:00 was missed by an hour and a second
    assert tasks_of(job_id) == []
    assert schedules.get_job(alice_principal, job_id).next_fire_at == at(10, 0) + 86400
    job_id = schedules.add_job(alice_principal, job(hour='10', minute='0'), now=at(9, 0))
    assert len(firing.fire_due(at(10, 59, 59))) == 1  # within the hour: fired late


def test_a_job_never_has_more_than_max_instances_executions_waiting_or_running(
        alice_principal):
    job_id = schedules.add_job(alice_principal, job(minute='*/1'), now=at(12, 0, 30))
    Schedule.update(max_instances=2).where(Schedule.public_id == job_id).execute()
    for minute in (1, 2, 3):
        firing.fire_due(at(12, minute, 1))
    assert [task.fire_at for task in tasks_of(job_id)] == [at(12, 1), at(12, 2)]
    first = tasks_of(job_id)[0]
    Task.update(status=TaskState.COMPLETE.value).where(Task.id == first.id).execute()
    assert len(firing.fire_due(at(12, 4, 1))) == 1  # one finished: there is room again
    assert schedules.get_job(alice_principal, job_id).next_fire_at == at(12, 5)


def test_a_paused_job_never_fires_and_a_resumed_one_fires_from_now(alice_principal):
    job_id = schedules.add_job(alice_principal, job(minute='*/1'), now=at(12, 0, 30))
    schedules.set_paused(alice_principal, job_id, True, now=at(12, 0, 40))
    assert firing.fire_due(at(12, 10, 1)) == [] and tasks_of(job_id) == []
    schedules.set_paused(alice_principal, job_id, False, now=at(12, 10, 30))
    assert firing.fire_due(at(12, 10, 59)) == []
    assert len(firing.fire_due(at(12, 11, 0))) == 1


def test_a_fire_time_that_already_has_its_task_queues_nothing_more(alice_principal):
    job_id = schedules.add_job(alice_principal, job(minute='*/1'), now=at(12, 0, 30))
    with database.write():
        fired = firing.locked_job(alice_principal.project_id, job_id)
        first = firing.enqueue(fired, at(12, 1), at(12, 1))
    with database.write():  # as a second coordinator past the row lock would
        assert firing.enqueue(fired, at(12, 1), at(12, 1)) is None
    assert [task.id for task in tasks_of(job_id)] == [first]


@pytest.mark.parametrize('rounds', [5])
def test_coordinators_firing_at_the_same_instant_queue_one_execution(alice_principal, rounds):
    job_id = schedules.add_job(alice_principal, job(minute='*/1'), now=at(12, 0, 30))
    Schedule.update(max_instances=rounds).where(Schedule.public_id == job_id).execute()
    for minute in range(1, rounds + 1):
        now = at(12, minute, 0)
        assert race(*[lambda: firing.fire_due(now)] * 4) == []
    assert [task.fire_at for task in tasks_of(job_id)] == [at(12, m) for m in
                                                           range(1, rounds + 1)]


def test_a_job_whose_type_was_deleted_is_skipped_not_an_error(alice_principal):
    job_id = schedules.add_job(alice_principal, job(minute='*/1'), now=at(12, 0, 30))
    Schedule.update(job_type=None).where(Schedule.public_id == job_id).execute()
    assert firing.fire_due(at(12, 1, 1)) == []
    assert schedules.get_job(alice_principal, job_id).next_fire_at == at(12, 2)
