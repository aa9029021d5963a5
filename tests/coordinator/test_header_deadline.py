"""HeaderDeadline over real connections, time passed in."""

import socket

import pytest
from gunicorn.config import Config as GunicornConfig
from gunicorn.workers.gthread import TConn

from coordinator.header_deadline import HeaderDeadline
from tests.clock import Clock


@pytest.fixture
def connection():
    """(gthread's connection on the server side, the client's socket)."""
    server, client = socket.socketpair()
    yield TConn(GunicornConfig(), server, ('127.0.0.1', 4242), ('127.0.0.1', 8080)), client
    server.close()
    client.close()


def closed_for(client: socket.socket) -> bool:
    """True when the server has closed the connection (the client reads end-of-file)."""
    client.setblocking(False)
    try:
        return client.recv(1) == b''
    except BlockingIOError:
        return False


def test_a_connection_still_without_its_headers_at_the_deadline_is_cut_off(connection):
    conn, client = connection
    clock = Clock()
    deadline = HeaderDeadline(10, clock)
    deadline.start(conn)
    clock.now += 9.9
    assert deadline.cut_off_late() == [] and not closed_for(client)
    clock.now += 0.1
    assert deadline.cut_off_late() == [conn] and closed_for(client)
    assert deadline.cut_off_late() == []  # once


def test_a_connection_whose_headers_are_in_is_left_alone(connection):
    conn, client = connection
    clock = Clock()
    deadline = HeaderDeadline(10, clock)
    deadline.start(conn)
    clock.now += 5
    deadline.stop(conn)
    clock.now += 60
    assert deadline.cut_off_late() == [] and not closed_for(client)


def test_each_request_has_its_own_deadline(connection):
    """A keep-alive connection's next request gets the whole time again."""
    conn, client = connection
    clock = Clock()
    deadline = HeaderDeadline(10, clock)
    deadline.start(conn)
    clock.now += 8
    deadline.stop(conn)
    deadline.start(conn)
    clock.now += 8
    assert deadline.cut_off_late() == [] and not closed_for(client)
