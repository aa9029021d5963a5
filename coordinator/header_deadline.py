"""A deadline for each request's header section under gthread: a client too slow is cut off."""

import socket
import threading
import time


class HeaderDeadline:
    """Connections whose request headers a serving thread is reading, each with its deadline.

    gunicorn reads the request line and headers with blocking recv() calls that
    have no timeout, on a thread of the pool: a few clients that send part of a
    header section and then nothing (or a byte now and then) hold every thread,
    and everyone else waits. A thread starting to read a request calls `start`
    and `stop` once the headers are in (the body has a deadline of its own:
    BodyDeadline) or it is done with the connection. `watch` shuts down the
    socket of a connection still reading past its deadline: the blocked recv()
    returns end-of-file, gunicorn drops the request, and the thread is free.
    There is no answer: no request has been read that an answer could be for.
    """

    def __init__(self, timeout_s: float, clock=time.monotonic):
        self.timeout_s = timeout_s
        self._clock = clock
        self._deadlines = {}  # connection -> when its headers must be in
        # also held while cutting off, so that a connection is never cut off after a
        # thread has stopped it (its socket may be closed, its number reused by then)
        self._lock = threading.Lock()

    def start(self, conn) -> None:
        """A thread starts reading a request's headers from `conn` (gthread's TConn)."""
        deadline = self._clock() + self.timeout_s
        with self._lock:
            self._deadlines[conn] = deadline

    def stop(self, conn) -> None:
        with self._lock:
            self._deadlines.pop(conn, None)

    def cut_off_late(self) -> list:
        """Shut down the connections past their deadline, and return them."""
        now = self._clock()
        with self._lock:
            late = [conn for conn, deadline in self._deadlines.items() if deadline <= now]
            for conn in late:
                del self._deadlines[conn]
                try:
                    conn.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass  # the client has gone already
        return late

    def watch(self, log) -> None:
        """Cut off late connections for good, each within a quarter of the timeout of its
        deadline (but 10 ms to 1 s), logging each one. Run it on a thread of its own."""
        interval_s = min(max(self.timeout_s / 4, 0.01), 1.0)
        while True:
            for conn in self.cut_off_late():
                log.info('Closed the connection from %s: no request headers within %g s',
                         conn.client, self.timeout_s)
            time.sleep(interval_s)
