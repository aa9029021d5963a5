"""Tasks (/2/projects/{project_id}/tasks): queue many, queue from a webhook, list with
filters, read one, its log, cancel, progress and retry.

The log is what the task printed, up to the coordinator's `max_log_bytes` (its tail beyond,
as its agent sends it: `store/task_logs.py`). It is text/plain whatever Accept says
(iron_core asks for JSON).
"""

import falcon

from coordinator.api import bodies
from coordinator.api.ironworker import codes, edge, views
from coordinator.api.ironworker.ids import Kind, decode, encode
from coordinator.errors import InvalidInput, PayloadTooLarge
from coordinator.states import TaskState
from coordinator.store import iron_tasks
from coordinator.store.iron_tasks import TaskFilters
from coordinator.store.queue import MAX_PAYLOAD_BYTES, Order

MAX_TASKS = 1000  # per request
MAX_LABEL = 255
MAX_MSG_BYTES = 64 * 1024
DEFAULT_PRIORITY = -3  # ironcli's "the code's default_priority"
MAX_DELAY_S = codes.MAX_DELAY_S
MAX_TIMEOUT_S = iron_tasks.MAX_TIMEOUT_S


def _task(text: str) -> int:
    return decode(Kind.TASK, text)


class Tasks:
    """GET a page of the project's tasks; POST {"tasks": [...]} to queue them."""

    def __init__(self, config):
        self._config = config

    def on_get(self, req, resp, project_id):
        principal = edge.caller(req, project_id)
        offset, limit = edge.page(req)
        found = iron_tasks.list_tasks(principal, _filters(req), offset, limit)
        resp.media = {'tasks': [views.task(view, project_id) for view in found]}

    def on_post(self, req, resp, project_id):
        principal = edge.caller(req, project_id)
        body = bodies.json_object(req, self._config.max_body_bytes)
        items = bodies.required(body, 'tasks')
        if not isinstance(items, list) or not 1 <= len(items) <= MAX_TASKS:
            raise InvalidInput(f'tasks must be a list of 1 to {MAX_TASKS} objects')
        orders = [_order(item, f'tasks[{index}].') for index, item in enumerate(items)]
        ids = iron_tasks.queue_tasks(principal, orders)
        resp.media = {'msg': 'Queued up', 'tasks': [{'id': encode(Kind.TASK, new)}
                                                    for new in ids]}


def _filters(req) -> TaskFilters:
    """A status key counts as on whatever its value (Go sends `queued=%!d(bool=true)`);
    an empty code_name or label (Go sends them so) filters nothing."""
    states = tuple(state for state in TaskState if state.value in req.params)
    times = [bodies.query_number(req, name, None, minimum=0, maximum=codes.MAX_EPOCH_S)
             for name in ('from_time', 'to_time')]
    code_name, label = (req.get_param(name) or None for name in ('code_name', 'label'))
    return TaskFilters(states, code_name, *times, label)


def _order(item, where: str) -> tuple[str, Order]:
    """(code name, order) of one task of a queue request; unknown keys are ignored."""
    if not isinstance(item, dict):
        raise InvalidInput(f'{where[:-1]} must be an object')
    name = bodies.text(bodies.required(item, 'code_name', where), where + 'code_name',
                       codes.MAX_NAME)
    return name, Order(payload=checked_payload(item.get('payload'), where + 'payload'),
                       **task_options(item, where))


def task_options(values: dict, where: str = '') -> dict:
    """priority (-3 or none: the code's default), timeout (0 or none: the code's, else the
    maximum), delay and label of a task, from a body or a query string's values."""
    options = {}
    priority = values.get('priority')
    if priority not in (None, DEFAULT_PRIORITY):
        options['priority'] = bodies.integer(priority, where + 'priority', minimum=0,
                                             maximum=codes.MAX_PRIORITY)
    timeout = values.get('timeout')
    if timeout not in (None, 0):
        options['timeout_s'] = bodies.number(timeout, where + 'timeout', 0, MAX_TIMEOUT_S)
    if values.get('delay') is not None:
        options['delay_s'] = bodies.number(values['delay'], where + 'delay', 0, MAX_DELAY_S)
    if values.get('label') not in (None, ''):
        options['label'] = bodies.text(values['label'], where + 'label', MAX_LABEL)
    return options


def checked_payload(value, name: str) -> str:
    if value is None:
        return ''
    if not isinstance(value, str):
        raise InvalidInput(f'{name} must be a string (JSON text, usually)')
    if len(value.encode()) > MAX_PAYLOAD_BYTES:
        raise PayloadTooLarge(f'{name} is larger than {MAX_PAYLOAD_BYTES} bytes')
    return bodies.text(value, name, MAX_PAYLOAD_BYTES, empty_ok=True)


class Webhook:
    """POST any body to queue it as the payload of a task of ?code_name= (with ?priority=,
    ?timeout=, ?delay=, ?label= as a queue request takes them)."""

    def __init__(self, config):
        # a payload's limit, or the coordinator's on every body when that is smaller
        self._max_bytes = min(MAX_PAYLOAD_BYTES, config.max_body_bytes)

    def on_post(self, req, resp, project_id):
        principal = edge.caller(req, project_id)
        # the body first: one past the limit is 413 whatever else is wrong
        payload = checked_payload(bodies.body_text(req, self._max_bytes), 'the body')
        name = req.get_param('code_name')
        if not name:
            raise InvalidInput('name the code package to run: ?code_name=')
        name = bodies.text(name, 'code_name', codes.MAX_NAME)
        query = {key: _number(req, key) for key in ('priority', 'timeout', 'delay')
                 if req.get_param(key) is not None}
        options = task_options({**query, 'label': req.get_param('label')})
        (new,) = iron_tasks.queue_tasks(principal, [(name, Order(payload=payload, **options))])
        resp.media = {'id': encode(Kind.TASK, new), 'msg': 'Queued up.'}


def _number(req, name: str):
    """A query value as an int when whole (priority must be one), else a float."""
    value = bodies.query_number(req, name, 0.0, minimum=-2**31, maximum=2**31)
    return int(value) if value.is_integer() else value


class Task:
    """GET one task."""

    def on_get(self, req, resp, project_id, task_id):
        principal = edge.caller(req, project_id)
        resp.media = views.task(iron_tasks.task(principal, _task(task_id)), project_id)


class Log:
    """GET what a task printed, as text/plain; 404 while it has no log (clients retry)."""

    def on_get(self, req, resp, project_id, task_id):
        principal = edge.caller(req, project_id)
        text = iron_tasks.log(principal, _task(task_id))
        resp.content_type = falcon.MEDIA_TEXT
        resp.text = text


class Cancel:
    """POST (an empty body, no Content-Type) to cancel a queued or running task."""

    def on_post(self, req, resp, project_id, task_id):
        iron_tasks.cancel(edge.caller(req, project_id), _task(task_id))
        resp.media = {'msg': 'Cancelled'}


class Progress(bodies.BodyResource):
    """POST {"percent": 0-100, "msg": "..."} to say how far a task is."""

    def on_post(self, req, resp, project_id, task_id):
        body = self._read_body(req)  # first: one past the limit is 413 whatever it names
        principal = edge.caller(req, project_id)
        number = _task(task_id)
        percent = bodies.optional(body, 'percent', _percent)
        msg = body.get('msg')
        if msg is not None:
            if not isinstance(msg, str) or len(msg.encode()) > MAX_MSG_BYTES:
                raise InvalidInput(f'msg must be a string of at most {MAX_MSG_BYTES} bytes')
            msg = bodies.text(msg, 'msg', MAX_MSG_BYTES, empty_ok=True)
        iron_tasks.set_progress(principal, number, percent, msg)
        resp.media = {'msg': 'Progress set'}


def _percent(value, name: str) -> int | None:
    return None if value is None else bodies.integer(value, name, minimum=0, maximum=100)


class Retry(bodies.BodyResource):
    """POST {"delay": seconds} to queue a finished task again, as a new task."""

    def on_post(self, req, resp, project_id, task_id):
        body = self._read_body(req)  # first: one past the limit is 413 whatever it names
        principal = edge.caller(req, project_id)
        number = _task(task_id)
        delay = body.get('delay')
        delay_s = 0.0 if delay is None else bodies.number(delay, 'delay', 0, MAX_DELAY_S)
        new = iron_tasks.retry(principal, number, delay_s)
        resp.media = {'msg': 'Queued up', 'tasks': [{'id': encode(Kind.TASK, new)}]}

