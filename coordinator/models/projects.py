"""Tenancy: projects and the users who work in them."""

import secrets
import time

import peewee as pw

from coordinator.models.base import BaseModel, EpochField


class Project(BaseModel):
    """A tenant; IronWorker addresses it by `hex_id`, other families by the caller's project."""

    name = pw.CharField(max_length=64, unique=True)
    hex_id = pw.CharField(max_length=24, unique=True, default=lambda: secrets.token_hex(12))
    created_at = EpochField(default=time.time)


class User(BaseModel):
    name = pw.CharField(max_length=64, unique=True)
    password_hash = pw.CharField(max_length=255, null=True)
    is_admin = pw.BooleanField(default=False)
    project = pw.ForeignKeyField(Project, backref='users', on_delete='CASCADE')
    created_at = EpochField(default=time.time)
