"""coordinator.hot_connections in a live gunicorn: keep-alive, pipelining, fairness."""

import http.client
import re
import socket
import threading
import time


def _get(conn: http.client.HTTPConnection, path: str = '/health') -> int:
    conn.request('GET', path)
    reply = conn.getresponse()
    reply.read()
    return reply.status


def test_consecutive_requests_stay_on_one_connection(serve):
    coordinator = serve(workers=1, FARM_THREADS='2')
    conn = http.client.HTTPConnection('127.0.0.1', coordinator.port, timeout=10)
    assert _get(conn) == 200
    sock = conn.sock
    assert [_get(conn) for _ in range(50)] == [200] * 50
    assert conn.sock is sock  # http.client reconnects silently: the same socket means no close
    conn.close()


def test_pipelined_requests_are_all_answered_in_order(serve):
    coordinator = serve(workers=1, FARM_THREADS='2')
    with socket.create_connection(('127.0.0.1', coordinator.port), timeout=10) as sock:
        sock.sendall(b'GET /health HTTP/1.1\r\nHost: x\r\n\r\n'
                     b'GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n'
                     b'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
        answer = b''
        while chunk := sock.recv(65536):
            answer += chunk
    assert re.findall(rb'HTTP/1\.1 (\d{3}) ', answer) == [b'200', b'404', b'200']


def test_quiet_keep_alive_connections_hold_no_thread(serve):
    """More idle keep-alive connections than threads: a newcomer is still answered at once."""
    coordinator = serve(workers=1, FARM_THREADS='2')
    idle = [http.client.HTTPConnection('127.0.0.1', coordinator.port, timeout=10) for _ in range(4)]
    for conn in idle:
        assert _get(conn) == 200
    time.sleep(0.2)  # well past the linger: every idle connection is back with the poller
    newcomer = http.client.HTTPConnection('127.0.0.1', coordinator.port, timeout=10)
    started = time.monotonic()
    assert _get(newcomer) == 200
    assert time.monotonic() - started < 2
    assert [_get(conn) for conn in idle] == [200] * 4  # and they are still alive
    for conn in (*idle, newcomer):
        conn.close()


def test_busy_connections_beyond_the_threads_are_served_in_turn(serve):
    """Six clients talking at once to two threads: each is answered before any of them is done.

    A thread that kept serving its connection while others queued would finish
    one client's whole burst before the queued clients got their first answer.
    """
    coordinator = serve(workers=1, FARM_THREADS='2')
    clients, requests = 6, 200
    go = threading.Barrier(clients)
    answered = {}  # client -> monotonic times of its answers
    errors = []

    def client(index: int):
        conn = http.client.HTTPConnection('127.0.0.1', coordinator.port, timeout=30)
        times = answered.setdefault(index, [])
        try:
            conn.connect()
            go.wait(10)
            for _ in range(requests):
                if _get(conn) != 200:
                    errors.append('status')
                times.append(time.monotonic())
        except (OSError, threading.BrokenBarrierError) as exc:
            errors.append(repr(exc))
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(index,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == [] and all(len(times) == requests for times in answered.values())
    first_done = min(times[-1] for times in answered.values())
    assert max(times[0] for times in answered.values()) < first_done
