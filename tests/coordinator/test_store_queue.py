"""Store: queued work of job types: priorities, pauses, caps, delays, fenced results, the reaper."""

import copy
import multiprocessing
import threading

import pytest

from coordinator import db, failures, maintenance
from coordinator.errors import Conflict, InvalidInput
from coordinator.models import JobType, Task
from coordinator.states import TaskState
from coordinator.store import job_types, queue, workers
from coordinator.store.job_types import Definition
from coordinator.store.queue import Order
from coordinator.store.reports import Outcome, Result
from tests.coordinator.racing import race
from tests.coordinator.seed.manifests import MINIMAL

T0 = 1_000_000.0
TTL = 60.0


@pytest.fixture
def kinds(alice_principal):
    """Two types (`fast` retried once after 30 s, `slow` at priority 5) and two agents at T0."""
    job_types.define(alice_principal, 'fast', '1.0.0', Definition(command=['fast']),
                     {'max_tries': 2, 'retry_delay_s': 30.0}, now=T0)
    job_types.define(alice_principal, 'slow', '1.0.0', Definition(command=['slow']),
                     {'priority': 5}, now=T0)
    for name in ('agent-a', 'agent-b'):
        workers.register_worker(alice_principal, name, 'node', 1, now=T0,
                                resources=workers.Resources(slots=4, cpus=4))
    return alice_principal


def put(principal, name, *orders, now=T0):
    return queue.queue_tasks(principal, name, '1.0.0', list(orders) or [Order()], now=now)


def take(principal, agent, k, now=T0, names=None):
    return queue.claim(principal, agent, k, names, now=now)


def done(principal, agent, task, now=T0, outcome=Outcome.COMPLETE, attempt=None):
    return queue.report(principal, agent, [Result(task.id, attempt or task.attempt, outcome)],
                        now=now)


def running_count(name):
    return JobType.get(JobType.name == name).scheduled_count


def test_queued_tasks_take_their_types_priority_policy_and_current_revision(kinds):
    job_types.edit(kinds, 'fast', '1.0.0', definition=Definition(command=['fast', '-v']))
    (task_id,) = put(kinds, 'fast', Order(payload='{"n": 1}', delay_s=10))
    task = Task.get_by_id(task_id)
    assert (task.status, task.priority, task.max_tries, task.retry_delay_s) == (
        'queued', 1, 2, 30.0)
    assert task.job_type_revision.revision_num == 2 and task.available_at == T0 + 10
    assert task.run_id is None and task.payload == '{"n": 1}'


def test_claims_take_the_highest_priority_first_then_the_oldest_across_types(kinds):
    low = put(kinds, 'fast', Order(), Order())
    high = put(kinds, 'slow', now=T0 + 1)
    urgent = put(kinds, 'fast', Order(priority=9), now=T0 + 2)
    claimed = take(kinds, 'agent-a', 3, now=T0 + 3)
    assert [task.id for task in claimed] == urgent + high + low[:1]
    assert all(task.attempt == 1 for task in claimed)
    assert (running_count('fast'), running_count('slow')) == (2, 1)


def test_a_paused_type_is_not_dispatched_until_it_is_resumed(kinds):
    (task_id,) = put(kinds, 'slow')
    job_types.set_paused(kinds, 'slow', '1.0.0', True)
    assert take(kinds, 'agent-a', 5) == []
    job_types.set_paused(kinds, 'slow', '1.0.0', False)
    assert [task.id for task in take(kinds, 'agent-a', 5)] == [task_id]


def test_an_inactive_type_takes_no_work_and_its_queued_tasks_wait(kinds):
    put(kinds, 'fast')
    job_types.edit(kinds, 'fast', '1.0.0', {'is_active': False})
    with pytest.raises(Conflict, match='inactive'):
        put(kinds, 'fast')
    assert take(kinds, 'agent-a', 5) == []


def test_max_scheduled_one_keeps_one_task_running_with_two_idle_agents(kinds):
    job_types.edit(kinds, 'fast', '1.0.0', {'max_scheduled': 1})
    put(kinds, 'fast', Order(), Order(), Order())
    (first,) = take(kinds, 'agent-a', 4)
    assert take(kinds, 'agent-b', 4) == []
    done(kinds, 'agent-a', first, now=T0 + 1)
    (second,) = take(kinds, 'agent-b', 4, now=T0 + 2)
    assert second.id != first.id and running_count('fast') == 1


def test_a_delayed_task_waits_for_its_time(kinds):
    (task_id,) = put(kinds, 'fast', Order(delay_s=60))
    assert take(kinds, 'agent-a', 1, now=T0 + 59) == []
    assert [task.id for task in take(kinds, 'agent-a', 1, now=T0 + 60)] == [task_id]


def test_a_claim_can_name_the_types_it_serves(kinds):
    put(kinds, 'slow')
    (fast,) = put(kinds, 'fast')
    assert [task.id for task in take(kinds, 'agent-a', 5, names=['fast'])] == [fast]


def test_a_failure_is_retried_after_the_types_delay_then_fails_for_good(kinds):
    put(kinds, 'fast')
    (task,) = take(kinds, 'agent-a', 1)
    receipt = done(kinds, 'agent-a', task, outcome=Outcome.FAILED)
    assert receipt.accepted == [task.id] and running_count('fast') == 0
    assert take(kinds, 'agent-a', 1, now=T0 + 29) == []
    (again,) = take(kinds, 'agent-a', 1, now=T0 + 30)
    assert (again.id, again.attempt) == (task.id, 2)
    done(kinds, 'agent-a', again, now=T0 + 31, outcome=Outcome.FAILED)
    ended = Task.get_by_id(task.id)
    assert (ended.status, ended.error_category, ended.failed_tries) == ('error', 'ALGORITHM', 2)
    assert running_count('fast') == 0


def test_a_stale_or_foreign_result_is_refused_and_changes_nothing(kinds):
    put(kinds, 'slow')
    (task,) = take(kinds, 'agent-a', 1)
    stale = done(kinds, 'agent-a', task, attempt=7)
    foreign = done(kinds, 'agent-b', task)
    assert stale.accepted == foreign.accepted == []
    assert 'stale' in stale.refused[0]['reason']
    assert 'another worker' in foreign.refused[0]['reason']
    assert Task.get_by_id(task.id).status == 'running' and running_count('slow') == 1


def test_a_lost_agents_queued_tasks_go_back_and_their_places_are_freed(kinds):
    job_types.edit(kinds, 'slow', '1.0.0', {'max_tries': 1})
    put(kinds, 'fast')
    put(kinds, 'slow')
    assert len(take(kinds, 'agent-a', 2)) == 2
    workers.heartbeat(kinds, 'agent-b', now=T0 + TTL + 1)
    assert maintenance.reap(TTL, now=T0 + TTL + 1) == ['agent-a']
    statuses = {task.job_type.name: (task.status, task.error_category) for task in Task.select()}
    assert statuses == {'fast': ('queued', None), 'slow': ('error', 'SYSTEM')}
    assert (running_count('fast'), running_count('slow')) == (0, 0)


def test_oversize_payloads_are_refused(kinds):
    with pytest.raises(InvalidInput, match='65536 bytes'):
        put(kinds, 'fast', Order(payload='x' * (queue.MAX_PAYLOAD_BYTES + 1)))


@pytest.mark.timeout(60)
def test_a_claim_beside_another_takes_the_next_best_tasks_not_nothing(kinds):
    # PostgreSQL: both claims read the same best tasks, and the later one skips those the
    # other holds; SQLite's claims take turns, so the later one waits and then reads afresh
    ids = put(kinds, 'fast', *[Order()] * 4)
    holding, release, held, later = threading.Event(), threading.Event(), [], []

    def hold():
        with db.database.write():
            held.extend(queue.take(kinds.project_id, workers.active_worker(kinds, 'agent-a'), 2,
                                   None, T0))
            holding.set()
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(30)
    claimer = threading.Thread(target=lambda: later.extend(take(kinds, 'agent-b', 2)))
    claimer.start()
    claimer.join(1.0)  # done by now on PostgreSQL; waiting for the write lock on SQLite
    release.set()
    for thread in (holder, claimer):
        thread.join(30)
    assert [task.id for task in held] == ids[:2]
    assert [task.id for task in later] == ids[2:]


def _claimer(database_url, principal, agent, fast_id, out):
    """Claim and complete as fast as possible, watching how many `fast` tasks run at once."""
    db.bind(db.open_database(database_url))
    got, most = [], 0
    for step in range(40):
        claimed = queue.claim(principal, agent, 3, now=T0 + step)
        got += [task.id for task in claimed]
        (running,) = db.run_sql("SELECT COUNT(*) FROM task WHERE job_type_id = ? "
                                "AND status = 'running'", (fast_id,)).fetchone()
        most = max(most, running)
        queue.report(principal, agent, [Result(task.id, task.attempt, Outcome.COMPLETE)
                                        for task in claimed], now=T0 + step)
    out.put((got, most))


@pytest.mark.timeout(120)
def test_concurrent_agents_never_share_a_task_and_caps_hold(database_url, kinds):
    job_types.edit(kinds, 'fast', '1.0.0', {'max_scheduled': 2})
    put(kinds, 'fast', *[Order()] * 30)
    put(kinds, 'slow', *[Order()] * 30)
    fast_id = JobType.get(JobType.name == 'fast').id
    agents = [f'churn-{i}' for i in range(4)]
    for agent in agents:
        workers.register_worker(kinds, agent, 'node', 1, now=T0)
    db.database.close()
    ctx = multiprocessing.get_context('fork')
    out = ctx.Queue()
    procs = [ctx.Process(target=_claimer, args=(database_url, kinds, agent, fast_id, out))
             for agent in agents]
    for proc in procs:
        proc.start()
    replies = [out.get(timeout=100) for _ in procs]
    for proc in procs:
        proc.join(10)
    db.bind(db.open_database(database_url))
    claimed = [task_id for got, _ in replies for task_id in got]
    assert sorted(claimed) == sorted({*claimed}) and len(claimed) == 60
    assert max(most for _, most in replies) <= 2
    assert {task.status for task in Task.select()} == {TaskState.COMPLETE.value}
    assert (running_count('fast'), running_count('slow')) == (0, 0)


def seed_manifest(*errors) -> dict:
    """The least Seed manifest of type `seeded` 1.0.0, mapping `errors` (code, name, category)."""
    made = copy.deepcopy(MINIMAL)
    made['job'].update(name='seeded', errors=[
        {'code': code, 'name': name, 'category': category} for code, name, category in errors])
    return made


@pytest.fixture
def seeded(kinds):
    """The type `seeded` 1.0.0 (one try), whose manifest maps exit code 3 to a data error."""
    job_types.define(kinds, 'seeded', '1.0.0',
                     Definition(manifest=seed_manifest((3, 'bad-input', 'data'))),
                     {'max_tries': 1})
    return kinds


def test_a_mapped_exit_code_fails_a_job_under_its_manifests_category_and_name(seeded):
    put(seeded, 'seeded', *[Order()] * 4)
    mapped, unmapped, ok, slow = take(seeded, 'agent-a', 4)
    queue.report(seeded, 'agent-a', [
        Result(mapped.id, 1, Outcome.FAILED, exit_code=3),
        Result(unmapped.id, 1, Outcome.FAILED, exit_code=4),
        Result(ok.id, 1, Outcome.COMPLETE, exit_code=0),
        Result(slow.id, 1, Outcome.TIMEOUT, exit_code=3)], now=T0)  # killed: not its error
    ended = {task.id: (task.status, task.error_category, task.error_name)
             for task in Task.select()}
    assert ended == {mapped.id: ('error', 'DATA', 'bad-input'),
                     unmapped.id: ('error', 'ALGORITHM', 'algorithm-unknown'),
                     ok.id: ('complete', None, None),
                     slow.id: ('timeout', 'SYSTEM', 'timeout')}


def test_a_job_fails_by_the_manifest_of_the_revision_it_was_queued_with(seeded):
    (task_id,) = put(seeded, 'seeded')
    job_types.edit(seeded, 'seeded', '1.0.0',
                   definition={'manifest': seed_manifest((3, 'flaky', 'job'))})
    (task,) = take(seeded, 'agent-a', 1)
    queue.report(seeded, 'agent-a', [Result(task.id, 1, Outcome.FAILED, exit_code=3)], now=T0)
    ended = Task.get_by_id(task_id)
    assert (ended.error_category, ended.error_name) == ('DATA', 'bad-input')


def test_a_batch_of_failures_reads_each_revisions_manifest_once(seeded, monkeypatch):
    put(seeded, 'seeded', *[Order()] * 5)
    claimed = take(seeded, 'agent-a', 5)
    reads = []
    real = failures.exit_errors
    monkeypatch.setattr(failures, 'exit_errors', lambda text: reads.append(text) or real(text))
    queue.report(seeded, 'agent-a', [Result(task.id, 1, Outcome.FAILED, exit_code=3)
                                     for task in claimed], now=T0)
    assert len(reads) == 1
    assert {task.error_name for task in Task.select()} == {'bad-input'}


RACES = 100


@pytest.mark.timeout(180)
def test_a_report_racing_a_requeue_refuses_what_the_requeue_took_and_never_fails(kinds):
    # the reaper (or a goodbye) requeues an agent's tasks while the agent reports them:
    # whichever commits first wins each task, and the other is told, never an error
    worker_id = workers.active_worker(kinds, 'agent-a')
    accepted = refused = 0
    for step in range(RACES):
        put(kinds, 'slow', *[Order()] * 10)
        claimed = take(kinds, 'agent-a', 10, now=T0 + step)
        results = [Result(task.id, task.attempt, Outcome.COMPLETE) for task in claimed]
        receipts = []
        errors = race(
            lambda: receipts.append(queue.report(kinds, 'agent-a', results, now=T0 + step)),
            lambda: workers.requeue_tasks_of(worker_id, T0 + step, failed=False, reason='race'),
            leader=step % 2)  # each leads half the races; how close they run is left to them
        assert errors == []
        (receipt,) = receipts
        status = {task.id: task.status for task in Task.select().where(
            Task.id.in_([task.id for task in claimed]))}
        assert sorted(receipt.accepted + [r['number'] for r in receipt.refused]) == sorted(status)
        assert {status[task_id] for task_id in receipt.accepted} <= {'complete'}
        assert {status[r['number']] for r in receipt.refused} <= {'queued'}
        assert {r['reason'] for r in receipt.refused} <= {'the task is queued, not running'}
        assert running_count('slow') == 0
        accepted, refused = accepted + len(receipt.accepted), refused + len(receipt.refused)
    assert accepted and refused  # both sides won some races
