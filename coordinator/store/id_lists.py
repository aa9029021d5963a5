"""Grouped queries over many ids (a project's job types, its runs), in IN lists a chunk at a time.

An explicit list of ids, rather than a join or a subquery, lets both databases read an
index that leads with the id one range per id, whatever their statistics say.
"""

from coordinator.db import run_sql

CHUNK = 500  # ids per statement, well within SQLite's limit on parameters


def grouped(ids: list[int], sql: str, params: tuple = (), head: tuple = ()) -> list[tuple]:
    """The rows of `sql` for `ids`, which it names as {ids}: `head` are the parameters
    before that list, `params` those after it. Group by the id, so that no group spans two
    chunks."""
    rows = []
    for start in range(0, len(ids), CHUNK):
        part = tuple(ids[start:start + CHUNK])
        rows += run_sql(sql.format(ids=marks(part)), (*head, *part, *params)).fetchall()
    return rows


def marks(values) -> str:
    """One ? per value, for an IN list."""
    return ', '.join('?' * len(values))
