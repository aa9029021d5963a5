"""Taskfarm runs: their counters, the inputs of a sweep, and finishes per minute."""

import time

import peewee as pw

from coordinator.models.base import BaseModel, EpochField
from coordinator.models.job_types import DEFAULT_MAX_TRIES, JobType
from coordinator.models.projects import Project, User


# The most tasks a run may have, so the bound of every task count and number an API takes
# (and its OpenAPI document states); 2**31 - 1 as taskfarm, the peer, stores them as 32-bit INT
MAX_TASKS = 2**31 - 1


class Run(BaseModel):
    """A taskfarm run of `num_tasks` numbered tasks, materialised as rows when first touched.

    The counters are kept in the same transaction as every task change, so run
    status is one row read however many tasks the run has.
    """

    uuid = pw.CharField(max_length=32, unique=True)
    # index=False on a foreign key whose column leads a composite index below:
    # that index serves its lookups, and every index is one more b-tree per write
    project = pw.ForeignKeyField(Project, on_delete='CASCADE', index=False)
    owner = pw.ForeignKeyField(User, null=True, on_delete='SET NULL')
    num_tasks = pw.BigIntegerField()
    next_number = pw.BigIntegerField(default=0)
    running_count = pw.BigIntegerField(default=0)
    done_count = pw.BigIntegerField(default=0)
    failed_count = pw.BigIntegerField(default=0)
    percent_sum = pw.DoubleField(default=0.0)
    deleting = pw.BooleanField(default=False)  # hidden at once; maintenance purges it in chunks
    created_at = EpochField(default=time.time)
    # how failures are retried (schema 2); a task handed back at walltime uses no try
    max_tries = pw.IntegerField(default=DEFAULT_MAX_TRIES,
                                constraints=[pw.SQL(f'DEFAULT {DEFAULT_MAX_TRIES}')])
    retry_delay_s = pw.DoubleField(default=0.0, constraints=[pw.SQL('DEFAULT 0')])
    task_timeout_s = pw.DoubleField(null=True)
    expected_duration_s = pw.DoubleField(null=True)
    # what users see and what agents run (schema 3): `command` is a JSON argv template
    name = pw.CharField(max_length=128, null=True)
    command = pw.TextField(null=True)
    has_inputs = pw.BooleanField(default=False, constraints=[pw.SQL('DEFAULT FALSE')])
    cancelled_count = pw.BigIntegerField(default=0, constraints=[pw.SQL('DEFAULT 0')])
    started_at = EpochField(null=True)  # first claim
    last_ended_at = EpochField(null=True)  # last task finished: the end of a finished run
    cancelled_at = EpochField(null=True)  # a person cancelled it; claims hand out nothing
    # hidden while its inputs are written in bounded transactions (schema 5)
    loading = pw.BooleanField(default=False, constraints=[pw.SQL('DEFAULT FALSE')])
    # its tasks' type: the project's built-in system type unless one was named (schema 8)
    job_type = pw.ForeignKeyField(JobType, null=True, on_delete='RESTRICT', index=False)

    class Meta:
        indexes = ((('project', 'deleting', 'id'), False),)


class RunInput(BaseModel):
    """The line a sweep gives task `number` of a run (`farm submit --each-line`), as `{line}`."""

    run = pw.ForeignKeyField(Run, on_delete='CASCADE')
    number = pw.BigIntegerField()
    value = pw.TextField()

    class Meta:
        indexes = ((('run', 'number'), True),)


class RunActivity(BaseModel):
    """Tasks of a run that finished in one minute: rates, ETAs and sparklines without scans."""

    project = pw.ForeignKeyField(Project, on_delete='CASCADE')
    run = pw.ForeignKeyField(Run, on_delete='CASCADE', index=False)  # (run, minute) leads
    minute = pw.BigIntegerField(index=True)  # epoch seconds // 60; the dashboard reads recent ones
    done = pw.BigIntegerField(default=0)
    failed = pw.BigIntegerField(default=0)

    class Meta:
        indexes = ((('run', 'minute'), True),)
