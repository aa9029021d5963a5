"""IronWorker code packages: job types of version `VERSION`, one per code name in a project.

Each upload of code (a zip, or an image) is a new revision, as IronWorker counts them,
and so is any change to what tasks run (runtime, file name, config, env vars, image,
command);
an upload of options alone edits the type in place. A code package's options are its
type's governance fields: max_concurrency is `max_scheduled`, retries is `max_tries` - 1,
retries_delay `retry_delay_s`, default_priority `priority`, timeout `timeout_s`.
Deleting one archives it (inactive: its queued tasks wait, nothing is dispatched) so
the tasks that ran it keep their type; an upload of the same name brings it back.
Scale types are SemVer-versioned, so none can take `VERSION`.
"""

import dataclasses
import json
import time

from coordinator.db import database, run_sql
from coordinator.errors import InvalidInput, NotFound
from coordinator.models import JobType, JobTypeRevision
from coordinator.states import TaskState
from coordinator.store import audit, job_type_status
from coordinator.store.access import Principal, require_manager

VERSION = 'ironworker'
# the type fields a code package's options set, by IronWorker's names
SETTINGS = {'max_concurrency': 'max_scheduled', 'retries': 'max_tries',
            'retries_delay': 'retry_delay_s', 'default_priority': 'priority',
            'timeout': 'timeout_s'}
# what a revision runs
_RUNS = ('runtime', 'file_name', 'config', 'env_vars', 'docker_image', 'command')
_ZIP = ('blob', 'checksum', 'size_bytes')


@dataclasses.dataclass(frozen=True, slots=True)
class Code:
    """What an upload says tasks run; None: not sent (kept from the last revision)."""

    runtime: str | None = None
    file_name: str | None = None
    config: str | None = None
    env_vars: str | None = None  # a JSON object of strings, its keys sorted (as compared)
    docker_image: str | None = None
    command: str | None = None
    blob: str | None = None  # a zip kept by code_zips: its SHA-256, MD5 and size
    checksum: str | None = None
    size_bytes: int | None = None

    @property
    def has_code(self) -> bool:
        return self.blob is not None or self.docker_image is not None


@dataclasses.dataclass(frozen=True, slots=True)
class RevisionView:
    id: int
    rev: int
    runtime: str | None
    file_name: str | None
    config: str | None
    env_vars: dict[str, str] | None
    docker_image: str | None
    command: str | None
    blob: str | None
    checksum: str | None
    size_bytes: int | None
    created_at: float


@dataclasses.dataclass(frozen=True, slots=True)
class CodeView:
    """A code package with its latest revision."""

    id: int
    name: str
    created_at: float
    last_modified_at: float
    is_paused: bool
    max_concurrency: int | None
    retries: int
    retries_delay_s: float
    default_priority: int
    timeout_s: float | None
    latest: RevisionView


def upload(principal: Principal, name: str, code: Code, settings: dict,
           now: float | None = None) -> tuple[CodeView, bool]:
    """Create or update the code package `name` (settings by IronWorker's names, as
    SETTINGS lists them); it, and whether a new revision was written."""
    require_manager(principal)
    unknown = set(settings) - set(SETTINGS)
    if unknown:
        raise ValueError(f'not code package settings: {", ".join(sorted(unknown))}')
    now = time.time() if now is None else now
    fields = {SETTINGS[key]: value + 1 if key == 'retries' else value
              for key, value in settings.items()}
    with database.write():
        job_type = _locked(principal, name)
        if job_type is None:
            if not code.has_code:
                raise InvalidInput(f'there is no code package {name!r} yet: upload a zip file '
                                   '(with runtime and file_name) or name an image')
            # an upload of the same new name in another transaction may insert it first: then
            # this insert does nothing (PostgreSQL waits for that one to end) and this upload
            # is that package's next revision; the options sent are set below, as on an update
            JobType.insert(project=principal.project_id, name=name, version=VERSION,
                           created_at=now, last_modified_at=now, priority=0, max_tries=1,
                           description='An IronWorker code package', revision_num=0,
                           tags='["ironworker"]').on_conflict_ignore().execute()
            job_type = _locked(principal, name)
        latest = _revision_row(job_type.id, job_type.revision_num)
        wanted = {column: getattr(code, column) for column in (*_RUNS, *_ZIP)
                  if getattr(code, column) is not None}
        merged = {**{column: latest.get(column) for column in (*_RUNS, *_ZIP)}, **wanted}
        changes = dict(fields, is_active=True, deprecated_at=None, last_modified_at=now)
        revised = code.has_code or any(merged[key] != latest.get(key) for key in _RUNS)
        if revised:
            changes['revision_num'] = job_type.revision_num + 1
            changes.update(docker_image=merged['docker_image'],
                           command=_argv(merged['command']))
            JobTypeRevision.create(job_type=job_type, revision_num=changes['revision_num'],
                                   created_at=now, **{**merged,
                                                      'command': changes['command']})
        JobType.update(**changes).where(JobType.id == job_type.id).execute()
        audit.record(principal, 'code.upload', 'job_type', job_type.id, now=now, name=name,
                     revision_num=changes.get('revision_num', job_type.revision_num),
                     checksum=code.checksum, **settings)
        return code_view(principal, job_type.id), revised


def _argv(command: str | None) -> str | None:
    """An image's command as the type's argv template (JSON), as Scale's plain commands are:
    run by a shell, as IronWorker runs it."""
    return None if command is None else json.dumps(['sh', '-c', command])


def _locked(principal: Principal, name: str) -> JobType | None:
    query = JobType.select().where(JobType.project == principal.project_id,
                                   JobType.name == name, JobType.version == VERSION)
    return (query.for_update() if database.for_update else query).first()


_REVISION = ('r.id, r.revision_num, r.runtime, r.file_name, r.config, r.env_vars, '
             'r.docker_image, r.command, r.blob, r.checksum, r.size_bytes, r.created_at')
_CODE = ('t.id, t.name, t.created_at, t.last_modified_at, t.is_paused, t.max_scheduled, '
         't.max_tries, t.retry_delay_s, t.priority, t.timeout_s, ' + _REVISION)
_FROM = ('FROM job_type t JOIN job_type_revision r '
         'ON r.job_type_id = t.id AND r.revision_num = t.revision_num '
         'WHERE t.project_id = ? AND t.version = ? AND t.is_active')


def _revision_row(type_id: int, revision_num: int) -> dict:
    """A revision's columns by name; {} for none (a package being created)."""
    row = run_sql(f'SELECT {_REVISION} FROM job_type_revision r '
                  'WHERE r.job_type_id = ? AND r.revision_num = ?',
                  (type_id, revision_num)).fetchone()
    if row is None:
        return {}
    names = ('id', 'revision_num', *_RUNS, *_ZIP, 'created_at')
    view = dict(zip(names, row))
    view['command'] = _command(view['command'])
    return view


def code_view(principal: Principal, code_id: int) -> CodeView:
    """The live code package `code_id` of the caller's project, or NotFound."""
    row = run_sql(f'SELECT {_CODE} {_FROM} AND t.id = ?',
                  (principal.project_id, VERSION, code_id)).fetchone()
    if row is None:
        raise NotFound('no such code package in this project')
    return _code(row)


def list_codes(principal: Principal, offset: int, limit: int) -> list[CodeView]:
    """A page of the project's live code packages, oldest first."""
    rows = run_sql(f'SELECT {_CODE} {_FROM} ORDER BY t.id LIMIT ? OFFSET ?',
                   (principal.project_id, VERSION, limit, offset)).fetchall()
    return [_code(row) for row in rows]


def revisions(principal: Principal, code_id: int, offset: int,
              limit: int) -> list[RevisionView]:
    """A page of a code package's revisions, the first first; NotFound for no package."""
    code_view(principal, code_id)
    rows = run_sql(f'SELECT {_REVISION} FROM job_type_revision r WHERE r.job_type_id = ? '
                   'ORDER BY r.revision_num LIMIT ? OFFSET ?', (code_id, limit, offset))
    return [_revision(row) for row in rows.fetchall()]


def revision(principal: Principal, code_id: int, rev: int | None) -> RevisionView:
    """A code package's revision `rev` (None: its latest), or NotFound."""
    latest = code_view(principal, code_id).latest
    if rev is None or rev == latest.rev:
        return latest
    row = run_sql(f'SELECT {_REVISION} FROM job_type_revision r '
                  'WHERE r.job_type_id = ? AND r.revision_num = ?', (code_id, rev)).fetchone()
    if row is None:
        raise NotFound(f'the code package has no revision {rev}')
    return _revision(row)


def revision_zip(principal: Principal, revision_id: int) -> RevisionView:
    """A code revision of the caller's project that has a zip (its agents fetch it by the
    revision's id, as claims name it), or NotFound."""
    row = run_sql(f'SELECT {_REVISION} FROM job_type_revision r JOIN job_type t '
                  'ON t.id = r.job_type_id WHERE r.id = ? AND t.project_id = ? '
                  'AND t.version = ? AND r.blob IS NOT NULL',
                  (revision_id, principal.project_id, VERSION)).fetchone()
    if row is None:
        raise NotFound(f'no code revision {revision_id} with a zip in this project')
    return _revision(row)


def delete(principal: Principal, code_id: int, now: float | None = None) -> None:
    """Archive a code package: it leaves every list and nothing of it is dispatched."""
    require_manager(principal)
    now = time.time() if now is None else now
    with database.write():
        archived = (JobType.update(is_active=False, deprecated_at=now, last_modified_at=now)
                    .where(JobType.id == code_id, JobType.project == principal.project_id,
                           JobType.version == VERSION, JobType.is_active).execute())
        if not archived:
            raise NotFound('no such code package in this project')
        audit.record(principal, 'code.delete', 'job_type', code_id, now=now)


def set_paused(principal: Principal, code_id: int, paused: bool,
               now: float | None = None) -> None:
    """Pause a code package's task queue (its tasks wait) or resume it."""
    require_manager(principal)
    now = time.time() if now is None else now
    with database.write():
        changed = (JobType.update(is_paused=paused, paused_at=now if paused else None,
                                  last_modified_at=now)
                   .where(JobType.id == code_id, JobType.project == principal.project_id,
                          JobType.version == VERSION, JobType.is_active).execute())
        if not changed:
            raise NotFound('no such code package in this project')
        audit.record(principal, 'code.pause' if paused else 'code.resume', 'job_type', code_id,
                     now=now)


def stats(principal: Principal, code_id: int, start: float, end: float) -> dict[TaskState, int]:
    """How many of its tasks are queued and running, and finished in each state in the window."""
    code_view(principal, code_id)
    return job_type_status.by_state(code_id, start, end)


def _code(row: tuple) -> CodeView:
    (type_id, name, created_at, modified_at, paused, max_scheduled, max_tries, delay,
     priority, timeout_s) = row[:10]
    return CodeView(type_id, name, created_at, modified_at, bool(paused), max_scheduled,
                    max_tries - 1, delay, priority, timeout_s, _revision(row[10:]))


def _revision(row: tuple) -> RevisionView:
    values = list(row)
    values[5] = None if values[5] is None else json.loads(values[5])
    values[7] = _command(values[7])
    return RevisionView(*values)


def _command(stored: str | None) -> str | None:
    """An image's command as it was uploaded (stored as ['sh', '-c', command])."""
    return None if stored is None else json.loads(stored)[-1]
