"""Clients a live coordinator must outlast: request headers that come slowly or never end."""

import http.client
import select
import socket
import time

import pytest

from tests.e2e.test_hostile_clients import closed

HEADER_TIMEOUT_S = 1.0  # FARM_BODY_TIMEOUT_S bounds the headers too
PARTIAL = b'GET /health HTTP/1.1\r\nHost: x\r\nX-Never-Ends: '


def health_within(coordinator, limit_s: float) -> None:
    conn = http.client.HTTPConnection('127.0.0.1', coordinator.port, timeout=15)
    started = time.monotonic()
    conn.request('GET', '/health')
    assert conn.getresponse().status == 200
    assert time.monotonic() - started < limit_s
    conn.close()


def test_partial_headers_beyond_the_threads_are_cut_off_while_others_are_served(serve):
    """Twice as many header sections as threads, begun and never finished: each connection is
    closed once the bound has passed for it, and meanwhile /health is answered."""
    coordinator = serve(workers=1, FARM_THREADS='4', FARM_BODY_TIMEOUT_S=str(HEADER_TIMEOUT_S))
    opened = time.monotonic()
    stalled = []
    for _ in range(8):
        sock = socket.create_connection(('127.0.0.1', coordinator.port), timeout=15)
        sock.sendall(PARTIAL)
        stalled.append(sock)
    time.sleep(0.2)  # the stalled connections reach the threads first
    health_within(coordinator, 2 * HEADER_TIMEOUT_S + 2)
    for sock in stalled:
        assert closed(sock)
        sock.close()
    assert time.monotonic() - opened < 2 * HEADER_TIMEOUT_S + 2
    health_within(coordinator, 1)


@pytest.mark.parametrize('first', [True, False], ids=['first-request', 'next-request'])
def test_headers_trickled_a_byte_at_a_time_are_cut_off_at_the_bound(serve, first):
    """Each byte comes well within the bound: the bound is on the whole header section, for
    a connection's first request and for the next one on a kept-alive connection alike."""
    coordinator = serve(workers=1, FARM_THREADS='2', FARM_BODY_TIMEOUT_S=str(HEADER_TIMEOUT_S))
    sock = socket.create_connection(('127.0.0.1', coordinator.port), timeout=15)
    if not first:
        reply = http.client.HTTPResponse(sock)
        sock.sendall(b'GET /health HTTP/1.1\r\nHost: x\r\n\r\n')
        reply.begin()
        assert reply.status == 200 and reply.read()
    started = time.monotonic()
    for byte in PARTIAL + b'x' * 1000:
        if select.select([sock], [], [], HEADER_TIMEOUT_S / 5)[0]:
            break
        assert time.monotonic() - started < 10, 'still reading the trickle after 10 s'
        sock.send(bytes([byte]))
    assert closed(sock)
    assert time.monotonic() - started < HEADER_TIMEOUT_S + 2
    sock.close()
    health_within(coordinator, 1)
