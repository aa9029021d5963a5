"""What callers prove who they are with: API tokens, and failed password checks."""

import time

import peewee as pw

from coordinator.models.base import BaseModel, EpochField, NeverReusedAutoField
from coordinator.models.projects import User
from coordinator.models.runs import Run


class Token(BaseModel):
    """An API token: a random secret stored as its SHA-256 digest.

    A token minted with another token belongs to it (schema 5): it never outlives
    it, and deleting the parent deletes it. Tokens minted otherwise are roots.
    """

    id = NeverReusedAutoField()
    user = pw.ForeignKeyField(User, backref='tokens', on_delete='CASCADE')
    digest = pw.CharField(max_length=64, unique=True)
    scope = pw.CharField(max_length=16)
    run = pw.ForeignKeyField(Run, null=True, on_delete='CASCADE')
    created_at = EpochField(default=time.time)
    expires_at = EpochField(null=True)
    parent = pw.ForeignKeyField('self', null=True, on_delete='CASCADE', backref='children')


class PasswordFailure(BaseModel):
    """A failed password check, kept for a while: guesses are limited per user name and address.

    In the database rather than in memory so that every coordinator process counts
    the same failures.
    """

    name = pw.CharField(max_length=64)  # as sent: names of no user count too
    address = pw.CharField(max_length=64)
    failed_at = EpochField(index=True)

    class Meta:
        indexes = ((('name', 'failed_at'), False), (('address', 'failed_at'), False))
