"""Multiprocess mode across gunicorn workers: a fresh directory of metric files per server start.

Each worker process writes its counts to its own memory-mapped files in the
directory; a scrape, answered by any worker, sums every file (`exposition`). The
directory is made new at each start, so counts begin at zero with the server and
two coordinators on one host never share one; the master removes it when it exits.
"""

import os
import shutil
import tempfile

from prometheus_client import multiprocess, values

from coordinator.metrics import instruments

ENVIRONMENT = 'PROMETHEUS_MULTIPROC_DIR'


def directory() -> str | None:
    """The directory of this process's metric files; None when counting in memory."""
    return os.environ.get(ENVIRONMENT) or None


def start() -> str:
    """Switch this process, and the workers it will fork, to multiprocess mode in a new empty
    directory; returns it. Call in the master before the first worker forks."""
    path = tempfile.mkdtemp(prefix='farm-coordinator-metrics-')
    os.environ[ENVIRONMENT] = path
    # prometheus_client chose in-memory values when it was first imported, before this
    # start: choose again, and build the instruments again with the file-backed ones
    values.ValueClass = values.get_value_class()
    instruments.forget()
    return path


def child_exit(server, worker) -> None:
    """gunicorn's hook when a worker exits: its live gauges are dropped, its counts kept."""
    if directory():
        multiprocess.mark_process_dead(worker.pid)


def stop(server=None) -> None:
    """gunicorn's hook when the master exits: the directory goes with it."""
    path = directory()
    if path:
        shutil.rmtree(path, ignore_errors=True)
