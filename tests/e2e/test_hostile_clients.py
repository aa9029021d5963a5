"""Clients a live coordinator must outlast: slow, trickled, chunked and oversize bodies."""

import base64
import http.client
import json
import socket

import pytest

from tests.conftest import PASSWORD


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
    coordinator = serve(workers=1, FARM_MAX_BODY_BYTES='1000')
    start = b'{"numTasks": 1, "pad": "'
    if framing == 'chunked':  # one chunk of 1500 bytes, not the last
        sock = start_request(coordinator, login(coordinator), framing,
                             b'5dc\r\n' + start + b'x' * (1500 - len(start)) + b'\r\n')
    else:
        sock = start_request(coordinator, login(coordinator), framing, start, length=10**9)
    reply, body = reply_to(sock)
    assert reply.status == 413 and body['msg']
    sock.close()
