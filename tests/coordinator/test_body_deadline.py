"""BodyDeadline around gunicorn's own request parser over a real socket pair, time passed in."""

import socket
import time

import pytest
from gunicorn.config import Config as GunicornConfig
from gunicorn.http.parser import RequestParser

from coordinator.body_deadline import BodyDeadline
from coordinator.errors import RequestTimeout
from tests.clock import Clock

HEADERS = b'POST /api/run HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n'


@pytest.fixture
def sockets():
    """(server side, client side) of a connection."""
    server, client = socket.socketpair()
    yield server, client
    server.close()
    client.close()


def parsed(server):
    """The request gunicorn parses from the server side: headers read, body not yet."""
    return next(RequestParser(GunicornConfig(), server, ('127.0.0.1', 4242)))


def test_a_body_that_arrives_before_the_deadline_is_read_whole(sockets):
    server, client = sockets
    clock = Clock()
    deadline = BodyDeadline(10, clock)
    client.sendall(HEADERS + b'{"numTasks"')
    req = parsed(server)
    deadline.pre_request(None, req)
    clock.now += 9.9
    client.sendall(b': 123456}')
    assert req.body.read() == b'{"numTasks": 123456}'
    deadline.post_request(None, req)
    assert req.unreader.sock is server and server.gettimeout() is None
    assert not req.should_close()


def test_a_body_unfinished_at_the_deadline_is_refused_though_more_is_waiting(sockets):
    """A deadline for the whole body: bytes that keep coming do not extend it."""
    server, client = sockets
    clock = Clock()
    deadline = BodyDeadline(10, clock)
    client.sendall(HEADERS + b'{"numTasks"')
    req = parsed(server)
    deadline.pre_request(None, req)
    clock.now += 10
    client.sendall(b': 123456}')
    with pytest.raises(RequestTimeout, match='within 10 s'):
        req.body.read()
    assert req.should_close()  # the answer says Connection: close, and the connection closes
    deadline.post_request(None, req)
    assert req.unreader.sock is server and server.gettimeout() is None


def test_a_client_that_sends_nothing_more_is_waited_for_until_the_deadline_only(sockets):
    server, client = sockets
    deadline = BodyDeadline(0.2)  # the real clock: what is bounded here is a blocking recv()
    client.sendall(HEADERS + b'{"numTasks"')
    req = parsed(server)
    deadline.pre_request(None, req)
    started = time.monotonic()
    with pytest.raises(RequestTimeout):
        req.body.read()
    assert 0.15 < time.monotonic() - started < 5
