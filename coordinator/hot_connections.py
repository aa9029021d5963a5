"""gunicorn's gthread worker, serving a keep-alive connection's next request on the same thread.

The stock gthread worker hands every request across threads twice: the poller
thread queues the connection to the pool, and after the response the pool
thread sends it back through a pipe to be polled again. On a 2-core machine
that hand-off (futex wake-ups, the pipe, epoll registration, the GIL changing
hands) cost more server CPU than gunicorn's parsing and Falcon together: a
client that sends its next request within milliseconds (the stock taskfarm
client sends four per task) paid it four times per task.

Here a pool thread that has answered a keep-alive request waits up to
`LINGER_S` for the next one on the same socket and serves it itself. It only
waits while no other connection is queued for a thread, so a busy pool still
serves connections in turn; a connection that stays quiet goes back to the
poller as before, where idle connections cost no thread.

The worker also bounds the time a thread waits for a request's headers
(`HeaderDeadline`), which gunicorn does not.

It leans on gthread's insides, listed in `unmet_needs`. They are checked once
when gunicorn starts; without them the worker serves as stock gthread, and says
so in one log line.
"""

import select
import socket
import ssl
import threading

import gunicorn
from gunicorn.http.parser import RequestParser
from gunicorn.workers.gthread import ThreadWorker

from coordinator.header_deadline import HeaderDeadline

# Long enough for a client's next request in a burst; short enough that a
# thread held by a quiet connection frees up before anyone notices.
LINGER_S = 0.01


def unmet_needs(cfg) -> list[str]:
    """What this worker needs from gunicorn and its configuration, and does not find there.

    Which gunicorn versions have which: see the comment on the pin in pyproject.toml.
    """
    unmet = []
    if gunicorn.version_info < (24,):
        unmet.append('ThreadWorker.handle() returning True for a connection kept alive')
    unmet += [f'ThreadWorker.{name}' for name in ('enqueue_req', 'handle_request')
              if not callable(getattr(ThreadWorker, name, None))]
    if not _parser_keeps_read_ahead_in_buf(cfg):
        unmet.append("the request parser's unreader.buf")
    if 'h2' in getattr(cfg, 'http_protocols', ()):
        # a thread serves an HTTP/2 connection's streams in one handle() call, which
        # the header deadline would take for a request whose headers never end
        unmet.append('HTTP/1 only (http_protocols without h2)')
    return unmet


def _parser_keeps_read_ahead_in_buf(cfg) -> bool:
    with socket.socket() as sock:
        try:
            return RequestParser(cfg, sock, None).unreader.buf.getvalue() == b''
        except (AttributeError, TypeError):
            return False


def _buffered(conn) -> bytes:
    """What gunicorn has read from the connection and not parsed yet."""
    return conn.parser.unreader.buf.getvalue()


def _readable_within(sock: socket.socket, timeout_s: float) -> bool:
    """True when the socket has something to read, or comes to within `timeout_s`.

    poll(), not select(), which refuses descriptors above 1023: a worker with a
    thousand connections has those.
    """
    poller = select.poll()
    try:
        poller.register(sock, select.POLLIN)
        return bool(poller.poll(timeout_s * 1000))
    except (OSError, ValueError):  # closed under us: gthread's path cleans up
        return False


class HotConnectionWorker(ThreadWorker):
    """gthread, with consecutive requests on one connection served by one thread."""

    header_timeout_s = 10.0  # FARM_BODY_TIMEOUT_S's default; see bounding_headers_to

    @classmethod
    def bounding_headers_to(cls, timeout_s: float) -> type:
        """This worker class, with a thread waiting at most `timeout_s` for a request's headers
        (from when it takes the connection, so for a new one that includes the wait for its
        first bytes, which gthread ends at 5 s)."""
        return type(cls.__name__, (cls,), {'header_timeout_s': timeout_s})

    @classmethod
    def check_config(cls, cfg, log):
        super().check_config(cfg, log)
        if unmet := unmet_needs(cfg):
            log.warning('%s needs %s; serving as stock gthread (no hot connections, no header '
                        'deadline)', cls.__name__, ', '.join(unmet))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._hot = not unmet_needs(self.cfg)
        self._queued = 0  # connections submitted to the pool that no thread has taken yet
        self._queued_lock = threading.Lock()
        self.header_deadline = HeaderDeadline(self.header_timeout_s)

    def init_process(self):
        if self._hot:
            threading.Thread(target=self.header_deadline.watch, args=(self.log,), daemon=True,
                             name='header-deadline').start()
        super().init_process()

    def enqueue_req(self, conn):
        if self._hot:
            with self._queued_lock:
                self._queued += 1
        super().enqueue_req(conn)

    def handle(self, conn):
        if not self._hot:
            return super().handle(conn)
        with self._queued_lock:
            self._queued -= 1
        while True:
            keep_alive = self._handle_one(conn)
            if keep_alive is not True or not self._next_request_soon(conn):
                return keep_alive

    def _handle_one(self, conn):
        self.header_deadline.start(conn)
        try:
            return super().handle(conn)
        finally:
            self.header_deadline.stop(conn)

    def handle_request(self, req, conn):
        self.header_deadline.stop(conn)  # they are in: the body has a deadline of its own
        return super().handle_request(req, conn)

    def _next_request_soon(self, conn) -> bool:
        """True when the connection's next request is here or arrives within LINGER_S."""
        if not self.alive:
            return False  # stopping: let gthread close or linger as it does
        if _buffered(conn):
            return True  # pipelined, or read ahead while draining a body
        if isinstance(conn.sock, ssl.SSLSocket) and conn.sock.pending():
            return True  # decrypted already: the kernel's buffer no longer shows it
        if self._queued:
            return False  # another connection is waiting for this thread
        return _readable_within(conn.sock, LINGER_S)
