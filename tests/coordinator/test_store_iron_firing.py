"""IronWorker schedules in the firing engine, with injected time: every run_every_s from
start_at, until end_at or run_times, missed fires coalesced, exactly once across firers."""

import datetime

import pytest

from coordinator.errors import Conflict, InvalidInput, NotFound
from coordinator.models import AuditLog, Schedule, Task
from coordinator.store import code_packages, firing, iron_schedules, schedule_logs, schedules
from coordinator.store.code_packages import Code
from coordinator.store.iron_schedules import ScheduleOrder
from tests.coordinator.racing import race
from tests.coordinator.test_store_schedules import job

ZIP = Code(runtime='python', file_name='w.py', blob='a' * 64, checksum='b' * 32, size_bytes=9)


def at(hour: int, minute: int, second: int = 0) -> float:
    return datetime.datetime(2026, 1, 1, hour, minute, second, tzinfo=datetime.UTC).timestamp()


@pytest.fixture
def code(alice_principal):
    view, _ = code_packages.upload(alice_principal, 'hello', ZIP,
                                   {'retries': 2, 'default_priority': 1}, now=at(11, 0))
    return view


def add(principal, **fields) -> str:
    (public_id,) = iron_schedules.create(
        principal, [ScheduleOrder('hello', '{"x": 1}', **fields)], now=at(11, 30))
    return public_id


def tasks_of(public_id: str) -> list[Task]:
    schedule = Schedule.get(Schedule.public_id == public_id)
    return list(Task.select().where(Task.schedule == schedule.id).order_by(Task.id))


def test_a_schedule_fires_every_run_every_from_start_at_once_per_fire_time(
        alice_principal, code):
    public_id = add(alice_principal, start_at=at(12, 0), run_every_s=60)
    assert firing.fire_due(at(11, 59, 59)) == []
    (queued,) = firing.fire_due(at(12, 0, 0))
    assert firing.fire_due(at(12, 0, 30)) == []
    assert len(firing.fire_due(at(12, 1, 1))) == 1
    first, second = tasks_of(public_id)
    assert str(first.id) == queued
    assert [task.fire_at for task in (first, second)] == [at(12, 0), at(12, 1)]
    assert (first.status, first.payload, first.priority, first.max_tries) == (
        'queued', '{"x": 1}', 1, 3)
    view = iron_schedules.get(alice_principal, public_id)
    assert (view.status, view.run_count, view.last_fire_at, view.next_fire_at) == (
        'scheduled', 2, at(12, 1), at(12, 2))


def test_the_tasks_options_ride_on_every_firing(alice_principal, code):
    public_id = add(alice_principal, start_at=at(12, 0), priority=2, timeout_s=90.5,
                    delay_s=30.0, label='nightly')
    firing.fire_due(at(12, 0, 5))
    (task,) = tasks_of(public_id)
    assert (task.priority, task.timeout_s, task.label, task.available_at) == (
        2, 91, 'nightly', at(12, 0, 35))


def test_run_times_firings_complete_a_schedule(alice_principal, code):
    public_id = add(alice_principal, start_at=at(12, 0), run_every_s=60, run_times=2)
    for minute in range(5):
        firing.fire_due(at(12, minute, 1))
    assert [task.fire_at for task in tasks_of(public_id)] == [at(12, 0), at(12, 1)]
    view = iron_schedules.get(alice_principal, public_id)
    assert (view.status, view.next_fire_at, view.run_count) == ('complete', None, 2)


def test_no_fire_comes_after_end_at(alice_principal, code):
    public_id = add(alice_principal, start_at=at(12, 0), run_every_s=120, end_at=at(12, 5))
    for minute in range(10):
        firing.fire_due(at(12, minute, 1))
    assert [task.fire_at for task in tasks_of(public_id)] == [at(12, 0), at(12, 2), at(12, 4)]
    assert iron_schedules.get(alice_principal, public_id).status == 'complete'


def test_a_schedule_without_run_every_fires_once_and_without_start_at_fires_now(
        alice_principal, code):
    public_id = add(alice_principal)  # created at 11:30
    assert len(firing.fire_due(at(11, 30, 1))) == 1
    assert firing.fire_due(at(13, 0)) == []
    assert [task.fire_at for task in tasks_of(public_id)] == [at(11, 30)]
    assert iron_schedules.get(alice_principal, public_id).status == 'complete'


def test_fires_missed_while_no_coordinator_ran_coalesce_into_the_last_of_them(
        alice_principal, code):
    public_id = add(alice_principal, start_at=at(12, 0), run_every_s=60)
    assert len(firing.fire_due(at(14, 30, 10))) == 1  # 151 fire times went by
    assert [task.fire_at for task in tasks_of(public_id)] == [at(14, 30)]
    view = iron_schedules.get(alice_principal, public_id)
    assert (view.run_count, view.next_fire_at) == (1, at(14, 31))
    late = add(alice_principal, start_at=at(12, 0))  # a one-off missed by hours still runs
    iron_schedules.cancel(alice_principal, public_id)
    assert len(firing.fire_due(at(18, 0))) == 1 and len(tasks_of(late)) == 1


def test_a_cancelled_schedule_never_fires_and_cancelling_twice_is_harmless(
        alice_principal, code):
    public_id = add(alice_principal, start_at=at(12, 0), run_every_s=60)
    firing.fire_due(at(12, 0, 1))
    iron_schedules.cancel(alice_principal, public_id, now=at(12, 0, 30))
    iron_schedules.cancel(alice_principal, public_id, now=at(12, 0, 40))
    assert firing.fire_due(at(12, 5)) == []
    assert len(tasks_of(public_id)) == 1
    assert iron_schedules.get(alice_principal, public_id).status == 'cancelled'
    with pytest.raises(Conflict):
        iron_schedules.update(alice_principal, public_id, ScheduleOrder('hello', ''),
                              {'payload'})


def test_a_complete_schedule_cannot_be_cancelled(alice_principal, code):
    public_id = add(alice_principal, start_at=at(12, 0))
    firing.fire_due(at(12, 0, 1))
    with pytest.raises(Conflict):
        iron_schedules.cancel(alice_principal, public_id)


def test_an_update_retimes_from_the_last_firing_and_keeps_what_it_does_not_name(
        alice_principal, code):
    public_id = add(alice_principal, start_at=at(12, 0), run_every_s=60, label='a')
    firing.fire_due(at(12, 0, 1))
    iron_schedules.update(alice_principal, public_id,
                          ScheduleOrder('', '{"x": 2}', run_every_s=600),
                          {'payload', 'run_every_s'}, now=at(12, 0, 30))
    view = iron_schedules.get(alice_principal, public_id)
    assert (view.payload, view.timing.run_every_s, view.next_fire_at, view.options) == (
        '{"x": 2}', 600, at(12, 10), {'label': 'a'})
    firing.fire_due(at(12, 10, 1))
    assert [task.payload for task in tasks_of(public_id)] == ['{"x": 1}', '{"x": 2}']


def test_a_firing_of_a_deleted_code_package_queues_nothing_and_moves_on(
        alice_principal, code):
    public_id = add(alice_principal, start_at=at(12, 0), run_every_s=60)
    code_packages.delete(alice_principal, code.id, now=at(11, 45))
    assert firing.fire_due(at(12, 0, 1)) == []
    view = iron_schedules.get(alice_principal, public_id)
    assert (tasks_of(public_id), view.run_count, view.next_fire_at) == ([], 0, at(12, 1))


def test_bad_orders_add_no_schedule(alice_principal, code):
    with pytest.raises(NotFound):
        iron_schedules.create(alice_principal, [ScheduleOrder('hello', ''),
                                                ScheduleOrder('nope', '')], now=at(11, 0))
    with pytest.raises(InvalidInput):
        add(alice_principal, start_at=at(12, 0), end_at=at(11, 0))
    assert Schedule.select().count() == 0


def test_cron_jobs_and_interval_schedules_fire_in_the_same_pass(alice_principal, code):
    cron_id = schedules.add_job(alice_principal, job(minute='*/1'), now=at(11, 59, 30))
    public_id = add(alice_principal, start_at=at(12, 0), run_every_s=60)
    fired = firing.fire_due(at(12, 0, 1))
    (execution,) = [name for name in fired if len(name) == 32]
    (iron,) = tasks_of(public_id)
    assert sorted(fired) == sorted([execution, str(iron.id)])
    assert Schedule.get(Schedule.public_id == cron_id).run_count == 1


@pytest.mark.parametrize('rounds', [5])
def test_coordinators_firing_at_the_same_instant_queue_one_task_per_fire_time(
        alice_principal, code, rounds):
    public_id = add(alice_principal, start_at=at(12, 0), run_every_s=60)
    for minute in range(rounds):
        now = at(12, minute, 0)
        assert race(*[lambda: firing.fire_due(now)] * 4, leader=minute % 4) == []
    assert [task.fire_at for task in tasks_of(public_id)] == [at(12, m) for m in range(rounds)]
    assert iron_schedules.get(alice_principal, public_id).run_count == rounds


def test_ironworker_schedules_leave_ndschedulers_audit_log_alone(alice_principal, code):
    public_id = add(alice_principal, start_at=at(12, 0), run_every_s=60)
    iron_schedules.update(alice_principal, public_id, ScheduleOrder('', 'x'), {'payload'})
    iron_schedules.cancel(alice_principal, public_id)
    assert schedule_logs.schedule_logs(alice_principal, 0, at(23, 0) * 2) == []
    entries = AuditLog.select().where(AuditLog.object_id == public_id).order_by(AuditLog.id)
    assert [entry.action for entry in entries] == [
        'iron_schedule.add', 'iron_schedule.update', 'iron_schedule.cancel']
