"""Schedules (/2/projects/{project_id}/schedules): create many, list, read one, change one
(PUT, as the Ruby client does) and cancel one.

A schedule's fields are a task's (code_name, payload, priority, timeout, delay, label,
read as a queue request reads them) plus its timing: start_at (now unless told),
run_every (seconds, at least 60; none: once), end_at and run_times. Unknown keys
(cluster, sync, max_concurrency) are ignored, as they are on tasks.
"""

import re

from coordinator.api import bodies
from coordinator.api.ironworker import codes, edge, tasks, views
from coordinator.errors import InvalidInput, NotFound
from coordinator.store import iron_schedules
from coordinator.store.iron_schedules import ScheduleOrder

# per request: no more than this may fire at once in a project anyway
MAX_SCHEDULES = iron_schedules.MAX_LIVE_SCHEDULES
MIN_RUN_EVERY_S = 60
MAX_RUN_EVERY_S = 10 * 366 * 24 * 3600
MAX_RUN_TIMES = 2**31 - 1
MAX_NAME = 255
_SCHEDULE_ID = re.compile(r'[0-9a-f]{24}')
# the order's fields a task's options set, by the keys that set them
_OPTIONS = {'priority': 'priority', 'timeout': 'timeout_s', 'delay': 'delay_s',
            'label': 'label'}


def _public_id(text: str) -> str:
    """A schedule's 24-hex id from a path; NotFound for anything else."""
    if _SCHEDULE_ID.fullmatch(text) is None:
        raise NotFound(f'no schedule {text[:40]}')
    return text


class Schedules:
    """GET a page of the project's schedules; POST {"schedules": [...]} to add them."""

    def __init__(self, config):
        self._config = config

    def on_get(self, req, resp, project_id):
        principal = edge.caller(req, project_id)
        offset, limit = edge.page(req)
        found = iron_schedules.list_schedules(principal, offset, limit)
        resp.media = {'schedules': [views.schedule(view, project_id) for view in found]}

    def on_post(self, req, resp, project_id):
        principal = edge.caller(req, project_id)
        body = bodies.json_object(req, self._config.max_body_bytes)
        items = bodies.required(body, 'schedules')
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_SCHEDULES:
            raise InvalidInput(f'schedules must be a list of 1 to {MAX_SCHEDULES} objects')
        orders = [ScheduleOrder(**order_fields(item, f'schedules[{index}].', creating=True))
                  for index, item in enumerate(items)]
        ids = iron_schedules.create(principal, orders)
        resp.media = {'msg': 'Scheduled', 'schedules': [{'id': new} for new in ids]}


class Schedule:
    """GET one schedule; PUT the fields to change (the others stay)."""

    def __init__(self, config):
        self._config = config

    def on_get(self, req, resp, project_id, schedule_id):
        principal = edge.caller(req, project_id)
        view = iron_schedules.get(principal, _public_id(schedule_id))
        resp.media = views.schedule(view, project_id)

    def on_put(self, req, resp, project_id, schedule_id):
        principal = edge.caller(req, project_id)
        body = bodies.json_object(req, self._config.max_body_bytes)
        public_id = _public_id(schedule_id)
        fields = order_fields(body, '', creating=False)
        iron_schedules.update(principal, public_id, ScheduleOrder(**{
            'code_name': '', 'payload': '', **fields}), set(fields))
        resp.media = {'id': public_id, 'msg': 'Updated'}


class Cancel:
    """POST (an empty body, no Content-Type; Ruby may send {"delete": true}) to cancel one."""

    def on_post(self, req, resp, project_id, schedule_id):
        principal = edge.caller(req, project_id)
        iron_schedules.cancel(principal, _public_id(schedule_id))
        resp.media = {'msg': 'Cancelled'}


def order_fields(item, where: str, *, creating: bool) -> dict:
    """The ScheduleOrder fields a schedule object sets: all of them when `creating`
    (code_name required), else only those whose keys it holds."""
    if not isinstance(item, dict):
        raise InvalidInput(f'{where[:-1] or "the body"} must be an object')
    if creating:
        bodies.required(item, 'code_name', where)
    fields = {}
    if 'code_name' in item:
        fields['code_name'] = bodies.text(item['code_name'], where + 'code_name', codes.MAX_NAME)
    if creating or 'payload' in item:
        fields['payload'] = tasks.checked_payload(item.get('payload'), where + 'payload')
    for key in ('start_at', 'end_at'):
        if key in item:
            fields[key] = edge.instant(item[key], where + key)
    if item.get('run_every') is not None:
        fields['run_every_s'] = _run_every(item['run_every'], where + 'run_every')
    elif 'run_every' in item:
        fields['run_every_s'] = None
    if 'run_times' in item:
        fields['run_times'] = (None if item['run_times'] in (None, 0) else bodies.integer(
            item['run_times'], where + 'run_times', minimum=1, maximum=MAX_RUN_TIMES))
    if 'name' in item:
        fields['name'] = (None if item['name'] in (None, '') else
                          bodies.text(item['name'], where + 'name', MAX_NAME))
    options = tasks.task_options(item, where)
    # a key sent as null (or priority -3, timeout 0) sets the default, on a PUT too
    fields.update({field: options.get(field) for key, field in _OPTIONS.items()
                   if key in item})
    return fields


def _run_every(value, name: str) -> int:
    """Whole seconds between fires, at least a minute (400 below, as IronWorker answers)."""
    seconds = bodies.number(value, name, 0, MAX_RUN_EVERY_S)
    if seconds < MIN_RUN_EVERY_S:
        raise InvalidInput(f'{name} must be at least {MIN_RUN_EVERY_S} seconds, not {value}')
    if seconds != int(seconds):
        raise InvalidInput(f'{name} must be whole seconds, not {value}')
    return int(seconds)
