"""Allocation queues and the Slurm jobs the allocator submitted for them."""

import time

import peewee as pw

from coordinator.models.base import BaseModel, EpochField
from coordinator.models.projects import Project, User


class AllocationQueue(BaseModel):
    """Where the allocator may start agents for a project's waiting work: Slurm jobs of one shape.

    Each job runs one `farmworker serve` agent per node for `walltime_s`; at most `max_jobs`
    are queued or running at once, and its agents leave after `idle_timeout_s` with nothing
    to do. `serves` narrows the work it follows, as JSON: {"job_types": [names] or null,
    "runs": [uuids] or null}; null serves every family's work of the project except runs
    another queue names (coordinator.store.allocation_need). `backoff_until` holds off
    submissions after sbatch failed; `last_decision` says what the allocator last did and why.
    """

    project = pw.ForeignKeyField(Project, on_delete='CASCADE', index=False)  # leads the unique
    name = pw.CharField(max_length=64)
    partition = pw.CharField(max_length=64, null=True)
    account = pw.CharField(max_length=64, null=True)
    qos = pw.CharField(max_length=64, null=True)
    sbatch_args = pw.TextField(default='[]')  # more sbatch options, a JSON list of strings
    walltime_s = pw.IntegerField()
    nodes = pw.IntegerField(default=1)  # per job
    slots = pw.IntegerField(null=True)  # per node; None: the CPUs Slurm gives the agent
    max_jobs = pw.IntegerField()
    idle_timeout_s = pw.DoubleField(default=300.0)
    serves = pw.TextField(null=True)
    is_paused = pw.BooleanField(default=False)
    backoff_until = EpochField(null=True)
    failures = pw.IntegerField(default=0)  # sbatch failures in a row: the backoff doubles
    last_decision = pw.TextField(null=True)
    last_decision_at = EpochField(null=True)
    created_by = pw.ForeignKeyField(User, null=True, on_delete='SET NULL')
    created_at = EpochField(default=time.time)

    class Meta:
        indexes = ((('project', 'name'), True),)


class AllocationJob(BaseModel):
    """A Slurm job the allocator submitted for a queue, and what became of it."""

    queue = pw.ForeignKeyField(AllocationQueue, on_delete='CASCADE', index=False)
    slurm_job_id = pw.CharField(max_length=64)
    state = pw.CharField(max_length=16)  # coordinator.states.AllocationJobState
    reason = pw.TextField(null=True)
    submitted_at = EpochField()
    started_at = EpochField(null=True)
    ended_at = EpochField(null=True)

    class Meta:
        indexes = ((('queue', 'state'), False), (('slurm_job_id',), False))
