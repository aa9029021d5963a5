"""Job types: define or edit by name and version, revisions, pause, running counts, built-in types.

A type's *definition* (Seed manifest, command template, container image) is
what its tasks run; a new revision is written only when the definition really
changes, and work stays pinned to the revision it was queued with. Everything
else (pause, caps, retries, priority, timeout, configuration) governs dispatch
and is edited in place. Every project has one built-in system type, `RUN_TYPE`,
which the tasks of its taskfarm runs belong to unless a run names another, and one more
system type for each Python job class its ndscheduler jobs name (`class_type_id`).
"""

import dataclasses
import json
import time

from coordinator import failures
from coordinator.db import database, run_sql
from coordinator.errors import Forbidden, NotFound
from coordinator.models import JobType, JobTypeRevision
from coordinator.store import audit
from coordinator.store.access import Principal, require_manager
from coordinator.store.job_type_views import secret_settings

RUN_TYPE = ('taskfarm-run', '1.0.0')
CLASS_TYPE_VERSION = '1.0.0'  # the one version of a Python job class's type
# what a Python job class's tasks run: the agent's own `farmworker job-class`, which imports the
# class named in the task's payload (farmworker/job_classes.py)
CLASS_TYPE_COMMAND = ('{farmworker}', 'job-class')
# the fields that govern dispatch and description, edited in place (no new revision)
GOVERNANCE = frozenset({'title', 'description', 'icon_code', 'tags', 'is_active', 'is_paused',
                        'is_published', 'max_scheduled', 'max_tries', 'retry_delay_s',
                        'priority', 'timeout_s', 'configuration'})
_JSON_FIELDS = ('tags', 'configuration')


@dataclasses.dataclass(frozen=True, slots=True)
class Definition:
    """What a type's tasks run: a Seed manifest, a command template, an image."""

    manifest: dict | None = None
    command: list[str] | None = None
    docker_image: str | None = None

    def stored(self) -> dict:
        """The definition as its columns hold it (JSON text)."""
        return {'manifest': _dumps(self.manifest), 'command': _dumps(self.command),
                'docker_image': self.docker_image}


def run_type_id(project_id: int, now: float | None = None) -> int:
    """The id of the project's built-in type of taskfarm runs, created on first use.

    Call inside a write transaction. Safe when several processes create it at once:
    the insert does nothing when the (project, name, version) key exists.
    """
    name, version = RUN_TYPE
    return _system_type_id(project_id, name, version, 'Taskfarm runs',
                           'The tasks of taskfarm runs that name no job type of their own.', now)


def class_type_id(project_id: int, class_path: str, now: float | None = None) -> int:
    """The id of the project's built-in type of the Python job class `class_path` (an
    ndscheduler job_class_string), created on first use, as `run_type_id` creates its type:
    a job class is a job type, so its work is counted and capped like any other."""
    return _system_type_id(project_id, class_path, CLASS_TYPE_VERSION, 'Python job class',
                           f'Jobs of the class {class_path}: imported on the worker, where '
                           'its run(*pub_args, **kwargs) is called.', now,
                           command=list(CLASS_TYPE_COMMAND))


def _system_type_id(project_id: int, name: str, version: str, title: str, description: str,
                    now: float | None, command: list[str] | None = None) -> int:
    found = _type_id(project_id, name, version)
    if found is not None:
        return found
    now = time.time() if now is None else now
    command_text = _dumps(command)
    run_sql('INSERT INTO job_type (project_id, name, version, title, description, tags, '
            'is_active, is_paused, is_system, is_published, max_tries, retry_delay_s, priority, '
            'revision_num, command, created_at, last_modified_at) '
            'VALUES (?, ?, ?, ?, ?, ?, TRUE, FALSE, TRUE, FALSE, 3, 0, 1, 1, ?, ?, ?) '
            'ON CONFLICT DO NOTHING',
            (project_id, name, version, title, description, '[]', command_text, now, now))
    type_id = _type_id(project_id, name, version)
    run_sql('INSERT INTO job_type_revision (job_type_id, revision_num, command, created_at) '
            'VALUES (?, 1, ?, ?) ON CONFLICT DO NOTHING', (type_id, command_text, now))
    return type_id


def _type_id(project_id: int, name: str, version: str) -> int | None:
    row = run_sql('SELECT id FROM job_type WHERE project_id = ? AND name = ? AND version = ?',
                  (project_id, name, version)).fetchone()
    return None if row is None else row[0]


def reserve_running(counts: dict[int, int]) -> bool:
    """Count more running tasks of each type (id -> count), unless that would pass a type's
    cap; False, having counted some perhaps, when it would (the caller undoes its claim).

    Call inside the claim's transaction; PostgreSQL re-checks each cap once the row is
    free, so two processes never both take a type's last place.
    """
    return _add_running(counts, within_caps=True)


def release_running(counts: dict[int, int]) -> None:
    """Count tasks of each type that stopped running, inside the transaction that moved them."""
    _add_running({type_id: -count for type_id, count in counts.items()}, within_caps=False)


def _add_running(deltas: dict[int, int], within_caps: bool) -> bool:
    """One UPDATE for every type of a claim or report: a statement per type cost a claim of
    jobs of 20 types 20 round trips."""
    type_ids = sorted(type_id for type_id, delta in deltas.items() if delta)
    if not type_ids:
        return True
    if database.for_update and len(type_ids) > 1:
        # one UPDATE locks its rows in the order its plan reads them, which two claims may
        # not share: lock them in id order first, as everything that counts does
        run_sql(f'SELECT id FROM job_type WHERE id IN ({", ".join("?" * len(type_ids))}) '
                'ORDER BY id FOR UPDATE', tuple(type_ids))
    cap = (' AND (max_scheduled IS NULL OR scheduled_count + CAST(v.column2 AS INTEGER) '
           '<= max_scheduled)' if within_caps else '')
    changed = run_sql(
        'UPDATE job_type SET scheduled_count = scheduled_count + CAST(v.column2 AS INTEGER) '
        f'FROM (VALUES {", ".join(["(?, ?)"] * len(type_ids))}) AS v '
        f'WHERE job_type.id = CAST(v.column1 AS INTEGER){cap}',
        tuple(value for type_id in type_ids for value in (type_id, deltas[type_id]))).rowcount
    return changed == len(type_ids)


class RevisionErrors:
    """The errors each revision's Seed manifest maps exit codes to, read at most once per
    revision by one holder (a batch of results): `of(revision id)`."""

    def __init__(self):
        self._by_revision: dict[int, failures.ExitErrors] = {}

    def of(self, revision_id: int | None) -> failures.ExitErrors:
        if revision_id is None:
            return {}
        if revision_id not in self._by_revision:
            row = run_sql('SELECT manifest FROM job_type_revision WHERE id = ?',
                          (revision_id,)).fetchone()
            self._by_revision[revision_id] = failures.exit_errors(row and row[0])
        return self._by_revision[revision_id]


def find(principal: Principal, name: str, version: str) -> JobType:
    """The type `name` `version` of the caller's project, or NotFound."""
    found = JobType.get_or_none(JobType.project == principal.project_id, JobType.name == name,
                                JobType.version == version)
    if found is None:
        raise NotFound(f'no job type {name} {version}')
    return found


def define(principal: Principal, name: str, version: str, definition: Definition,
           fields: dict | None = None, now: float | None = None) -> tuple[JobType, bool]:
    """Create the type, or edit it when it exists; returns it and whether it was created.

    `fields` sets governance fields (GOVERNANCE) besides the definition.
    """
    require_manager(principal)
    now = time.time() if now is None else now
    fields = _checked(fields or {})
    with database.write():
        existing = _type_id(principal.project_id, name, version)
        if existing is not None:
            return _edit(principal, JobType.get_by_id(existing), definition, fields, now), False
        job_type = JobType.create(project=principal.project_id, name=name, version=version,
                                  created_at=now, last_modified_at=now,
                                  paused_at=now if fields.get('is_paused') else None,
                                  **definition.stored(), **_stored(fields))
        JobTypeRevision.create(job_type=job_type, revision_num=1, created_at=now,
                               **definition.stored())
        # by id: a name and a version together may be longer than an audited object id
        audit.record(principal, 'job_type.create', 'job_type', job_type.id, now=now,
                     name=name, version=version, **_audited(fields))
    return job_type, True


def edit(principal: Principal, name: str, version: str, fields: dict | None = None,
         definition: Definition | dict | None = None, now: float | None = None) -> JobType:
    """Change a type's governance fields and, when given, its definition: a Definition
    replaces it whole, a dict of some of its fields changes those and keeps the others."""
    require_manager(principal)
    now = time.time() if now is None else now
    fields = _checked(fields or {})
    with database.write():
        job_type = _locked(principal, name, version)
        if isinstance(definition, dict):  # merged here, in the transaction that writes it
            definition = dataclasses.replace(_definition_of(job_type), **definition)
        return _edit(principal, job_type, definition, fields, now)


def _definition_of(job_type: JobType) -> Definition:
    return Definition(_loads(job_type.manifest), _loads(job_type.command), job_type.docker_image)


def _locked(principal: Principal, name: str, version: str) -> JobType:
    query = JobType.select().where(JobType.project == principal.project_id,
                                   JobType.name == name, JobType.version == version)
    found = (query.for_update() if database.for_update else query).first()
    if found is None:
        raise NotFound(f'no job type {name} {version}')
    return found


def _edit(principal: Principal, job_type: JobType, definition: Definition | None, fields: dict,
          now: float) -> JobType:
    if job_type.is_system and set(fields) - {'is_paused'} or job_type.is_system and definition:
        raise Forbidden(f'{job_type.name} {job_type.version} is a system job type: it can only '
                        'be paused or resumed')
    if fields.get('configuration') is not None:
        fields = {**fields, 'configuration': _keeping_secrets(fields['configuration'], job_type,
                                                              definition)}
    changes = _stored(fields)
    if 'is_paused' in fields and fields['is_paused'] != job_type.is_paused:
        changes['paused_at'] = now if fields['is_paused'] else None
    if 'is_active' in fields and fields['is_active'] != job_type.is_active:
        changes['deprecated_at'] = None if fields['is_active'] else now
    stored = definition.stored() if definition is not None else {}
    if any(stored[key] != getattr(job_type, key) for key in stored):
        changes.update(stored, revision_num=job_type.revision_num + 1)
        JobTypeRevision.create(job_type=job_type, revision_num=job_type.revision_num + 1,
                               created_at=now, **stored)
    if changes:
        changes['last_modified_at'] = now
        JobType.update(**changes).where(JobType.id == job_type.id).execute()
        audit.record(principal, 'job_type.edit', 'job_type', job_type.id, now=now,
                     name=job_type.name, version=job_type.version,
                     revision_num=changes.get('revision_num', job_type.revision_num),
                     **_audited(fields))
    return JobType.get_by_id(job_type.id)


def _keeping_secrets(configuration: dict, job_type: JobType,
                     definition: Definition | None) -> dict:
    """`configuration` to store over the type's (`with_secrets_kept`). A setting is secret
    when the stored manifest marks it so (readers withheld it) or the one written with it does.
    """
    manifests = (_loads(job_type.manifest), definition and definition.manifest)
    return with_secrets_kept(configuration,
                             (_loads(job_type.configuration) or {}).get('settings') or {},
                             set().union(*map(secret_settings, manifests)))


def with_secrets_kept(configuration, stored: dict, secret: set[str]):
    """`configuration` sent over one whose settings are `stored`: each `secret` setting it
    leaves out or sends null keeps its stored value; every other setting is as sent.

    No reader returns a secret setting, so a client that reads a type, edits it and sends
    it back cannot send them: leaving them out must not erase them. Anything but an object
    of settings is returned as it is, for the checks to refuse.
    """
    sent = configuration.get('settings', {}) if isinstance(configuration, dict) else None
    if not isinstance(sent, dict):
        return configuration
    kept = {name: stored[name] for name in secret & set(stored) if sent.get(name) is None}
    if not kept and not any(sent[name] is None for name in secret & set(sent)):
        return configuration
    settings = {name: value for name, value in sent.items()
                if value is not None or name not in secret}
    return {**configuration, 'settings': {**settings, **kept}}


def set_paused(principal: Principal, name: str, version: str, paused: bool,
               now: float | None = None) -> JobType:
    """Pause (its queued work waits) or resume a type; system types too."""
    return edit(principal, name, version, {'is_paused': paused}, now=now)


def revision(principal: Principal, name: str, version: str, revision_num: int) -> JobTypeRevision:
    """One revision of a type, or NotFound."""
    found = JobTypeRevision.get_or_none(JobTypeRevision.job_type == find(principal, name, version),
                                        JobTypeRevision.revision_num == revision_num)
    if found is None:
        raise NotFound(f'job type {name} {version} has no revision {revision_num}')
    return found


def revisions(principal: Principal, name: str, version: str) -> list[JobTypeRevision]:
    """A type's revisions, the newest first."""
    job_type = find(principal, name, version)
    return list(JobTypeRevision.select().where(JobTypeRevision.job_type == job_type)
                .order_by(JobTypeRevision.revision_num.desc()))


def _checked(fields: dict) -> dict:
    unknown = set(fields) - GOVERNANCE
    if unknown:
        raise ValueError(f'not job type fields: {", ".join(sorted(unknown))}')
    return fields


def _stored(fields: dict) -> dict:
    return {key: _dumps(value) if key in _JSON_FIELDS else value for key, value in fields.items()}


def _audited(fields: dict) -> dict:
    """What an audit entry may say of the fields set: never a configuration (it holds secrets)."""
    return {key: value for key, value in fields.items() if key != 'configuration'}


def _dumps(value) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True)


def _loads(text: str | None):
    return None if text is None else json.loads(text)
