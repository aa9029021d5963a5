"""Worker agents: where they run, what they serve, and their state."""

import time

import peewee as pw

from coordinator.models.base import BaseModel, EpochField
from coordinator.models.projects import Project, User
from coordinator.models.runs import Run
from coordinator.states import WorkerState


class Worker(BaseModel):
    """A worker process; the stock taskfarm client registers with hostname and pid only."""

    uuid = pw.CharField(max_length=64, unique=True)
    project = pw.ForeignKeyField(Project, on_delete='CASCADE')
    owner = pw.ForeignKeyField(User, null=True, on_delete='SET NULL')
    hostname = pw.CharField(max_length=255)
    pid = pw.BigIntegerField()
    slots = pw.IntegerField(default=1)
    cpus = pw.IntegerField(null=True)
    memory_bytes = pw.BigIntegerField(null=True)
    load = pw.DoubleField(null=True)
    slurm_job_id = pw.CharField(max_length=64, null=True)
    walltime_end_at = EpochField(null=True)
    state = pw.CharField(max_length=16, default=WorkerState.IDLE.value)
    reason = pw.CharField(max_length=255, null=True)
    created_at = EpochField(default=time.time)
    last_heartbeat_at = EpochField(null=True)
    # the run the registering token was bound to (schema 5): only tokens bound to the same
    # run see and act for the worker, besides the project's unbound tokens
    bound_run = pw.ForeignKeyField(Run, null=True, on_delete='SET NULL')
    # what the agent said it works on (schema 10), as JSON: {"run": uuid} for `farmworker run`,
    # {"job_types": [names] or null for any} for `farmworker serve`; null: not said (stock client)
    serves = pw.TextField(null=True)
