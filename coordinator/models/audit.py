"""The audit log: who did what to which object, and when."""

import time

import peewee as pw

from coordinator.models.base import BaseModel, EpochField
from coordinator.models.projects import Project, User


class AuditLog(BaseModel):
    """Who did what to which object, and when."""

    created_at = EpochField(default=time.time)
    actor = pw.ForeignKeyField(User, null=True, on_delete='SET NULL')
    project = pw.ForeignKeyField(Project, null=True, on_delete='CASCADE')
    action = pw.CharField(max_length=32)
    object_type = pw.CharField(max_length=32)
    object_id = pw.CharField(max_length=64)
    detail = pw.TextField(null=True)

    class Meta:
        # ndscheduler's /logs reads a project's entries of one kind of object in a time window
        indexes = ((('project', 'id'), False), (('project', 'object_type', 'created_at'), False))
