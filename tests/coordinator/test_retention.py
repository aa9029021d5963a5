"""Retention: `prune` deletes (and can first keep) only what ended before the cut-off."""

import gzip
import json
import os
import stat

import pytest

from coordinator.models import Run, RunInput, Task, Worker
from coordinator.states import TaskfarmStatus
from coordinator.store import job_types, queue, retention, run_tasks, runs, workers
from coordinator.store.job_types import Definition
from coordinator.store.queue import Order
from coordinator.store.reports import Outcome, Result
from tests.coordinator.test_cli_users import coordinator_cli  # noqa: F401 (a fixture)

T0 = 1_000_000.0


@pytest.fixture
def history(alice_principal):
    """At T0: a finished run, a run half done, a cancelled one, queued work done and waiting,
    a worker that left and one still working. Everything that ended, ended at T0 + 10."""
    alice = alice_principal
    workers.register_worker(alice, 'gone', 'node', 1, now=T0)
    workers.register_worker(alice, 'busy', 'node', 2, now=T0)
    finished = runs.create_run(alice, 2, now=T0, recipe=runs.Recipe(
        command=['echo', '{line}'], inputs=['a', 'b']))
    half = runs.create_run(alice, 2, now=T0)
    cancelled = runs.create_run(alice, 3, now=T0)
    for run in (finished, half):
        for _ in range(2 if run is finished else 1):
            task = run_tasks.claim_next(alice, run.uuid, 'busy', now=T0)
            run_tasks.update_task(alice, run.uuid, task.number, status=TaskfarmStatus.DONE,
                                  now=T0 + 10)
    runs.cancel_run(alice, cancelled.uuid, now=T0 + 10)
    job_types.define(alice, 'job', '1.0', Definition(command=['true']), now=T0)
    ended_id, waiting_id = queue.queue_tasks(alice, 'job', '1.0', [Order(), Order()], now=T0)
    (claimed,) = queue.claim(alice, 'busy', 1, None, now=T0)
    queue.report(alice, 'busy', [Result(claimed.id, claimed.attempt, Outcome.COMPLETE)],
                 now=T0 + 10)
    workers.stop_worker(alice, 'gone', 'walltime', now=T0 + 10)
    Worker.update(last_heartbeat_at=T0 + 10).where(Worker.uuid == 'gone').execute()
    return {'finished': finished.uuid, 'half': half.uuid, 'cancelled': cancelled.uuid,
            'ended': claimed.id, 'waiting': waiting_id if claimed.id == ended_id else ended_id}


def left(history):
    return ({run.uuid for run in Run.select()}, {task.id for task in Task.select()
                                                 if task.run_id is None},
            {worker.uuid for worker in Worker.select()})


def test_a_dry_run_counts_what_ended_before_the_cutoff_and_deletes_nothing(history):
    before = left(history)
    pruned = retention.prune(T0 + 11, dry_run=True)
    assert pruned == retention.Pruned(runs=2, run_tasks=2, queued_tasks=1, workers=1)
    assert left(history) == before


def test_prune_deletes_what_ended_before_the_cutoff_and_keeps_the_rest(history,
                                                                      alice_principal):
    pruned = retention.prune(T0 + 11)
    assert pruned == retention.Pruned(runs=2, run_tasks=2, queued_tasks=1, workers=1)
    assert left(history) == ({history['half']}, {history['waiting']}, {'busy'})
    assert RunInput.select().count() == 0
    status = runs.run_status(alice_principal, history['half'])
    assert (status.waiting, status.done) == (1, 1)


def test_nothing_that_ended_at_or_after_the_cutoff_goes(history):
    before = left(history)
    assert retention.prune(T0 + 10) == retention.Pruned()
    assert left(history) == before


def test_kept_rows_are_exactly_the_deleted_ones(history):
    kept = []
    retention.prune(T0 + 11, keep=lambda table, rows: kept.extend((table, row) for row in rows),
                    chunk=1)
    by_table = {}
    for table, row in kept:
        by_table.setdefault(table, []).append(row)
    assert {row['uuid'] for row in by_table['run']} == {history['finished'], history['cancelled']}
    assert sorted(row['value'] for row in by_table['run_input']) == ['a', 'b']
    run_task_rows = [row for row in by_table['task'] if row['run_id'] is not None]
    queued_rows = [row for row in by_table['task'] if row['run_id'] is None]
    assert len(run_task_rows) == 2 and all(row['status'] == 'complete' for row in run_task_rows)
    assert [row['id'] for row in queued_rows] == [history['ended']]
    assert [row['uuid'] for row in by_table['worker']] == ['gone']


def test_when_keeping_fails_nothing_is_deleted(history):
    before = left(history)

    def full_disk(table, rows):
        raise OSError(28, 'No space left on device')

    with pytest.raises(OSError, match='No space'):
        retention.prune(T0 + 11, keep=full_disk)
    assert left(history) == before
    assert not Run.select().where(Run.deleting).exists()


def test_the_cli_archives_privately_then_deletes(history, coordinator_cli, tmp_path,  # noqa: F811
                                                 monkeypatch):
    monkeypatch.setattr('time.time', lambda: T0 + 11 + 86400)
    orphan = tmp_path / 'blobs' / ('0' * 64)  # a zip whose code package was deleted long ago
    orphan.parent.mkdir()
    orphan.write_bytes(b'z' * 2**20)
    os.utime(orphan, (0, 0))
    prune = ('--data-dir', str(tmp_path), 'prune', '--older-than', '1d')
    code, out, _ = coordinator_cli(*prune, '--dry-run')
    assert code == 0 and out.startswith('would delete 2 runs (2 tasks), 1 queued task, 1 worker ')
    assert ', 1 unused code zip (1.0 MiB)' in out and orphan.exists()
    path = tmp_path / 'old.jsonl.gz'
    code, out, _ = coordinator_cli(*prune, '--archive', str(path))
    assert code == 0 and out.startswith('deleted 2 runs (2 tasks), 1 queued task, 1 worker ')
    assert out.rstrip().endswith(f'8 rows archived in {path}')
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and not orphan.exists()
    lines = [json.loads(line) for line in gzip.decompress(path.read_bytes()).splitlines()]
    assert sorted(line['table'] for line in lines) == [
        'run', 'run', 'run_input', 'run_input', 'task', 'task', 'task', 'worker']
    assert left(history) == ({history['half']}, {history['waiting']}, {'busy'})
    code, _, err = coordinator_cli(*prune, '--archive', str(path))
    assert code == 1 and 'exists' in err


@pytest.mark.parametrize('age', ['30', 'd', '-1d', '1y'])
def test_an_age_without_a_unit_is_a_usage_error(coordinator_cli, capsys, age):  # noqa: F811
    with pytest.raises(SystemExit) as exited:
        coordinator_cli('prune', f'--older-than={age}')
    assert exited.value.code == 2 and 'is not an age such as' in capsys.readouterr().err
