"""Store: one dispatcher for runs and queued work — order, pauses, reports by id, concurrency."""

import multiprocessing

import pytest

from coordinator import db
from coordinator.models import JobType, Run, Task, Worker
from coordinator.store import dispatch, job_types, queue, runs, serve, users, workers
from coordinator.store.access import Scope
from coordinator.store.job_types import Definition
from coordinator.store.queue import Order
from coordinator.store.reports import Outcome, Result
from tests.conftest import PASSWORD
from tests.coordinator.racing import race

T0 = 1_000_000.0
RACES = 100


@pytest.fixture
def project(alice_principal):
    """Types `urgent` (priority 5) and `later`, and two serve agents at T0."""
    job_types.define(alice_principal, 'urgent', '1.0.0', Definition(command=['u']),
                     {'priority': 5}, now=T0)
    job_types.define(alice_principal, 'later', '1.0.0', Definition(command=['l']), now=T0)
    for name in ('agent-a', 'agent-b'):
        workers.register_worker(alice_principal, name, 'node', 1, now=T0,
                                resources=workers.Resources(slots=8, cpus=8))
    return alice_principal


def put(principal, name, *orders, now=T0):
    return queue.queue_tasks(principal, name, '1.0.0', list(orders) or [Order()], now=now)


def claim(principal, k, agent='agent-a', names=None, now=T0):
    return serve.claim(principal, agent, k, names, now=now)


def keys(work):
    """What a claim handed out: ('run', run id, number) or ('job', task id)."""
    return [('run', task.run_id, task.number) if task.run_id else ('job', task.id)
            for task in work]


def test_queued_work_goes_first_then_runs_oldest_first_then_negative_priorities(project):
    old_run = runs.create_run(project, 2, now=T0)
    new_run = runs.create_run(project, 1, now=T0)
    low = put(project, 'later', Order(priority=-1))
    zero = put(project, 'later', Order(priority=0))
    high = put(project, 'urgent')
    old_id, new_id = (Run.get(Run.uuid == run.uuid).id for run in (old_run, new_run))
    assert keys(claim(project, 10)) == [
        ('job', high[0]), ('job', zero[0]), ('run', old_id, 0), ('run', old_id, 1),
        ('run', new_id, 0), ('job', low[0])]
    assert claim(project, 10, 'agent-b') == []


def test_a_claim_stops_at_max_tasks_and_a_run_keeps_its_order_across_claims(project):
    run = runs.create_run(project, 5, now=T0)
    (job,) = put(project, 'urgent')
    assert keys(claim(project, 3))[0] == ('job', job)
    assert [task.number for task in claim(project, 3, 'agent-b')] == [2, 3, 4]
    assert Run.get(Run.uuid == run.uuid).running_count == 5


def test_work_names_its_type_revision_payload_and_run_in_the_briefing(project):
    run = runs.create_run(project, 1, now=T0,
                          recipe=runs.Recipe(command=['echo', '{task}'], inputs=['a.dat']))
    (job,) = put(project, 'urgent', Order(payload='{"x": 1}', timeout_s=9.5))
    work = claim(project, 5)
    brief = serve.briefing(work)
    queued, of_run = work
    assert (queued.id, queued.payload, queued.timeout_s) == (job, '{"x": 1}', 10)
    assert brief.types[queued.job_type_id] == ('urgent', '1.0.0')
    assert brief.types[of_run.job_type_id] == job_types.RUN_TYPE
    assert brief.revisions[queued.revision_id].command == ['u']
    assert brief.runs[of_run.run_id].uuid == run.uuid
    assert brief.runs[of_run.run_id].command == ['echo', '{task}']
    assert brief.inputs == {of_run.id: 'a.dat'}
    assert serve.briefing(work, {queued.revision_id}).revisions == {}


def test_named_types_limit_what_is_served_and_the_run_type_names_runs(project):
    runs.create_run(project, 1, now=T0)
    (later,) = put(project, 'later')
    put(project, 'urgent')
    assert keys(claim(project, 5, names=['later'])) == [('job', later)]
    assert [task.number for task in claim(project, 5, names=['taskfarm-run'])] == [0]


def test_a_paused_run_type_stops_its_runs_for_serve_and_run_claims_alike(project):
    run = runs.create_run(project, 2, now=T0)
    job_types.set_paused(project, *job_types.RUN_TYPE, True)
    assert claim(project, 5) == []
    assert dispatch.claim_tasks(project, run.uuid, 'agent-a', 5, now=T0) == []
    job_types.set_paused(project, *job_types.RUN_TYPE, False)
    assert [task.number for task in claim(project, 5)] == [0, 1]


def test_a_token_bound_to_a_run_serves_that_run_only(project, alice):
    mine = runs.create_run(project, 1, now=T0)
    runs.create_run(project, 1, now=T0)
    put(project, 'urgent')
    bound = users.principal_for_token(users.create_token(alice, Scope.WORKER, mine.uuid))
    workers.register_worker(bound, 'bound-agent', 'node', 1, now=T0,
                            resources=workers.Resources(slots=4))
    work = serve.claim(bound, 'bound-agent', 5, now=T0)
    assert [(brief.uuid, task.number) for task in work
            for brief in [serve.briefing(work).runs[task.run_id]]] == [(mine.uuid, 0)]


def test_one_report_settles_run_tasks_and_queued_work_by_id(project):
    run = runs.create_run(project, 2, now=T0)
    (job,) = put(project, 'urgent')
    first_job, first, second = claim(project, 3)
    receipt = serve.report(project, 'agent-a', [
        Result(first_job.id, 1, Outcome.COMPLETE),
        Result(first.id, 1, Outcome.COMPLETE),
        Result(second.id, 2, Outcome.COMPLETE),  # a stale attempt
        Result(10**9, 1, Outcome.COMPLETE)], now=T0 + 1)  # no such task
    assert sorted(receipt.accepted) == sorted([first_job.id, first.id])
    assert {refusal['number']: refusal['reason'][:10] for refusal in receipt.refused} == {
        second.id: 'attempt 2 ', 10**9: 'no such ta'}
    status = runs.run_status(project, run.uuid)
    assert (status.done, status.running) == (1, 1)
    assert Task.get_by_id(job).status == 'complete'


def test_a_serve_claim_or_report_of_a_runs_tasks_is_the_agents_heartbeat(project):
    runs.create_run(project, 2, now=T0)
    first, second = claim(project, 2, now=T0 + 10)  # filled from the run: its last transaction
    agent = Worker.get(Worker.uuid == 'agent-a')
    assert (agent.last_heartbeat_at, agent.state) == (T0 + 10, 'busy')
    serve.report(project, 'agent-a', [Result(task.id, 1, Outcome.COMPLETE)
                                      for task in (first, second)], now=T0 + 20)
    agent = Worker.get(Worker.uuid == 'agent-a')
    assert (agent.last_heartbeat_at, agent.state) == (T0 + 20, 'idle')
    serve.report(project, 'agent-a', [], now=T0 + 30, heartbeat=False)
    assert Worker.get(Worker.uuid == 'agent-a').last_heartbeat_at == T0 + 20


def test_another_projects_task_ids_are_refused_as_unknown(project):
    put(project, 'urgent')
    (work,) = claim(project, 1)
    users.add_user('bob', PASSWORD, project='other')
    bob_principal = users.principal_for_password('bob', PASSWORD)
    workers.register_worker(bob_principal, 'bob-agent', 'node', 1, now=T0,
                            resources=workers.Resources(slots=1))
    receipt = serve.report(bob_principal, 'bob-agent', [Result(work.id, 1, Outcome.COMPLETE)])
    assert receipt.accepted == []
    assert receipt.refused[0]['reason'] == 'no such task has been claimed'
    assert Task.get_by_id(work.id).status == 'running'


def test_results_for_a_run_deleted_since_the_claim_are_refused_as_unclaimed(project):
    run = runs.create_run(project, 1, now=T0)
    (job,) = put(project, 'urgent')
    queued_work, of_run = claim(project, 2)
    runs.delete_run(project, run.uuid)
    receipt = serve.report(project, 'agent-a', [Result(task.id, 1, Outcome.COMPLETE)
                                                for task in (of_run, queued_work)])
    assert receipt.accepted == [job]
    assert receipt.refused == [{'number': of_run.id, 'attempt': 1,
                                'reason': 'no such task has been claimed'}]


def test_a_runs_task_reported_as_queued_work_is_refused_as_unclaimed(project):
    runs.create_run(project, 1, now=T0)
    (of_run,) = claim(project, 1)
    receipt = queue.report(project, 'agent-a', [Result(of_run.id, 1, Outcome.COMPLETE)])
    assert receipt.accepted == [] and receipt.refused == [
        {'number': of_run.id, 'attempt': 1, 'reason': 'no such task has been claimed'}]
    assert Task.get_by_id(of_run.id).status == 'running'


def test_heartbeats_by_id_name_the_tasks_to_stop_and_held_tasks_list_queued_work(project):
    run = runs.create_run(project, 1, now=T0)
    (job,) = put(project, 'urgent')
    queued_work, of_run = claim(project, 2)
    runs.cancel_run(project, run.uuid, now=T0 + 1)
    held = [(queued_work.id, 1), (of_run.id, 1), (job, 7)]
    assert workers.heartbeat(project, 'agent-a', held=held, now=T0 + 2) == [(of_run.id, 1),
                                                                            (job, 7)]
    assert [(task.run, task.number, task.id) for task in
            workers.held_tasks(project, 'agent-a')] == [(None, None, job)]


def test_a_stopped_serve_agent_hands_back_both_kinds_without_using_a_try(project):
    run = runs.create_run(project, 1, now=T0)
    (job,) = put(project, 'urgent')
    claim(project, 2)
    assert workers.stop_worker(project, 'agent-a', 'drained', now=T0 + 1) == 2
    assert [(task.status, task.failed_tries) for task in Task.select().order_by(Task.id)] == [
        ('queued', 0), ('queued', 0)]
    assert runs.run_status(project, run.uuid).running == 0 and job


def _serve_claimer(database_url, principal, agent, out):
    """Claim 3 at a time and complete them at once, until a claim comes back empty twice."""
    db.bind(db.open_database(database_url))
    got, empty = [], 0
    while empty < 2:
        work = serve.claim(principal, agent, 3)
        empty = 0 if work else empty + 1
        got += [task.id for task in work]
        if work:
            serve.report(principal, agent, [Result(task.id, task.attempt, Outcome.COMPLETE)
                                            for task in work])
    out.put(got)


def test_no_task_is_handed_out_twice_under_concurrent_serve_agents(database_url, project):
    runs.create_run(project, 40)
    put(project, 'urgent', *[Order()] * 20)
    put(project, 'later', *[Order(priority=-3)] * 20)
    agents = [f'serve-{index}' for index in range(4)]
    for agent in agents:
        workers.register_worker(project, agent, 'node', 1, resources=workers.Resources(slots=3))
    db.database.close()
    ctx = multiprocessing.get_context('fork')
    out = ctx.Queue()
    procs = [ctx.Process(target=_serve_claimer, args=(database_url, project, agent, out))
             for agent in agents]
    for proc in procs:
        proc.start()
    claimed = [task_id for _ in procs for task_id in out.get(timeout=100)]
    for proc in procs:
        proc.join(10)
    db.bind(db.open_database(database_url))
    assert len(claimed) == 80 and len(set(claimed)) == 80
    assert {task.status for task in Task.select()} == {'complete'}
    assert Run.get().done_count == 40


@pytest.mark.timeout(180)
def test_a_mixed_report_racing_a_requeue_refuses_what_the_requeue_took(project):
    # a run's results wait for its lock, queued work's for its rows: either way the report
    # and the reaper (or a goodbye) each win some tasks, and neither fails
    runs.create_run(project, 10_000, now=T0)
    worker_id = workers.active_worker(project, 'agent-a')
    accepted = refused = 0
    for step in range(RACES):
        put(project, 'urgent', *[Order()] * 5)
        waiting = Task.select().where(Task.run.is_null(), Task.status == 'queued').count()
        work = claim(project, waiting + 5, now=T0 + step)  # all the queued work, and a run's
        assert len({task.run_id for task in work}) == 2  # queued work and the run's tasks
        results = [Result(task.id, task.attempt, Outcome.COMPLETE) for task in work]
        receipts = []
        assert race(
            lambda: receipts.append(serve.report(project, 'agent-a', results, now=T0 + step)),
            lambda: workers.requeue_tasks_of(worker_id, T0 + step, failed=False,
                                             reason='race'),
            leader=step % 2) == []  # each leads half the races
        (receipt,) = receipts
        status = {task.id: task.status for task in Task.select().where(
            Task.id.in_([task.id for task in work]))}
        assert sorted(receipt.accepted + [r['number'] for r in receipt.refused]) == sorted(status)
        assert {status[task_id] for task_id in receipt.accepted} <= {'complete'}
        assert {(status[r['number']], r['reason']) for r in receipt.refused} <= {
            ('queued', 'the task is queued, not running')}
        assert Run.get().running_count == 0
        assert JobType.get(JobType.name == 'urgent').scheduled_count == 0
        accepted, refused = accepted + len(receipt.accepted), refused + len(receipt.refused)
    assert accepted and refused  # both sides won some races


def test_a_serve_claim_passes_over_a_run_whose_row_another_transaction_holds(project,
                                                                             database_url):
    # on PostgreSQL: a claim waiting for the row held a coordinator thread, and with thousands
    # of agents every thread ended up in that queue. SQLite has one writer at a time anyway.
    if not database_url.startswith('postgres'):
        pytest.skip('row locks are PostgreSQL only')
    run = runs.create_run(project, 3, now=T0)
    (job,) = put(project, 'later')
    holder = db.open_database(database_url)  # another coordinator's connection
    db.database.execute_sql("SET statement_timeout = '5s'")  # a wait fails, never hangs
    try:
        with holder.atomic():
            holder.execute_sql('SELECT id FROM run WHERE uuid = %s FOR UPDATE', (run.uuid,))
            assert keys(claim(project, 10)) == [('job', job)]
        assert [task.number for task in claim(project, 10, 'agent-b')] == [0, 1, 2]
    finally:
        db.database.execute_sql('RESET statement_timeout')
        holder.close()
