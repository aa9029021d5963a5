"""A deadline for each request body under gunicorn: a client too slow to send it gets 408."""

import socket
import time

from coordinator.errors import RequestTimeout


class BodyDeadline:
    """gunicorn's pre_request and post_request hooks, bounding the time a request body may take.

    gunicorn reads a body with blocking recv() calls that have no timeout, so a
    client that sends its headers and then a byte now and then holds a thread
    (or a sync worker) for as long as it likes; a few such clients starve the
    server. Between the hooks the request's reader sees the socket through
    `DeadlineSocket`, whose every recv() ends by one deadline for the whole
    body, set when the headers have been read. Past it the read raises
    RequestTimeout, which the app answers with 408, and the connection closes.
    """

    def __init__(self, timeout_s: float, clock=time.monotonic):
        self.timeout_s = timeout_s
        self._clock = clock

    def pre_request(self, worker, req) -> None:
        unreader = getattr(req, 'unreader', None)  # HTTP/2 streams have none: left alone
        if isinstance(getattr(unreader, 'sock', None), socket.socket):
            unreader.sock = DeadlineSocket(unreader.sock, self.timeout_s, self._clock,
                                           req.force_close)

    def post_request(self, worker, req) -> None:
        unreader = getattr(req, 'unreader', None)
        if isinstance(getattr(unreader, 'sock', None), DeadlineSocket):
            unreader.sock = unreader.sock.sock  # the next request on the connection has its own


class DeadlineSocket:
    """A socket as a request's body reader sees it: recv() gives up `timeout_s` from now.

    On giving up it calls `on_timeout` (gunicorn's req.force_close: the rest of
    the body is unread, so the connection cannot carry another request) and
    stops reading from the socket, so that closing it does not wait for a client
    this slow: gunicorn's graceful close lingers up to 2 s for the client to hang
    up, and under gthread it does so on the worker's one poller thread.
    """

    def __init__(self, sock: socket.socket, timeout_s: float, clock, on_timeout):
        self.sock = sock
        self._timeout_s = timeout_s
        self._deadline = clock() + timeout_s
        self._clock = clock
        self._on_timeout = on_timeout

    def recv(self, size: int) -> bytes:
        remaining = self._deadline - self._clock()
        if remaining > 0:
            prior = self.sock.gettimeout()
            self.sock.settimeout(remaining)
            try:
                return self.sock.recv(size)
            except TimeoutError:
                pass  # the deadline passed while waiting
            finally:
                self.sock.settimeout(prior)
        self._on_timeout()
        try:
            self.sock.shutdown(socket.SHUT_RD)
        except OSError:
            pass  # the client has gone already
        raise RequestTimeout(f'request body not received within {self._timeout_s:g} s')
