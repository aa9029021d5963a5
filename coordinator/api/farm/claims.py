"""Agents claim a run's tasks in batches and report results (/farm/v1/runs/{uuid}/claim, /results).

Claims and reports are heartbeats too. A result carries the attempt its task
was claimed with and is refused when that attempt is no longer current, or
when it is invalid itself: one bad result never sinks the other tasks' results
in its batch.
"""

import json

import falcon

from coordinator.api import bodies
from coordinator.api.farm.views import run_dict
from coordinator.errors import InvalidInput
from coordinator.models import MAX_TASKS
from coordinator.store import dispatch, reports, runs

MAX_BATCH = 1000
MAX_ATTEMPT = 2**31 - 1  # task.attempt is a 32-bit column
MAX_TASK_ID = 2**31 - 1  # task.id is a 32-bit column too


class Claim(bodies.BodyResource):
    """POST /farm/v1/runs/{uuid}/claim {worker_uuid, max_tasks, results?}: up to max_tasks tasks.

    Results sent along are applied first, as by /results, and answered in `receipt`:
    an agent with finished tasks and free slots needs one request, not two, and the
    coordinator one transaction (`dispatch.report_and_claim`).
    """

    worker_methods = frozenset({'POST'})  # an agent's call

    def on_post(self, req, resp, uuid):
        body = self._read_body(req)
        bodies.only_keys(body, {'worker_uuid', 'max_tasks', 'results'})
        worker_uuid = bodies.text(bodies.required(body, 'worker_uuid'), 'worker_uuid', 64)
        count = bodies.integer(bodies.required(body, 'max_tasks'), 'max_tasks', minimum=1,
                               maximum=MAX_BATCH)
        principal = req.context.principal
        results, invalid = (checked_results(body['results']) if 'results' in body
                            else ([], []))
        stored, tasks = dispatch.report_and_claim(principal, uuid.hex, worker_uuid, results,
                                                  count)
        run = runs.run_status(principal, uuid.hex)
        claimed = [{'number': t.number, 'attempt': t.attempt, 'percent': t.percent} for t in tasks]
        if run.has_inputs:
            inputs = runs.task_inputs(run.id, [task['number'] for task in claimed])
            for task in claimed:
                task['input'] = inputs.get(task['number'])
        resp.media = {'tasks': claimed, 'run': run_dict(run)}
        if 'results' in body:
            resp.media['receipt'] = {'accepted': stored.accepted,
                                     'refused': invalid + stored.refused}


class Results(bodies.BodyResource):
    """POST /farm/v1/runs/{uuid}/results {worker_uuid, results}: 200, or 409 if all are refused."""

    worker_methods = frozenset({'POST'})  # an agent's call

    def on_post(self, req, resp, uuid):
        body = self._read_body(req)
        bodies.only_keys(body, {'worker_uuid', 'results'})
        worker_uuid = bodies.text(bodies.required(body, 'worker_uuid'), 'worker_uuid', 64)
        receipt = _report(req.context.principal, uuid.hex, worker_uuid,
                          bodies.required(body, 'results'))
        resp.status = falcon.HTTP_409 if not receipt['accepted'] else falcon.HTTP_200
        resp.media = receipt


def _report(principal, run_uuid: str, worker_uuid: str, items) -> dict:
    """Apply a batch's valid results; the receipt refuses the others, each with its reason."""
    results, invalid = checked_results(items)
    receipt = reports.report(principal, run_uuid, worker_uuid, results)
    return {'accepted': receipt.accepted, 'refused': invalid + receipt.refused}


def checked_results(items, key: str = 'number') -> tuple[list[reports.Result], list[dict]]:
    """The valid results of a batch, and a refusal for each invalid one.

    A result is another task's work than its batch-mates', so one that is invalid (a
    message no database stores, a percent out of range, an unknown outcome) is refused
    alone. Only a batch whose results cannot be told apart, for want of a `key` (a task's
    number in its run, or its id) and an attempt, is refused whole. `Result.number` holds
    the key, and so does each refusal, under its name.
    """
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_BATCH:
        raise InvalidInput(f'results must be a list of 1 to {MAX_BATCH} results')
    results, invalid = [], []
    for index, item in enumerate(items):
        number, attempt = _result_key(item, f'results[{index}]', key)
        try:
            results.append(_result(item, key, number, attempt))
        except InvalidInput as error:
            invalid.append({key: number, 'attempt': attempt, 'reason': error.msg})
    return results, invalid


def _result_key(item, name: str, key: str) -> tuple[int, int]:
    """The key and attempt a result is for, which even a refusal must name."""
    if not isinstance(item, dict):
        raise InvalidInput(f'{name} must be an object')
    return (bodies.integer(bodies.required(item, key, f'{name}.'), f'{name}.{key}',
                           minimum=0, maximum=MAX_TASK_ID if key == 'id' else MAX_TASKS),
            bodies.integer(bodies.required(item, 'attempt', f'{name}.'), f'{name}.attempt',
                           minimum=1, maximum=MAX_ATTEMPT))


def _result(item: dict, key: str, number: int, attempt: int) -> reports.Result:
    """One result, checked field by field; InvalidInput says what is wrong with it.

    (A lone surrogate anywhere in the body was refused with the whole body, where it
    was parsed: JSON that holds one is not Unicode, so it is not one bad result.)
    """
    bodies.only_keys(item, {key, 'attempt', 'outcome', 'percent', 'exit_code', 'msg',
                            'log_tail', 'output'})
    return reports.Result(
        number=number, attempt=attempt,
        outcome=bodies.choice(bodies.required(item, 'outcome'), 'outcome', reports.Outcome),
        percent=bodies.optional(item, 'percent', bodies.number, 0, 100),
        exit_code=bodies.optional(item, 'exit_code', bodies.integer, minimum=-255, maximum=255),
        msg=bodies.optional(item, 'msg', bodies.text, 4096, empty_ok=True),
        log_tail=bodies.optional(item, 'log_tail', bodies.text, reports.LOG_TAIL_CHARS,
                                 empty_ok=True),
        output=bodies.optional(item, 'output', _output),
    )


def _output(value, name: str) -> str:
    """A job's outputs (a JSON object), as the JSON text stored with the task."""
    if not isinstance(value, dict):
        raise InvalidInput(f'{name} must be an object')
    text = json.dumps(value, separators=(',', ':'))
    if len(text.encode()) > reports.OUTPUT_BYTES:
        raise InvalidInput(f'{name} holds more than {reports.OUTPUT_BYTES} bytes of JSON')
    return text
