"""Store: jobs queued with inputs checked against the revision they run, read back and filtered."""

import pytest

from coordinator.errors import Conflict, Forbidden, InvalidInput, NotFound
from coordinator.models import Task
from coordinator.states import ScaleStatus, TaskState
from coordinator.store import dispatch, job_types, jobs, queue, runs, users, workers
from coordinator.store.job_types import Definition
from coordinator.store.jobs import JobFilters
from coordinator.store.reports import Outcome, Result
from tests.coordinator.seed.manifests import COMPLETE

T0 = 1_000_000.0
IMAGE = {'INPUT_IMAGE': '/data/in.png'}


@pytest.fixture
def marker(alice_principal):
    """COMPLETE's type, image-watermark 0.1.0 (one try), and an agent."""
    job_types.define(alice_principal, 'image-watermark', '0.1.0', Definition(manifest=COMPLETE),
                     {'max_tries': 1, 'priority': 4}, now=T0)
    workers.register_worker(alice_principal, 'agent', 'node', 1, now=T0,
                            resources=workers.Resources(slots=4))
    return alice_principal


def queue_one(principal, inputs=IMAGE, priority=None, now=T0):
    return jobs.queue_job(principal, 'image-watermark', '0.1.0', inputs, priority, now=now)


def test_a_job_is_queued_with_its_input_as_the_payload_agents_read(marker):
    job_id = queue_one(marker, {**IMAGE, 'OPACITY': 0.25}, priority=9)
    task = Task.get_by_id(job_id)
    assert task.payload == '{"input":{"INPUT_IMAGE":"/data/in.png","OPACITY":0.25}}'
    assert (task.priority, task.run_id, task.status) == (9, None, 'queued')
    job = jobs.job(marker, job_id)
    assert (job.job_type_name, job.revision_num, job.state, job.input, job.output) == (
        'image-watermark', 1, TaskState.QUEUED, {**IMAGE, 'OPACITY': 0.25}, None)
    assert jobs.job(marker, queue_one(marker)).priority == 4  # the type's


def test_a_job_whose_input_does_not_fit_is_refused_and_nothing_is_queued(marker):
    with pytest.raises(InvalidInput, match="'INPUT_IMAGE' is required"):
        queue_one(marker, {'OPACITY': 0.5})
    with pytest.raises(InvalidInput, match='must be a number'):
        queue_one(marker, {**IMAGE, 'OPACITY': 'high'})
    with pytest.raises(InvalidInput, match='65536 bytes'):
        queue_one(marker, {**IMAGE, 'NOTE': 'x' * 70_000})
    assert Task.select().count() == 0


def test_the_input_is_checked_against_the_revision_the_job_is_pinned_to(marker):
    interface = {**COMPLETE['job']['interface'],
                 'inputs': {'json': [{'name': 'LEVEL', 'type': 'integer'}]}}
    edited = {**COMPLETE, 'job': {**COMPLETE['job'], 'interface': interface}}
    job_types.edit(marker, 'image-watermark', '0.1.0', definition={'manifest': edited})
    with pytest.raises(InvalidInput, match="'INPUT_IMAGE': not an input"):
        queue_one(marker)
    job = jobs.job(marker, queue_one(marker, {'LEVEL': 3}))
    assert (job.revision_num, job.input) == (2, {'LEVEL': 3})


def test_unknown_inactive_and_system_types_take_no_jobs_nor_do_workers(marker):
    with pytest.raises(NotFound):
        jobs.queue_job(marker, 'image-watermark', '9.9.9', IMAGE)
    with pytest.raises(Forbidden, match='system job type'):
        jobs.queue_job(marker, 'taskfarm-run', '1.0.0', {})
    worker = users.principal_for_token(users.create_token('alice', users.Scope.WORKER))
    with pytest.raises(Forbidden):
        jobs.queue_job(worker, 'image-watermark', '0.1.0', IMAGE)
    job_types.edit(marker, 'image-watermark', '0.1.0', {'is_active': False})
    with pytest.raises(Conflict, match='inactive'):
        queue_one(marker)


def test_a_failed_job_reads_with_its_error_and_a_finished_one_with_its_output(marker):
    failed, done = queue_one(marker), queue_one(marker)
    queue.claim(marker, 'agent', 2, now=T0)
    queue.report(marker, 'agent', [Result(failed, 1, Outcome.TIMEOUT),
                                   Result(done, 1, Outcome.COMPLETE, exit_code=0)], now=T0 + 5)
    Task.update(output='{"files": {}, "json": {"SCORE": 7}}').where(Task.id == done).execute()
    one, other = jobs.job(marker, failed), jobs.job(marker, done)
    assert (one.state, one.error_category, one.error_name, one.ended_at) == (
        TaskState.TIMEOUT, 'SYSTEM', 'timeout', T0 + 5)
    assert (other.state, other.output, other.error_name) == (
        TaskState.COMPLETE, {'files': {}, 'json': {'SCORE': 7}}, None)


def test_jobs_are_listed_newest_first_and_filtered_by_status_and_type(marker):
    job_types.define(marker, 'other', '1.0.0', Definition(command=['true']), now=T0)
    delayed = jobs.job(marker, queue_one(marker)).id
    Task.update(available_at=T0 + 60).where(Task.id == delayed).execute()
    running = queue_one(marker)
    queue.claim(marker, 'agent', 1, now=T0)
    other = jobs.queue_job(marker, 'other', '1.0.0', {'free': ['form']}, now=T0)
    run = runs.create_run(marker, 3, now=T0)  # a run's tasks are not jobs
    dispatch.claim_tasks(marker, run.uuid, 'agent', 1, T0)

    def listed(**filters):
        count, found = jobs.list_jobs(marker, JobFilters(**filters), 0, 100, now=T0 + 1)
        assert count == len(found)
        return [job.id for job in found]

    assert listed() == [other, running, delayed]
    assert listed(statuses=(ScaleStatus.PENDING,)) == [delayed]
    assert listed(statuses=(ScaleStatus.QUEUED, ScaleStatus.RUNNING)) == [other, running]
    assert listed(type_names=('other',)) == [other]
    type_id = jobs.job(marker, delayed).job_type_id
    assert listed(type_ids=(type_id,), statuses=(ScaleStatus.RUNNING,)) == [running]
    assert listed(statuses=(ScaleStatus.FAILED,)) == []
    count, page = jobs.list_jobs(marker, JobFilters(), 1, 1, now=T0)
    assert count == 3 and [job.id for job in page] == [running]


def test_another_project_reads_none_of_these_jobs(marker):
    job_id = queue_one(marker)
    users.add_user('bob', project='other')
    bob = users.principal_for_token(users.create_token('bob'))
    with pytest.raises(NotFound):
        jobs.job(bob, job_id)
    assert jobs.list_jobs(bob, JobFilters(), 0, 100, now=T0) == (0, [])
    with pytest.raises(NotFound):
        jobs.queue_job(bob, 'image-watermark', '0.1.0', IMAGE)
