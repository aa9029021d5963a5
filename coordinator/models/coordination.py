"""Rows about the coordinator itself: its schema version, the reaper's pulse, duty leases."""

import peewee as pw

from coordinator.models.base import BaseModel, EpochField


class SchemaVersion(BaseModel):
    """One row: the schema version the database is at."""

    version = pw.IntegerField()


class CoordinatorPulse(BaseModel):
    """One row: when the reaper last made a pass, and since when the coordinator has heard agents.

    A gap between passes longer than the reaper allows means the whole coordinator
    was stalled (a database outage, a write lock held for long): the agents'
    silence then was not theirs, so their liveness is judged from `hearing_since`.
    `probed_at` is written by /health to prove that writes work.
    """

    last_pass_at = EpochField()
    hearing_since = EpochField()
    probed_at = EpochField(null=True)


class DutyLease(BaseModel):
    """Which coordinator process performs a duty only one may do at a time (the allocator).

    Taken and renewed by a conditional UPDATE (coordinator.store.leases): the holder keeps
    it while it renews before `expires_at`, and another process takes it only after that.
    """

    name = pw.CharField(max_length=64, unique=True)
    holder = pw.CharField(max_length=128, null=True)
    expires_at = EpochField(default=0.0)
