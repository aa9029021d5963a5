"""The reads and actions that people's tools make (`farm`, `farm-tui`), a method each.

Runs, tasks and workers are /farm/v1's; job types are read and governed through the Scale
v6 family (/v6/), which defines them, so there is one way to pause a type, not two, and
ndscheduler's cron jobs through theirs (/api/v1/).
"""

from collections.abc import Iterator
from urllib.parse import quote

from farmworker.client import PERSON, Client, Retry

PAGE = 100  # tasks asked for per request when walking a whole run
SCALE_PAGE = 1000  # the most Scale's lists give a request: a project's job types fit in one


class FarmApi:
    """Runs, tasks, workers and tokens of one coordinator, as one user; safe to share by threads."""

    def __init__(self, url: str, token: str | None = None, *,
                 basic: tuple[str, str] | None = None, retry: Retry = PERSON,
                 timeout_s: float | None = None):
        # a person's try may take as long as they are willing to wait in all
        timeout_s = timeout_s or retry.give_up_s or 10.0
        self._client = Client(url, token, basic=basic, retry=retry, timeout_s=timeout_s)
        self.url, self.token = self._client.url, token

    def _call(self, method: str, path: str, body: dict | None = None, **query) -> dict:
        return self._client.call(method, path, body, query=query)

    # -- reads

    def overview(self) -> dict:
        return self._call('GET', '/overview')

    def runs(self, state: str = 'all', limit: int = 100, offset: int = 0) -> dict:
        return self._call('GET', '/runs', state=state, limit=limit, offset=offset)

    def run(self, uuid: str) -> dict:
        return self._call('GET', f'/runs/{uuid}')

    def tasks(self, uuid: str, status: str | None = None, after: int = -1,
              limit: int = PAGE) -> dict:
        """One page of the run's tasks (of one status), numbered after `after`."""
        return self._call('GET', f'/runs/{uuid}/tasks', after=after, limit=limit, status=status)

    def each_task(self, uuid: str, status: str | None = None,
                  limit: int | None = None) -> Iterator[dict]:
        """The run's tasks (of one status) by number, page after page, at most `limit`."""
        after, given = -1, 0
        while limit is None or given < limit:
            size = PAGE if limit is None else min(PAGE, limit - given)
            page = self.tasks(uuid, status, after, size)
            for task in page['tasks']:
                given += 1
                yield task
            after = page.get('next_after')
            if after is None or not page['tasks']:
                return

    def task(self, uuid: str, number: int) -> dict:
        return self._call('GET', f'/runs/{uuid}/tasks/{number}')

    def explain(self, uuid: str | None, number: int) -> dict:
        """Why a task waits: task `number` of run `uuid`, or (uuid None) the task of id `number`."""
        path = (f'/runs/{uuid}/tasks/{number}/explain' if uuid is not None
                else f'/tasks/{number}/explain')
        return self._call('GET', path)

    def workers(self, state: str = 'all', limit: int = 100, offset: int = 0) -> dict:
        return self._call('GET', '/workers', state=state, limit=limit, offset=offset)

    def queue(self) -> dict:
        """Queued work of every family by job type and priority, the highest priority first."""
        return self._call('GET', '/queue')

    def iron_tasks(self, code_name: str | None = None, status: str | None = None,
                   limit: int = 100, offset: int = 0) -> dict:
        """A page of the project's IronWorker tasks (of one code package, one status), newest
        first."""
        return self._call('GET', '/iron-tasks', code_name=code_name, status=status,
                          limit=limit, offset=offset)

    def schedules(self) -> dict:
        """Every family's schedules of the project, the next to fire first."""
        return self._call('GET', '/schedules')

    # -- actions

    def create_run(self, body: dict) -> dict:
        return self._call('POST', '/runs', body)

    def cancel_run(self, uuid: str) -> dict:
        return self._call('POST', f'/runs/{uuid}/cancel', {})

    def restart_run(self, uuid: str, all_tasks: bool = False) -> dict:
        return self._call('POST', f'/runs/{uuid}/restart', {'all': all_tasks})

    def delete_run(self, uuid: str) -> None:
        self._call('DELETE', f'/runs/{uuid}')

    def cancel_task(self, uuid: str, number: int) -> dict:
        return self._call('POST', f'/runs/{uuid}/tasks/{number}/cancel', {})

    def cancel_iron_task(self, iron_id: str) -> dict:
        """Cancel an IronWorker task by its 24-hex id, as its clients' cancel does."""
        return self._call('POST', f'/iron-tasks/{_segment(iron_id)}/cancel', {})

    # -- job types (/v6/)

    def job_types(self, is_active: bool | None = None) -> dict:
        """Every version of every job type of the project, by name then version, as
        `{"now", "count", "results"}` (all pages in one)."""
        return self._every_page('/job-types/', is_active=_flag(is_active))

    def job_type_versions(self, name: str) -> dict:
        """The versions of the type `name`, the newest first; none for a name not defined."""
        return self._every_page(f'/job-types/{_segment(name)}/')

    def job_type(self, name: str, version: str) -> dict:
        """One version in full: manifest, configuration (no secret settings), policy."""
        return self._scale('GET', f'/job-types/{_segment(name)}/{_segment(version)}/')

    def edit_job_type(self, name: str, version: str, fields: dict) -> dict:
        """PATCH governance fields (`{"is_paused": true}`); the validation Scale answers."""
        return self._scale('PATCH', f'/job-types/{_segment(name)}/{_segment(version)}/', fields)

    def job_type_status(self, is_active: bool | None = None, hours: int | None = None) -> dict:
        """Every type with its tasks by Scale status that reached it in the last `hours`
        (3 unless told; RUNNING whatever the window), the tasks waiting now (`queued_now`)
        and its last failure; `started` and `ended` say the window counted."""
        return self._every_page('/job-types/status/', is_active=_flag(is_active),
                                started=None if hours is None else f'PT{hours}H')

    def queue_job(self, name: str, version: str, inputs: dict,
                  priority: int | None = None) -> dict:
        """Queue one job of a type with its inputs (checked against its manifest); the job."""
        body = {'input': inputs} if priority is None else {'input': inputs, 'priority': priority}
        return self._scale('POST', f'/job-types/{_segment(name)}/{_segment(version)}/jobs/', body)

    def _scale(self, method: str, path: str, body: dict | None = None, **query) -> dict:
        return self._client.call(method, path, body, query=query, family='/v6')

    def _every_page(self, path: str, **query) -> dict:
        first = reply = self._scale('GET', path, page=1, page_size=SCALE_PAGE, **query)
        results, page = list(first['results']), 1
        while reply.get('next') and reply['results']:
            page += 1
            reply = self._scale('GET', path, page=page, page_size=SCALE_PAGE, **query)
            results += reply['results']
        # what the first page says besides its links (the window counted, the server's now)
        whole = {key: value for key, value in first.items() if key not in ('next', 'previous')}
        return {**whole, 'count': len(results), 'results': results}

    # -- ndscheduler's cron jobs, steered through their own family (/api/v1/), as job types are

    def add_cron_job(self, job: dict) -> dict:
        """Add an ndscheduler job (name, job_class_string, cron fields, ...); `{"job_id"}`."""
        return self._cron('POST', '/jobs', job)

    def cron_job(self, job_id: str) -> dict:
        return self._cron('GET', f'/jobs/{_segment(job_id)}')

    def run_cron_job(self, job_id: str) -> dict:
        """Queue an execution of the job now; `{"execution_id"}`."""
        return self._cron('POST', f'/executions/{_segment(job_id)}')

    def pause_cron_job(self, job_id: str) -> dict:
        return self._cron('PATCH', f'/jobs/{_segment(job_id)}')

    def resume_cron_job(self, job_id: str) -> dict:
        return self._cron('OPTIONS', f'/jobs/{_segment(job_id)}')

    def delete_cron_job(self, job_id: str) -> dict:
        return self._cron('DELETE', f'/jobs/{_segment(job_id)}')

    def _cron(self, method: str, path: str, body: dict | None = None) -> dict:
        return self._client.call(method, path, body, family='/api/v1')

    # -- allocation queues: where the coordinator starts agents on Slurm for waiting work

    def allocations(self) -> dict:
        return self._call('GET', '/allocations')

    def allocation(self, name: str) -> dict:
        return self._call('GET', f'/allocations/{_segment(name)}')

    def allocation_jobs(self, name: str, limit: int = 100) -> dict:
        return self._call('GET', f'/allocations/{_segment(name)}/jobs', limit=limit)

    def add_allocation(self, queue: dict) -> dict:
        return self._call('POST', '/allocations', queue)

    def change_allocation(self, name: str, fields: dict) -> dict:
        return self._call('PATCH', f'/allocations/{_segment(name)}', fields)

    def remove_allocation(self, name: str) -> dict:
        return self._call('DELETE', f'/allocations/{_segment(name)}')

    # -- tokens

    def mint_token(self, scope: str, run_uuid: str | None = None) -> dict:
        body = {'scope': scope} if run_uuid is None else {'scope': scope, 'run': run_uuid}
        return self._call('POST', '/tokens', body)

    def close(self) -> None:
        self._client.close()


def _segment(text: str) -> str:
    """A name or version as one path segment: `1.0.0+build` keeps its +, `a/b` its slash."""
    return quote(text, safe='')


def _flag(value: bool | None) -> str | None:
    return None if value is None else str(value).lower()
