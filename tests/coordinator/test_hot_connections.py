"""HotConnectionWorker in-process: real connections handed to its thread pool as gthread does."""

import fcntl
import logging
import re
import resource
import socket
from concurrent.futures import ThreadPoolExecutor

import gunicorn
import gunicorn.http.parser
import pytest
from gunicorn.config import Config as GunicornConfig
from gunicorn.glogging import Logger
from gunicorn.http.unreader import SocketUnreader
from gunicorn.workers.gthread import TConn, ThreadWorker

from coordinator.hot_connections import HotConnectionWorker

HEALTH = b'GET /health HTTP/1.1\r\nHost: x\r\n\r\n'
LAST = b'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
FD_SETSIZE = 1024  # select.select() refuses descriptors from this one on


def gunicorn_config(**settings) -> GunicornConfig:
    cfg = GunicornConfig()
    for name, value in {'threads': 2, **settings}.items():
        cfg.set(name, value)
    return cfg


def answer_ok(environ, start_response):
    start_response('200 OK', [])
    return [b'ok']


@pytest.fixture
def make_worker():
    """Build workers as gunicorn's arbiter does, serving `answer_ok` unless told otherwise."""
    built = []

    def make(worker_class=HotConnectionWorker):
        cfg = gunicorn_config()
        worker = worker_class(0, 0, [], None, 30, cfg, Logger(cfg))
        worker.wsgi = answer_ok
        built.append(worker)
        return worker

    yield make
    for worker in built:
        worker.tmp.close()


@pytest.fixture
def connect():
    """connect(lowest_fd=0) -> (gthread's connection on the server side, the client's socket),
    the server side's descriptor `lowest_fd` or above; all are closed after the test."""
    opened = []

    def make(lowest_fd: int = 0):
        server, client = socket.socketpair()
        if lowest_fd:
            moved = socket.socket(fileno=fcntl.fcntl(server.fileno(), fcntl.F_DUPFD, lowest_fd))
            server.close()
            server = moved
        opened.extend([server, client])
        return TConn(gunicorn_config(), server, ('127.0.0.1', 4242), ('127.0.0.1', 8080)), client

    yield make
    for sock in opened:
        sock.close()


@pytest.fixture
def high_fd_limit():
    """Room for descriptors above select()'s limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 2 * FD_SETSIZE
    if hard != resource.RLIM_INFINITY and hard < wanted:
        pytest.skip(f'RLIMIT_NOFILE hard limit {hard} < {wanted}')
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def serve(worker, conn) -> None:
    """Hand the connection to a thread the way gthread does; return once that thread is done."""
    worker.tpool = ThreadPoolExecutor(max_workers=1)
    worker.method_queue.init()  # where the thread reports back to the poller (not run here)
    worker.enqueue_req(conn)
    worker.tpool.shutdown(wait=True)
    worker.method_queue.close()
    conn.sock.shutdown(socket.SHUT_WR)  # what the client has now is all it gets


def statuses(client: socket.socket) -> list[str]:
    """The statuses of the answers the client has had, once the server stopped writing."""
    client.settimeout(5)
    answers = b''
    while chunk := client.recv(65536):
        answers += chunk
    return re.findall(r'HTTP/1\.1 (\d{3}) ', answers.decode())


def sending_during_the_answer(worker, client: socket.socket, request: bytes) -> None:
    """Make the client send `request` while the worker's app is answering the one before:
    it is on the socket, not in gunicorn's buffer, when the thread looks for a next request."""
    def answer_then_send(environ, start_response):
        client.sendall(request)
        worker.wsgi = answer_ok
        return answer_ok(environ, start_response)

    worker.wsgi = answer_then_send


def test_the_next_request_is_served_by_the_same_thread(make_worker, connect):
    worker = make_worker()
    conn, client = connect()
    client.sendall(HEALTH)
    sending_during_the_answer(worker, client, LAST)
    serve(worker, conn)
    assert statuses(client) == ['200', '200']


def test_a_connection_numbered_above_select_s_limit_is_served_by_the_same_thread(
        make_worker, connect, high_fd_limit):
    """A worker with a thousand connections has descriptors above 1023, which select()
    refuses: the next request on one of them still waits for the thread it is on."""
    worker = make_worker()
    conn, client = connect(lowest_fd=FD_SETSIZE)
    assert conn.sock.fileno() >= FD_SETSIZE
    client.sendall(HEALTH)
    sending_during_the_answer(worker, client, LAST)
    serve(worker, conn)
    assert statuses(client) == ['200', '200']


def test_a_request_whose_headers_came_in_time_is_not_cut_off_while_it_is_served(
        make_worker, connect):
    worker = make_worker(HotConnectionWorker.bounding_headers_to(0))  # every wait is late

    def cut_off_then_answer(environ, start_response):
        assert worker.header_deadline.cut_off_late() == []
        return answer_ok(environ, start_response)

    worker.wsgi = cut_off_then_answer
    conn, client = connect()
    client.sendall(LAST)
    serve(worker, conn)
    assert statuses(client) == ['200']


class UnbufferedUnreader(SocketUnreader):
    """An unreader of a gunicorn that would keep its read-ahead elsewhere."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.read_ahead = self.buf
        del self.buf


MISSING = {
    'ThreadWorker.enqueue_req': lambda patch: patch.delattr(ThreadWorker, 'enqueue_req'),
    'ThreadWorker.handle_request': lambda patch: patch.delattr(ThreadWorker, 'handle_request'),
    'unreader.buf': lambda patch: patch.setattr(gunicorn.http.parser, 'SocketUnreader',
                                                UnbufferedUnreader),
    'returning True': lambda patch: patch.setattr(gunicorn, 'version_info', (23, 0, 0)),
}


@pytest.mark.parametrize('need', MISSING)
def test_gunicorn_without_an_internal_the_worker_needs_gets_one_log_line(
        monkeypatch, caplog, need):
    MISSING[need](monkeypatch)
    HotConnectionWorker.check_config(gunicorn_config(), logging.getLogger('gunicorn.test'))
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert need in record.getMessage() and 'serving as stock gthread' in record.getMessage()


def test_http2_gets_stock_gthread_with_one_log_line(caplog):
    HotConnectionWorker.check_config(gunicorn_config(http_protocols='h1,h2'),
                                     logging.getLogger('gunicorn.test'))
    [record] = caplog.records
    assert 'without h2' in record.getMessage()


def test_without_an_internal_a_thread_serves_one_request_and_hands_the_connection_back(
        monkeypatch, make_worker, connect):
    MISSING['returning True'](monkeypatch)
    worker = make_worker()
    conn, client = connect()
    client.sendall(HEALTH)
    sending_during_the_answer(worker, client, LAST)
    serve(worker, conn)
    assert statuses(client) == ['200']  # the next request is the poller's business


def test_gunicorn_as_installed_has_what_the_worker_needs(caplog):
    HotConnectionWorker.check_config(gunicorn_config(), logging.getLogger('gunicorn.test'))
    assert caplog.records == []
