"""Store: allocation queues (added, changed, removed, audited), the eligible work each may serve,
and the duty lease that lets one coordinator process act at a time."""

import pytest

from coordinator.errors import Conflict, Forbidden, InvalidInput, NotFound
from coordinator.models import AuditLog
from coordinator.store import allocation_need, allocations, job_types, leases, queue, runs
from coordinator.store.access import Scope
from coordinator.store.allocations import QueueSpec
from coordinator.store.job_types import Definition
from coordinator.store.queue import Order
from tests.coordinator.racing import race

T0 = 1_000_000.0


@pytest.fixture
def kinds(alice_principal):
    """Two job types, `render` and `encode`."""
    for name in ('render', 'encode'):
        job_types.define(alice_principal, name, '1.0.0', Definition(command=[name]), {}, now=T0)
    return alice_principal


def put(principal, name, count, **order):
    return queue.queue_tasks(principal, name, '1.0.0', [Order(**order)] * count, now=T0)


def add(principal, name='cpu', **fields):
    spec = QueueSpec(**{'name': name, 'walltime_s': 3600, 'max_jobs': 4, **fields})
    return allocations.add_queue(principal, spec, now=T0)


def need(view):
    return allocation_need.need_of(view.id, T0)


def test_a_queue_is_added_listed_changed_and_removed_with_an_audit_entry_each(kinds):
    add(kinds, 'cpu', partition='short', qos='normal', sbatch_args=('--mem=4G',),
        job_types=('render',))
    view = allocations.get_queue(kinds, 'cpu')
    assert (view.spec.partition, view.spec.qos, view.spec.sbatch_args, view.spec.job_types) == (
        'short', 'normal', ('--mem=4G',), ('render',))
    assert view.created_by == 'alice' and not view.is_paused
    assert [queue.spec.name for queue in allocations.list_queues(kinds)] == ['cpu']
    paused = allocations.change_queue(kinds, 'cpu', paused=True)
    changed = allocations.change_queue(kinds, 'cpu', limits={'max_jobs': 9})
    assert paused.is_paused and changed.spec.max_jobs == 9
    assert allocations.remove_queue(kinds, 'cpu') == []
    assert allocations.list_queues(kinds) == []
    assert [entry.action for entry in AuditLog.select().where(
        AuditLog.object_type == 'allocation').order_by(AuditLog.id)] == [
        'allocation.add', 'allocation.pause', 'allocation.change', 'allocation.remove']


def test_a_taken_name_conflicts_and_an_unknown_one_is_not_found(kinds):
    add(kinds)
    with pytest.raises(Conflict):
        add(kinds)
    with pytest.raises(NotFound):
        allocations.get_queue(kinds, 'gpu')
    with pytest.raises(NotFound):
        allocations.change_queue(kinds, 'gpu', paused=True)


@pytest.mark.parametrize('fields, message', [
    ({'name': 'a b'}, 'name'), ({'walltime_s': 10}, 'walltime_s'), ({'max_jobs': 0}, 'max_jobs'),
    ({'nodes': 0}, 'nodes'), ({'slots': 0}, 'slots'), ({'partition': 'a b'}, 'partition'),
    ({'job_types': ('nope',)}, 'no job type nope'), ({'runs': ('f' * 32,)}, 'no run'),
    ({'job_types': ()}, 'job_types'), ({'sbatch_args': ('',)}, 'sbatch_args'),
])
def test_a_queue_slurm_or_the_agents_would_trip_on_is_refused(kinds, fields, message):
    with pytest.raises(InvalidInput, match=message):
        add(kinds, **fields)


def test_a_worker_token_may_not_add_queues(kinds, alice):
    from dataclasses import replace
    with pytest.raises(Forbidden):
        add(replace(kinds, scope=Scope.WORKER))


def test_eligible_work_is_queued_tasks_of_served_types_and_runs_waiting_tasks(kinds):
    put(kinds, 'render', 3)
    put(kinds, 'encode', 2)
    put(kinds, 'render', 4, delay_s=60)  # not available yet
    runs.create_run(kinds, 5, now=T0)
    assert need(add(kinds, 'all')) == allocation_need.Need(10, {})
    assert need(add(kinds, 'render', job_types=('render',))).eligible == 3


def test_paused_types_and_work_longer_than_the_walltime_are_held_with_their_reason(kinds):
    put(kinds, 'render', 3)
    put(kinds, 'encode', 2)
    job_types.set_paused(kinds, 'render', '1.0.0', True)
    job_types.edit(kinds, 'encode', '1.0.0', {'timeout_s': 7200})
    runs.create_run(kinds, 5, now=T0, policy=runs.Policy(expected_duration_s=4000))
    assert need(add(kinds)) == allocation_need.Need(0, {'job type paused': 3,
                                                        'longer than the walltime': 7})


def test_max_scheduled_bounds_a_types_eligible_tasks(kinds):
    job_types.edit(kinds, 'render', '1.0.0', {'max_scheduled': 2})
    put(kinds, 'render', 5)
    assert need(add(kinds)) == allocation_need.Need(2, {'job type at max_scheduled': 3})


def test_a_run_another_queue_names_is_that_queues_alone(kinds):
    bound = runs.create_run(kinds, 6, now=T0)
    runs.create_run(kinds, 4, now=T0)
    everything = add(kinds, 'everything')
    mine = add(kinds, 'mine', runs=(bound.uuid,))
    assert need(everything).eligible == 4
    assert need(mine).eligible == 6


def test_one_holder_of_a_lease_at_a_time_until_it_expires_or_is_released(database):
    assert leases.hold('allocator', 'a', 60, T0)
    assert not leases.hold('allocator', 'b', 60, T0 + 30)
    assert leases.hold('allocator', 'a', 60, T0 + 30)  # renewed to T0 + 90
    assert not leases.hold('allocator', 'b', 60, T0 + 89)
    assert leases.hold('allocator', 'b', 60, T0 + 91)
    leases.release('allocator', 'b')
    assert leases.hold('allocator', 'c', 60, T0 + 92)
    assert leases.holder_of('allocator', T0 + 92) == 'c'


def test_two_processes_racing_for_a_free_lease_never_both_take_it(database):
    for round_ in range(6):
        now, won = T0 + 1000 * round_, []
        errors = race(*(lambda name=name: won.append(name) if leases.hold(
            'allocator', name, 60, now) else None for name in (f'a{round_}', f'b{round_}')),
            leader=round_ % 2)
        assert errors == [] and len(won) == 1
