"""Serving the app with gunicorn: threaded workers, keep-alive, graceful shutdown on SIGTERM."""

import errno
import logging
import resource
import socket
import ssl

import gunicorn.app.base

from coordinator import allocator
from coordinator.app import create_app
from coordinator.body_deadline import BodyDeadline
from coordinator.config import Config
from coordinator.errors import Misconfigured
from coordinator.hot_connections import HotConnectionWorker
from coordinator.maintenance import start_duties, stop_duties
from coordinator.metrics import multiprocess as metrics_files
from coordinator.outage_notes import OutageNotes

# One line per request: never the query string nor gunicorn's user (%(u)s), as tokens travel
# as the Basic user name (taskfarm clients) and as ?oauth= (IronWorker). Retry-After shows
# when the coordinator asked clients to come back later (a database outage, busy checks).
ACCESS_LOG_FORMAT = ('%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms '
                     'retry-after=%({retry-after}o)s "%(a)s"')


def check_bind(bind: str) -> None:
    """Misconfigured when HOST:PORT cannot be listened on (in use, or a bad address).

    gunicorn would retry for five seconds and print ten "Connection in use" lines.
    """
    host, _, port = bind.rpartition(':')
    try:
        with socket.create_server((host.strip('[]') or '0.0.0.0', int(port)), reuse_port=False):
            pass
    except (OSError, ValueError) as exc:
        reason = 'already in use' if getattr(exc, 'errno', None) == errno.EADDRINUSE else exc
        raise Misconfigured(f'cannot listen on {bind} ({reason}): choose another address with '
                            '--bind HOST:PORT or FARM_BIND') from None


def check_tls(config: Config) -> None:
    """Misconfigured when the certificate and key cannot be loaded together (gunicorn would
    log a traceback from each worker it starts, and keep starting them)."""
    if not config.certfile:
        return
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(
            config.certfile, config.keyfile)
    except (OSError, ssl.SSLError) as exc:
        raise Misconfigured(f'cannot serve HTTPS with --certfile {config.certfile} and '
                            f'--keyfile {config.keyfile}: {exc.strerror or exc}') from None


def raise_open_files_limit(worker_connections: int) -> int:
    """Raise this process's soft limit on open files (which its workers inherit) to what
    `worker_connections` keep-alive connections need, up to the hard limit; the new limit.

    Each agent's connection is a descriptor: at a login node's usual soft limit of 1,024 a
    worker would refuse agents beyond about a thousand, although the hard limit allows more.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = worker_connections + 256  # and the listener, the database, logs, pipes
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return soft
    raised = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if raised > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
    if raised < wanted:
        logging.getLogger(__name__).warning(
            'open files limited to %d (ulimit -Hn): each gunicorn worker serves fewer than '
            'FARM_WORKER_CONNECTIONS=%d agents', raised, worker_connections)
    return raised


class CoordinatorServer(gunicorn.app.base.BaseApplication):
    """gunicorn running `create_app(config)` in each worker (no preload: no connection crosses a
    fork).

    What each of gunicorn's timeouts bounds here, and what it does not:

    - keepalive (75 s): how long an idle keep-alive connection stays open between
      requests. It waits in the worker's poller and holds no thread meanwhile.
    - timeout (120 s): the arbiter kills and replaces a worker process whose main
      loop has not checked in for that long. Under gthread that loop is not the
      threads serving requests, so it bounds no request; under the sync worker
      (FARM_THREADS=1) a request running longer than this kills its worker.
    - graceful_timeout (30 s): after SIGTERM a worker stops accepting, finishes the
      requests in flight, and is killed if they take longer than this.
    - body_timeout_s (FARM_BODY_TIMEOUT_S, 10 s), ours: none of the above bounds how
      long a client may take to send a request body, which gunicorn reads with
      blocking recv() on a serving thread. `BodyDeadline` ends the read there: 408.
      It is for the whole body: a run of 32 MiB (FARM_MAX_RUN_BODY_BYTES) must come
      at 3.2 MB/s or more, so raise it where users send big runs over slow links.
    - gthread's own, not settable: a new connection's first bytes are awaited on a
      thread for 5 s before it goes back to the poller; an unread body (a 401 or
      413 answered before it arrived) is drained for up to 5 s or 64 KiB before the
      connection is reused or closed; and a closed connection lingers up to 2 s on
      the poller thread for the client to hang up.
    - body_timeout_s bounds the request line and headers too, ours again: gunicorn
      reads them with blocking recv() on a serving thread as well, so 8 clients that
      sent part of a header section held every thread of a worker. A thread waits at
      most that long for a request's headers from when it takes the connection (for
      a new one, that includes gthread's 5 s wait for the first bytes), and then
      `HeaderDeadline` closes the connection: no request was read to answer 408 to.
      Under the sync worker (FARM_THREADS=1) nothing bounds them but `timeout`.
    """

    def __init__(self, config: Config):
        self.config = config
        self.duties, self.allocator = [], None  # a worker's own, once it has loaded the app
        raise_open_files_limit(config.worker_connections)
        metrics_files.start()  # once, before any worker forks: every worker writes its counts there
        super().__init__()

    def load_config(self):
        body_deadline = BodyDeadline(self.config.body_timeout_s)
        settings = {
            'bind': self.config.bind,
            'workers': self.config.workers,
            'threads': self.config.threads,
            'worker_connections': self.config.worker_connections,
            'worker_class': (HotConnectionWorker.bounding_headers_to(self.config.body_timeout_s)
                             if self.config.threads > 1 else 'sync'),
            'keepalive': 75,  # longer than clients' idle gaps, so workers keep their connection
            'graceful_timeout': 30,
            'timeout': 120,
            'loglevel': self.config.log_level,
            'accesslog': self.config.access_log or None,
            'access_log_format': ACCESS_LOG_FORMAT,
            'proc_name': 'farm-coordinator',
            'pre_request': body_deadline.pre_request,
            'post_request': body_deadline.post_request,
            'control_socket_disable': True,
            'child_exit': metrics_files.child_exit,
            'worker_exit': self.worker_exit,
            'on_exit': metrics_files.stop,
        }
        if self.config.certfile:
            settings.update(certfile=self.config.certfile, keyfile=self.config.keyfile)
        for name, value in settings.items():
            if name in self.cfg.settings:  # control_socket_disable is gunicorn >= 25.1
                self.cfg.set(name, value)

    def load(self):
        logging.basicConfig(
            level=self.config.log_level.upper(),
            format='[%(asctime)s] [%(process)d] [%(levelname)s] %(name)s: %(message)s')
        notes = OutageNotes()  # one account of database outages per process
        app = create_app(self.config, outage_notes=notes)
        # every worker process reaps and purges; passes are idempotent, so N processes are safe
        self.allocator = allocator.from_config(self.config)
        self.duties = start_duties(self.config.worker_ttl_s, notes, self.allocator)
        return app

    def worker_exit(self, server, worker) -> None:
        """gunicorn's hook, in a worker that is leaving: its duties stop, its lease goes."""
        stop_duties(self.duties, self.allocator)
