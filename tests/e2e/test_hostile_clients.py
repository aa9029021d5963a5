"""Clients a live coordinator must outlast: slow, trickled, chunked and oversize bodies."""

import base64
import http.client
import json
import select
import socket
import time

import pytest

from tests.conftest import PASSWORD

BODY_TIMEOUT_S = 1.0


def login(coordinator) -> str:
    """A Basic header with a token of alice (so requests skip the slow password check)."""
    conn = http.client.HTTPConnection('127.0.0.1', coordinator.port, timeout=10)
    password = base64.b64encode(f'alice:{PASSWORD}'.encode()).decode()
    conn.request('GET', '/api/token', headers={'Authorization': f'Basic {password}'})
    token = json.loads(conn.getresponse().read())['token']
    conn.close()
    return 'Basic ' + base64.b64encode(f'{token}:'.encode()).decode()


def call(conn, method: str, path: str, auth: str, body=None) -> tuple[int, dict]:
    conn.request(method, path, body=None if body is None else json.dumps(body),
                 headers={'Authorization': auth, 'Content-Type': 'application/json'})
    reply = conn.getresponse()
    data = reply.read()
    return reply.status, json.loads(data) if data else {}


def start_request(coordinator, auth: str, framing: str, sent: bytes,
                  length: int = 1000) -> socket.socket:
    """A socket that sent the headers of POST /api/run and `sent`, the start of its body
    (chunked, or of `length` bytes)."""
    sock = socket.create_connection(('127.0.0.1', coordinator.port), timeout=10)
    length = ('Transfer-Encoding: chunked' if framing == 'chunked'
              else f'Content-Length: {length}')
    sock.sendall(f'POST /api/run HTTP/1.1\r\nHost: x\r\nAuthorization: {auth}\r\n'
                 f'Content-Type: application/json\r\n{length}\r\n\r\n'.encode() + sent)
    return sock


def reply_to(sock: socket.socket) -> tuple[http.client.HTTPResponse, dict]:
    """The server's answer on a raw socket, and its JSON body."""
    reply = http.client.HTTPResponse(sock)
    reply.begin()
    return reply, json.loads(reply.read())


def closed(sock: socket.socket) -> bool:
    """True once the server has closed the connection (nothing more to read)."""
    try:
        return sock.recv(1) == b''
    except ConnectionResetError:
        return True


def test_slow_bodies_beyond_the_threads_are_cut_off_while_others_are_served(serve):
    """Twice as many stalled bodies as threads: each gets 408 once the bound has passed for it,
    and meanwhile a normal client's health check and claim are answered within two bounds.
    The stalled clients never read their answers nor hang up: that holds up no one either."""
    coordinator = serve(workers=1, FARM_THREADS='2', FARM_BODY_TIMEOUT_S=str(BODY_TIMEOUT_S))
    auth = login(coordinator)
    client = http.client.HTTPConnection('127.0.0.1', coordinator.port, timeout=10)
    run = call(client, 'POST', '/api/run', auth, {'numTasks': 3})[1]['uuid']
    call(client, 'POST', '/api/worker', auth, {'uuid': 'w-1', 'hostname': 'n1', 'pid': 1})
    opened = time.monotonic()
    slow = [start_request(coordinator, auth, framing, sent)
            for framing, sent in [('length', b'{"numT'), ('chunked', b'6\r\n{"numT')] * 2]
    time.sleep(0.2)  # the slow requests reach the threads first
    started = time.monotonic()
    assert call(client, 'GET', '/health', auth)[0] == 200
    assert call(client, 'POST', f'/api/runs/{run}/task', auth, {'worker_uuid': 'w-1'})[0] == 201
    assert time.monotonic() - started < 2 * BODY_TIMEOUT_S + 2
    time.sleep(max(0.0, opened + 2 * BODY_TIMEOUT_S + 0.5 - time.monotonic()))
    assert select.select(slow, [], [], 0)[0] == slow  # each has had its answer, still unread
    newcomer = http.client.HTTPConnection('127.0.0.1', coordinator.port, timeout=10)
    started = time.monotonic()
    assert call(newcomer, 'GET', '/health', auth)[0] == 200
    assert time.monotonic() - started < 1
    newcomer.close()
    for sock in slow:
        reply, body = reply_to(sock)
        assert (reply.status, reply.getheader('Connection')) == (408, 'close') and body['msg']
        assert closed(sock)
        sock.close()


@pytest.mark.parametrize('threads', ['1', '4'], ids=['sync-worker', 'threaded-worker'])
def test_a_body_trickled_a_byte_at_a_time_is_cut_off_at_the_bound(serve, threads):
    """Each byte comes well within the bound: the bound is on the whole body, not on each read."""
    coordinator = serve(workers=1, FARM_THREADS=threads, FARM_BODY_TIMEOUT_S=str(BODY_TIMEOUT_S))
    sock = start_request(coordinator, login(coordinator), 'length', b'{')
    started = time.monotonic()
    while not select.select([sock], [], [], BODY_TIMEOUT_S / 5)[0]:
        assert time.monotonic() - started < 10, 'still reading the trickle after 10 s'
        sock.send(b' ')
    assert reply_to(sock)[0].status == 408
    assert time.monotonic() - started < BODY_TIMEOUT_S + 2
    sock.close()
    conn = http.client.HTTPConnection('127.0.0.1', coordinator.port, timeout=10)
    assert call(conn, 'GET', '/health', '')[0] == 200
    conn.close()


def test_a_chunked_body_creates_a_run(serve):
    coordinator = serve(workers=1)
    auth = login(coordinator)
    conn = http.client.HTTPConnection('127.0.0.1', coordinator.port, timeout=10)
    pieces = [b'{"num_tasks": ', b'4, "name": ', b'"chunked"}']
    conn.request('POST', '/farm/v1/runs', body=iter(pieces), encode_chunked=True,
                 headers={'Authorization': auth, 'Content-Type': 'application/json'})
    reply = conn.getresponse()
    created = json.loads(reply.read())
    assert reply.status == 201, created
    assert (created['num_tasks'], created['name']) == (4, 'chunked')
    assert call(conn, 'GET', f"/farm/v1/runs/{created['uuid']}", auth)[1]['waiting'] == 4


@pytest.mark.parametrize('framing', ['chunked', 'length'])
def test_an_oversize_body_gets_413_before_the_rest_is_sent(serve, framing):
    """The body never ends: only a refusal that does not wait for all of it is answered."""
    coordinator = serve(workers=1, FARM_MAX_BODY_BYTES='1000', FARM_BODY_TIMEOUT_S='30')
    start = b'{"numTasks": 1, "pad": "'
    if framing == 'chunked':  # one chunk of 1500 bytes, not the last
        sock = start_request(coordinator, login(coordinator), framing,
                             b'5dc\r\n' + start + b'x' * (1500 - len(start)) + b'\r\n')
    else:
        sock = start_request(coordinator, login(coordinator), framing, start, length=10**9)
    reply, body = reply_to(sock)
    assert reply.status == 413 and body['msg']
    sock.close()
