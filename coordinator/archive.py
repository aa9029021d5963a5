"""A compressed JSON-lines archive of pruned rows: one `{"table": …, "row": {…}}` per line."""

import gzip
import json
import os

from coordinator.errors import InvalidInput, Unavailable


class Archive:
    """A new gzip file, readable by its owner only, written to disk before each chunk is deleted.

    `zcat PATH` reads it; every line is one row as the database held it (times as epoch
    seconds). A prune that dies between writing and deleting a chunk leaves those rows in
    the database too, so a second prune may archive them again: read it as a set.
    """

    def __init__(self, path: str):
        self.path = path
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never over a file
        except FileExistsError:
            raise InvalidInput(f'{path} exists: archive to a new file') from None
        except OSError as exc:
            raise InvalidInput(f'cannot write {path}: {exc.strerror}') from None
        self._raw = os.fdopen(fd, 'wb')
        self._gzip = gzip.GzipFile(fileobj=self._raw, mode='wb')
        self.rows = 0

    def keep(self, table: str, rows: list[dict]) -> None:
        """Write `rows` of `table` and make them durable before the caller deletes them."""
        try:
            self._gzip.write(b''.join(
                json.dumps({'table': table, 'row': row}, separators=(',', ':'),
                           default=str).encode() + b'\n' for row in rows))
            self._gzip.flush()  # a sync flush: everything so far decompresses from the file
            self._raw.flush()
            os.fsync(self._raw.fileno())
        except OSError as exc:  # the caller's transaction rolls back: nothing unkept goes
            raise Unavailable(f'cannot write {self.path}: {exc.strerror}; '
                              'what it did not hold was not deleted') from None
        self.rows += len(rows)

    def close(self) -> None:
        self._gzip.close()
        self._raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
