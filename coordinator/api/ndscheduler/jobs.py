"""Jobs (/api/v1/jobs): list and add cron jobs; read, modify (PUT), delete, pause (PATCH) and
resume (OPTIONS) one.

POST and PUT take `name`, `job_class_string` and at least one of the cron fields month,
day, day_of_week, hour, minute (APScheduler's meaning: coordinator.cron), `pub_args` (a
list), and `timezone` (a zone name; UTC unless given). Every other field is a keyword
argument of the job, as on ndscheduler (week, second and year too). PUT replaces the
whole trigger, timezone included; it keeps the job's pub_args when it sends none, and its
keyword arguments when it sends no other field. Each answers {"job_id"}. A job of the
built-in class that creates taskfarm runs (store/scheduled_runs.py) has the run's fields as
its keyword arguments, checked here as POST /farm/v1/runs checks them.
"""

import re

import falcon

from coordinator import cron
from coordinator.api import bodies
from coordinator.api.farm import runs as farm_runs
from coordinator.api.ndscheduler import views
from coordinator.errors import InvalidInput, NotFound
from coordinator.store import scheduled_runs, schedules
from coordinator.store.schedules import CronJob

CRON_FIELDS = ('month', 'day', 'day_of_week', 'hour', 'minute')  # what ndscheduler sets
KNOWN = frozenset({'name', 'job_class_string', 'pub_args', 'timezone', *CRON_FIELDS})
MAX_CLASS_STRING = 255
_JOB_ID = re.compile(r'[0-9a-f]{32}')


def job_from(body: dict, *, modifying: bool = False) -> CronJob:
    """The job a POST or PUT body describes (InvalidInput naming what is wrong)."""
    name = bodies.text(bodies.required(body, 'name'), 'name', schedules.MAX_NAME)
    class_string = bodies.text(bodies.required(body, 'job_class_string'), 'job_class_string',
                               MAX_CLASS_STRING)
    given = {field: body[field] for field in CRON_FIELDS if field in body}
    if not given:
        raise InvalidInput(f'give at least one of the cron fields {", ".join(CRON_FIELDS)}')
    try:
        trigger = cron.trigger(given, body.get('timezone'))
    except cron.CronError as exc:
        raise InvalidInput(str(exc)) from None
    kwargs = {key: value for key, value in body.items() if key not in KNOWN}
    pub_args = _pub_args(body, modifying)
    if scheduled_runs.is_run_job(class_string):
        _check_run_job(pub_args, kwargs)
    return CronJob(name, class_string, trigger, pub_args, kwargs or (None if modifying else {}))


def _check_run_job(pub_args: list | None, kwargs: dict) -> None:
    """A TaskfarmRunJob's arguments are a run's fields (those of POST /farm/v1/runs but
    `name`: the run is named after the job), sent whole with each PUT too."""
    if pub_args:
        raise InvalidInput(f'{scheduled_runs.CLASS_STRING} takes no pub_args: give the fields '
                           'of the run (num_tasks, command, ...) as fields of the job')
    try:
        farm_runs.run_request(kwargs)
    except InvalidInput as exc:
        raise InvalidInput(f'{scheduled_runs.CLASS_STRING}: {exc.msg}') from None


def _pub_args(body: dict, modifying: bool) -> list | None:
    """The arguments of run(): none for null, the job's own (None) when a PUT sends none."""
    if 'pub_args' not in body:
        return None if modifying else []
    pub_args = body['pub_args']
    if pub_args is not None and not isinstance(pub_args, list):
        raise InvalidInput('pub_args must be a list of the arguments of run(), or null for none')
    return pub_args or []


def job_id_of(raw: str) -> str:
    """The job id in a path; NotFound (400 here) for one that no job can have."""
    if not _JOB_ID.fullmatch(raw):
        raise NotFound(f'Job not found: {raw[:64]}')
    return raw


class Jobs(bodies.BodyResource):
    """GET /api/v1/jobs (every job, next to fire first, paused last); POST adds one (201)."""

    def on_get(self, req, resp):
        resp.media = {'jobs': [views.job_view(job)
                               for job in schedules.list_jobs(req.context.principal)]}

    def on_post(self, req, resp):
        job = job_from(self._read_body(req))
        resp.status = falcon.HTTP_201
        resp.media = {'job_id': schedules.add_job(req.context.principal, job)}


class Job(bodies.BodyResource):
    """GET, PUT, DELETE /api/v1/jobs/{job_id}; PATCH pauses it and OPTIONS resumes it."""

    def on_get(self, req, resp, job_id):
        resp.media = views.job_view(schedules.get_job(req.context.principal, job_id_of(job_id)))

    def on_put(self, req, resp, job_id):
        job_id = job_id_of(job_id)
        schedules.modify_job(req.context.principal, job_id,
                             job_from(self._read_body(req), modifying=True))
        resp.media = {'job_id': job_id}

    def on_delete(self, req, resp, job_id):
        job_id = job_id_of(job_id)
        schedules.delete_job(req.context.principal, job_id)
        resp.media = {'job_id': job_id}

    def on_patch(self, req, resp, job_id):
        self._pause(req, resp, job_id, True)

    def on_options(self, req, resp, job_id):
        self._pause(req, resp, job_id, False)

    @staticmethod
    def _pause(req, resp, job_id: str, paused: bool) -> None:
        job_id = job_id_of(job_id)
        schedules.set_paused(req.context.principal, job_id, paused)
        resp.media = {'job_id': job_id}
