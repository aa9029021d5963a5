"""Code packages in the store: revisions, options as dispatch policy, counts by state, and
uploads of one new name at once, on both databases."""

import threading

import pytest

from coordinator import db
from coordinator.models import JobType, JobTypeRevision, Task
from coordinator.states import TaskState
from coordinator.store import code_packages, queue, workers
from coordinator.store.code_packages import VERSION, Code
from coordinator.store.queue import Order
from coordinator.store.reports import Outcome, Result

T0 = 1_800_000_000.0
ZIP = Code(runtime='python', file_name='w.py', blob='a' * 64, checksum='b' * 32, size_bytes=9)


def test_a_packages_options_are_the_policy_its_queued_tasks_carry(alice_principal):
    view, revised = code_packages.upload(alice_principal, 'hello', ZIP, {
        'max_concurrency': 2, 'retries': 3, 'retries_delay': 5.0, 'default_priority': 2,
        'timeout': 60.0}, now=T0)
    assert revised and view.latest.rev == 1 and view.retries == 3
    (task_id,) = queue.queue_tasks(alice_principal, 'hello', VERSION, [Order(payload='{}')],
                                   now=T0)
    task = Task.get_by_id(task_id)
    assert (task.max_tries, task.retry_delay_s, task.priority, task.timeout_s) == (4, 5.0, 2, 60)
    assert task.job_type_revision.checksum == 'b' * 32
    assert JobType.get_by_id(view.id).max_scheduled == 2


def test_options_alone_make_no_revision_and_code_always_does(alice_principal):
    code_packages.upload(alice_principal, 'hello', ZIP, {}, now=T0)
    view, revised = code_packages.upload(alice_principal, 'hello', Code(), {'retries': 1})
    assert not revised and view.latest.rev == 1 and view.retries == 1
    view, revised = code_packages.upload(alice_principal, 'hello', ZIP, {})
    assert revised and view.latest.rev == 2 and view.latest.runtime == 'python'
    view, revised = code_packages.upload(alice_principal, 'hello', Code(file_name='v.py'), {})
    assert revised and (view.latest.rev, view.latest.file_name, view.latest.checksum) == (
        3, 'v.py', 'b' * 32)


def test_counts_by_state_take_queued_and_running_now_and_finished_in_the_window(
        alice_principal):
    view, _ = code_packages.upload(alice_principal, 'hello', ZIP, {}, now=T0)
    queue.queue_tasks(alice_principal, 'hello', VERSION, [Order()] * 4, now=T0)
    workers.register_worker(alice_principal, 'agent', 'node', 1, now=T0,
                            resources=workers.Resources(slots=4, cpus=4))
    first, second = queue.claim(alice_principal, 'agent', 2, None, now=T0)
    queue.report(alice_principal, 'agent', [Result(first.id, first.attempt, Outcome.COMPLETE)],
                 now=T0 + 10)
    assert code_packages.stats(alice_principal, view.id, T0, T0 + 20) == {
        TaskState.QUEUED: 2, TaskState.RUNNING: 1, TaskState.COMPLETE: 1}
    assert code_packages.stats(alice_principal, view.id, T0 + 11, T0 + 20) == {
        TaskState.QUEUED: 2, TaskState.RUNNING: 1}


def _upload(principal, start, out):
    start.wait(timeout=30)
    try:
        out.append(code_packages.upload(principal, 'hello', ZIP, {})[0].latest.rev)
    except Exception as exc:  # a unique violation would land here
        out.append(f'{type(exc).__name__}: {exc}')
    finally:
        db.database.close()


@pytest.mark.timeout(60)
def test_uploads_of_one_new_name_at_once_make_one_package_with_a_revision_each(
        alice_principal):
    start, out = threading.Barrier(4), []  # each thread has a connection of its own
    threads = [threading.Thread(target=_upload, args=(alice_principal, start, out))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=50)
    assert sorted(out) == [1, 2, 3, 4]
    (package,) = JobType.select().where(JobType.version == VERSION)
    assert JobTypeRevision.select().where(JobTypeRevision.job_type == package).count() == 4
