"""Job types and their revisions: how each kind of work is run and dispatched."""

import time

import peewee as pw

from coordinator.models.base import BaseModel, EpochField
from coordinator.models.projects import Project


DEFAULT_MAX_TRIES = 3


class JobType(BaseModel):
    """A named, versioned kind of work that governs how its tasks are dispatched.

    A Scale job type is one, an IronWorker code package is one, and every project has a
    built-in system type for its taskfarm runs. `configuration` holds secret settings
    too: the store never returns it as stored.
    """

    project = pw.ForeignKeyField(Project, on_delete='CASCADE', index=False)  # leads the unique
    name = pw.CharField(max_length=64)
    version = pw.CharField(max_length=50)
    title = pw.CharField(max_length=255, null=True)
    description = pw.TextField(null=True)
    icon_code = pw.CharField(max_length=16, null=True)
    tags = pw.TextField(default='[]')  # a JSON list of strings
    is_active = pw.BooleanField(default=True)
    is_paused = pw.BooleanField(default=False)
    is_system = pw.BooleanField(default=False)
    is_published = pw.BooleanField(default=False)
    max_scheduled = pw.IntegerField(null=True)  # None: no cap
    # its queued tasks running now, kept by every claim and every move out of running in the
    # same transaction, so max_scheduled holds without counting rows (schema 9)
    scheduled_count = pw.IntegerField(default=0, constraints=[pw.SQL('DEFAULT 0')])
    max_tries = pw.IntegerField(default=DEFAULT_MAX_TRIES)
    retry_delay_s = pw.DoubleField(default=0.0)
    priority = pw.IntegerField(default=1)  # of work queued without one
    timeout_s = pw.DoubleField(null=True)
    revision_num = pw.IntegerField(default=1)
    manifest = pw.TextField(null=True)  # a Seed manifest, as JSON
    command = pw.TextField(null=True)  # or a plain argv template, as a JSON list
    docker_image = pw.CharField(max_length=255, null=True)
    configuration = pw.TextField(null=True)  # JSON: settings (secret ones too) and mounts
    created_at = EpochField(default=time.time)
    last_modified_at = EpochField(default=time.time)
    deprecated_at = EpochField(null=True)  # made inactive
    paused_at = EpochField(null=True)

    class Meta:
        indexes = ((('project', 'name', 'version'), True),)


class JobTypeRevision(BaseModel):
    """What a job type ran at one revision: work is pinned to the revision it was queued with."""

    job_type = pw.ForeignKeyField(JobType, on_delete='CASCADE', index=False)  # leads the unique
    revision_num = pw.IntegerField()
    manifest = pw.TextField(null=True)
    command = pw.TextField(null=True)
    docker_image = pw.CharField(max_length=255, null=True)
    created_at = EpochField(default=time.time)
    # an IronWorker code package's upload (schema 13): its zip, stored content-addressed under
    # the data directory by `blob` (SHA-256) and sent with its MD5 `checksum`; the file in it
    # that a task runs, with which runtime; the config string delivered to each task
    runtime = pw.CharField(max_length=16, null=True)
    file_name = pw.TextField(null=True)
    config = pw.TextField(null=True)
    # (schema 17) a JSON object of strings, in each task's environment
    env_vars = pw.TextField(null=True)
    blob = pw.CharField(max_length=64, null=True)
    checksum = pw.CharField(max_length=32, null=True)
    size_bytes = pw.BigIntegerField(null=True)

    class Meta:
        indexes = ((('job_type', 'revision_num'), True),)


class JobTypeActivity(BaseModel):
    """Tasks of a type that reached one final state (and error category) in one minute: the
    job-type status views count a window out of these rows, not out of the tasks (schema 19).

    Kept by triggers on `task` (coordinator.store.type_activity), in the transaction of every
    change that moves a task into or out of a final state, or deletes it.
    """

    # a job type's id, deliberately no foreign key: the key lock its check takes on the type's
    # row at each new minute's row would make a report wait on (and deadlock with) claims,
    # which lock the rows of their types FOR UPDATE (job_types.reserve_running). Rows come
    # and go with tasks, which a type cannot be deleted with: none outlives its type.
    job_type_id = pw.BigIntegerField()
    minute = pw.BigIntegerField()  # whole epoch seconds // 60 of status_changed_at
    status = pw.CharField(max_length=16)
    category = pw.CharField(max_length=16, default='')  # '' for none: a key column, not NULL
    tasks = pw.BigIntegerField(default=0)
    latest = EpochField()  # the latest status_changed_at among them

    class Meta:
        table_name = 'job_type_activity'
        indexes = ((('job_type_id', 'minute', 'status', 'category'), True),)
