"""The base of every model, bound to the deferred database, and the field types tables share.

Times are UTC epoch seconds (float) so they compare and index the same way on SQLite and
PostgreSQL.
"""

import peewee as pw

from coordinator.db import database


class EpochField(pw.DoubleField):
    """A UTC instant as seconds since the epoch."""


class NeverReusedAutoField(pw.AutoField):
    """An id never handed out twice, so audit entries that name one stay unambiguous.

    SQLite gives a deleted largest id to the next row unless the key is AUTOINCREMENT;
    PostgreSQL's sequences never go back.
    """

    def ddl(self, ctx):
        node = super().ddl(ctx)
        bound = self.model._meta.database
        if isinstance(getattr(bound, 'obj', bound), pw.SqliteDatabase):
            return pw.NodeList((node, pw.SQL('AUTOINCREMENT')))
        return node


class BaseModel(pw.Model):
    class Meta:
        database = database
        legacy_table_names = False
