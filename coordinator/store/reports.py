"""Results from farmworker agents, many per request, each fenced by the attempt it was claimed with.

A result for an attempt that is no longer current (the task was requeued after
its worker was declared lost, and perhaps claimed again) is refused and changes
nothing: a zombie worker can never overwrite its successor's work.
"""

import collections
import dataclasses
import enum
import time

from coordinator import failures
from coordinator.db import run_sql
from coordinator.metrics import instruments
from coordinator.states import TRANSITIONS, TaskState
from coordinator.store import workers
from coordinator.store.access import Principal
from coordinator.store.counters import RunCounters
from coordinator.store.moves import leaving_for
from coordinator.store.runs import RunRef, find_run

LOG_TAIL_CHARS = 64 * 1024
OUTPUT_BYTES = 64 * 1024  # a job's outputs, as JSON text (what agents collect, bounded alike)
_UNCLAIMED = 'no such task has been claimed'


class Outcome(str, enum.Enum):
    """What an agent says about one attempt of a task."""

    RUNNING = 'running'  # progress only
    COMPLETE = 'complete'  # exit code 0
    FAILED = 'failed'  # non-zero exit code: retried while tries are left
    TIMEOUT = 'timeout'  # killed at the run's task timeout: retried, then SYSTEM
    SYSTEM_ERROR = 'system_error'  # the node's fault, e.g. exit unknown: retried, then SYSTEM
    RELEASED = 'released'  # handed back unfinished (walltime, drain): no try used


@dataclasses.dataclass(frozen=True)
class Result:
    number: int
    attempt: int
    outcome: Outcome
    percent: float | None = None
    exit_code: int | None = None
    msg: str | None = None
    log_tail: str | None = None
    output: str | None = None  # a job's outputs as JSON text, kept when it completes


@dataclasses.dataclass
class Receipt:
    """Which results were applied and which were refused, with the reason."""

    accepted: list[int] = dataclasses.field(default_factory=list)
    refused: list[dict] = dataclasses.field(default_factory=list)


def report(principal: Principal, run_uuid: str, worker_uuid: str, results: list[Result],
           now: float | None = None) -> Receipt:
    """Apply a batch of results in one transaction; the call also counts as a heartbeat."""
    now = time.time() if now is None else now
    worker_id = workers.active_worker(principal, worker_uuid)
    receipt = Receipt()
    with workers.writing_with_beat(worker_id, now):
        run = find_run(principal, run_uuid, lock=True)
        counters = RunCounters(run.id, now)
        settle_run(run, worker_id, results, receipt, counters)
        counters.save()
    return receipt


def settle_run(run: RunRef, worker_id: int, results: list[Result], receipt: Receipt,
               counters: RunCounters, *, by_id: bool = False) -> None:
    """`report`'s work on a run the caller's transaction has locked, for a checked worker; the
    run's counts go to `counters`, for the caller to save.

    `Result.number` is the task's number in the run, or its id with `by_id`.
    """
    policy = (run.max_tries, run.retry_delay_s)
    rows = _task_rows(run.id, {result.number for result in results}, 'id' if by_id else 'number')
    settle(rows, results, worker_id, counters.now, receipt, lambda row: policy,
           lambda row, new, percent_delta: counters.move(TaskState.RUNNING, new, percent_delta))


def settle(rows: dict, results: list[Result], worker_id: int, now: float, receipt: Receipt,
           policy, count, exit_errors=lambda row: None) -> None:
    """Apply `results` to their tasks' `rows` (keyed as `Result.number`), fenced by attempt.

    A row is (id, status, attempt, worker id, percent, failed tries, ...); `policy(row)`
    is its task's (max tries, retry delay); `count(row, new state, percent delta)` counts
    each move out of running; `exit_errors(row)` the errors its type's manifest maps exit
    codes to (failures.exit_errors), None without one. Accepted keys and refusals go to
    `receipt`.
    """
    moves = TRANSITIONS[TaskState.RUNNING]  # where a result may take its running task
    changes: dict[int, tuple[int, dict]] = {}  # task id -> (attempt, columns to set)
    outcomes = collections.Counter()  # accepted results by outcome
    for result in results:
        row = rows.get(result.number)
        refusal = _refusal(row, result, worker_id)
        if refusal is None:
            task_id, _, _, _, old_percent, failed_tries = row[:6]
            new, fields = _apply(result, failed_tries, *policy(row), now,
                                 lambda: exit_errors(row))
            if new is not TaskState.RUNNING and new not in moves:  # progress moves nothing
                refusal = f'a running task cannot become {new.value}'
        if refusal:
            receipt.refused.append(_refused(result, refusal))
            continue
        fields.setdefault('percent', old_percent)
        count(row, new, fields['percent'] - old_percent)
        receipt.accepted.append(result.number)
        # a later result for the same task in this batch must see what this one did
        rows[result.number] = (task_id, fields.get('status', TaskState.RUNNING.value),
                               result.attempt, worker_id, fields['percent'],
                               fields.get('failed_tries', failed_tries), *row[6:])
        changes[task_id] = (result.attempt, {**changes.get(task_id, (0, {}))[1], **fields})
        outcomes[result.outcome.value] += 1
    _update_tasks(changes)
    for outcome, count in outcomes.items():  # the caller's transaction commits next
        instruments.reported(outcome, count)


def refuse_unclaimed(results: list[Result], receipt: Receipt) -> None:
    """Refuse `results` as naming no claimed task, without reading one: tasks of a run being
    deleted, or a run's tasks reported as queued work (`queue.report`)."""
    receipt.refused += [_refused(result, _UNCLAIMED) for result in results]


def _refused(result: Result, reason: str) -> dict:
    return {'number': result.number, 'attempt': result.attempt, 'reason': reason}


# the type of every column a result may set: values arrive untyped in a VALUES list
_COLUMN_TYPES = {'status': 'TEXT', 'percent': 'DOUBLE PRECISION', 'msg': 'TEXT',
                 'log_tail': 'TEXT', 'exit_code': 'INTEGER', 'error_category': 'TEXT',
                 'error_name': 'TEXT', 'output': 'TEXT',
                 'failed_tries': 'INTEGER', 'worker_id': 'INTEGER',
                 'status_changed_at': 'DOUBLE PRECISION', 'ended_at': 'DOUBLE PRECISION',
                 'queued_at': 'DOUBLE PRECISION', 'available_at': 'DOUBLE PRECISION'}


def _update_tasks(changes: dict[int, tuple[int, dict]]) -> None:
    """Apply the batch's changes in one UPDATE per set of columns and new state (usually one).

    A statement per result held the run lock for a round trip each on PostgreSQL. Each
    UPDATE moves its tasks only from the states the table lets them leave for the new one;
    progress, which moves nothing, applies to running tasks.
    """
    groups: dict[tuple[tuple[str, ...], str | None], list[tuple]] = {}
    for task_id, (attempt, fields) in changes.items():
        columns = tuple(sorted(fields))
        groups.setdefault((columns, fields.get('status')), []).append(
            (task_id, attempt, *(fields[c] for c in columns)))
    for (columns, status), values in groups.items():
        row = f'({", ".join("?" * (len(columns) + 2))})'
        # VALUES columns are named column1, column2, ... by both databases (and SQLite's
        # driver reports no row count for a statement that starts WITH, so no CTE here)
        assignments = ', '.join(f'{column} = CAST(v.column{index} AS {_COLUMN_TYPES[column]})'
                                for index, column in enumerate(columns, 3))
        leaving, olds = (leaving_for(TaskState(status), column='task.status') if status
                         else ('task.status = ?', (TaskState.RUNNING.value,)))
        changed = run_sql(
            f'UPDATE task SET {assignments} FROM (VALUES {", ".join([row] * len(values))}) AS v '
            'WHERE task.id = CAST(v.column1 AS INTEGER) '
            f'AND task.attempt = CAST(v.column2 AS INTEGER) AND {leaving}',
            (*(item for value in values for item in value), *olds)).rowcount
        # cannot happen while the tasks read are locked (their run's row, or queue.settle's)
        if changed != len(values):
            raise RuntimeError(f'{len(values) - changed} task(s) changed under their lock')


def _task_rows(run_id: int, keys: set[int], key: str) -> dict[int, tuple]:
    """The rows of a batch's tasks in one query (a query per result was slow on PostgreSQL),
    by the column `key` (number or id).

    The keys' range is in the SQL too: without it PostgreSQL, before its first statistics
    of a new table, read every task of the run through the index and kept the batch's, a
    cost that grew with the run (7 ms a report at 50,000 tasks, against 0.1 ms with it).
    """
    if not keys:  # every result of the batch was invalid
        return {}
    ordered = sorted(keys)
    return {row[0]: row[1:] for row in run_sql(
        f'SELECT {key}, id, status, attempt, worker_id, percent, failed_tries FROM task '
        f'WHERE run_id = ? AND {key} BETWEEN ? AND ? '
        f'AND {key} IN ({", ".join("?" * len(ordered))})',
        (run_id, ordered[0], ordered[-1], *ordered)).fetchall()}


def _refusal(row, result: Result, worker_id: int) -> str | None:
    if row is None:
        return _UNCLAIMED
    _, status, attempt, holder = row[:4]
    if attempt != result.attempt:
        return f'attempt {result.attempt} is stale: the task is at attempt {attempt}'
    if status != TaskState.RUNNING.value:
        return f'the task is {status}, not running'
    if holder != worker_id:
        return 'the task is held by another worker'
    return None


def _apply(result: Result, failed_tries: int, max_tries: int, retry_delay_s: float,
           now: float, exit_errors=lambda: None) -> tuple[TaskState, dict]:
    """The state a result moves its task to, and the columns that change.

    `exit_errors()` gives the manifest's errors by exit code, asked only for a failure.
    """
    fields = {} if result.percent is None else {'percent': result.percent}
    if result.msg is not None:
        fields['msg'] = result.msg
    if result.log_tail is not None:
        fields['log_tail'] = result.log_tail[-LOG_TAIL_CHARS:]
    if result.outcome is Outcome.RUNNING:
        return TaskState.RUNNING, fields
    fields.update(status_changed_at=now, exit_code=result.exit_code)
    if result.outcome is Outcome.COMPLETE:
        return TaskState.COMPLETE, dict(fields, status=TaskState.COMPLETE.value, percent=100.0,
                                        ended_at=now, error_category=None, error_name=None,
                                        output=result.output)
    if result.outcome is Outcome.RELEASED:
        return TaskState.QUEUED, dict(fields, status=TaskState.QUEUED.value, worker_id=None,
                                      queued_at=now, available_at=now)
    tries = failed_tries + 1
    if tries < max_tries:  # retried after the run's delay
        return TaskState.QUEUED, dict(fields, status=TaskState.QUEUED.value, worker_id=None,
                                      failed_tries=tries, queued_at=now,
                                      available_at=now + retry_delay_s)
    final = TaskState.TIMEOUT if result.outcome is Outcome.TIMEOUT else TaskState.ERROR
    error = failures.classify(result.outcome.value, result.exit_code, exit_errors())
    return final, dict(fields, status=final.value, failed_tries=tries, ended_at=now,
                       error_category=error.category.value, error_name=error.name)
