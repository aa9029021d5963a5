"""The unified model: projects, users and tokens, job types, runs, tasks, schedules, workers, audit.

Every unit of work of every API family is a row of `Task`. One module per resource family
holds its tables; this package re-exports them all, so callers import from here.
"""

from coordinator.models.allocations import AllocationJob, AllocationQueue
from coordinator.models.audit import AuditLog
from coordinator.models.base import BaseModel, EpochField, NeverReusedAutoField
from coordinator.models.coordination import CoordinatorPulse, DutyLease, SchemaVersion
from coordinator.models.job_types import (DEFAULT_MAX_TRIES, JobType, JobTypeActivity,
                                          JobTypeRevision)
from coordinator.models.projects import Project, User
from coordinator.models.runs import MAX_TASKS, Run, RunActivity, RunInput
from coordinator.models.schedules import Schedule
from coordinator.models.tasks import (FINISHED, FIRING_INDEX, LABEL_INDEX, QUEUE_INDEX,
                                      QUEUED_CREATED_INDEX, STATUS_INDEX, Task)
from coordinator.models.tokens import PasswordFailure, Token
from coordinator.models.workers import Worker

MODELS = (SchemaVersion, Project, User, JobType, JobTypeRevision, Run, Token, Worker, Schedule,
          Task, AuditLog, RunInput, RunActivity, PasswordFailure, CoordinatorPulse, AllocationQueue,
          AllocationJob, DutyLease, JobTypeActivity)

__all__ = [
    'MODELS', 'BaseModel', 'EpochField', 'NeverReusedAutoField', 'DEFAULT_MAX_TRIES', 'MAX_TASKS',
    'FINISHED', 'FIRING_INDEX', 'LABEL_INDEX', 'QUEUE_INDEX', 'QUEUED_CREATED_INDEX',
    'STATUS_INDEX',
    'SchemaVersion', 'Project', 'User', 'JobType', 'JobTypeRevision', 'Run', 'Token', 'Worker',
    'Schedule', 'Task', 'AuditLog', 'RunInput', 'RunActivity', 'PasswordFailure',
    'CoordinatorPulse', 'AllocationQueue', 'AllocationJob', 'DutyLease', 'JobTypeActivity',
]
