"""A stand-in coordinator on a local port that answers with canned replies and records requests."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NOW = '2026-11-23T17:20:05.123456+00:00'
RUN_UUID = '3f2a1b9c' + '0' * 24


def run_dict(**changes) -> dict:
    """A RunDict as the contract describes it; 30 tasks, all done, unless changed."""
    run = {'uuid': RUN_UUID, 'name': 'sweep', 'command': ['sh', '-c', 'echo {task}'],
           'has_inputs': False, 'num_tasks': 30, 'waiting': 0, 'running': 0, 'done': 30,
           'failed': 0, 'cancelled': 0, 'percent_done': 100.0, 'state': 'finished',
           'created_at': '2026-11-23T17:00:00+00:00', 'started_at': '2026-11-23T17:00:01+00:00',
           'finished_at': '2026-11-23T17:10:00+00:00', 'rate_per_s': 0.5, 'eta_s': None,
           'max_tries': 3, 'retry_delay_s': 0.0, 'task_timeout_s': None,
           'expected_duration_s': None}
    return {**run, **changes}


def task_dict(number: int, **changes) -> dict:
    task = {'number': number, 'status': 'done', 'attempt': 1, 'failed_tries': 0,
            'worker': 'w' * 32, 'hostname': 'node7', 'percent': 100.0,
            'started_at': '2026-11-23T17:00:01+00:00', 'ended_at': '2026-11-23T17:00:03+00:00',
            'duration_s': 2.0, 'exit_code': 0, 'msg': None, 'input': None}
    return {**task, **changes}


class FakeCoordinator:
    """`replies[(METHOD, path-with-query)] = (status, body)`, or a list of them used in turn.

    A reply may carry a third element, a dict of headers to send with it.
    """

    def __init__(self, port: int = 0):
        self.replies: dict = {}
        self.requests: list[tuple[str, str, dict | None, dict]] = []  # method, path, body, headers
        handler = self._handler()
        self.server = ThreadingHTTPServer(('127.0.0.1', port), handler)
        self.url = f'http://127.0.0.1:{self.server.server_address[1]}'
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def reply(self, method: str, path: str, body, status: int = 200,
              headers: dict | None = None) -> None:
        self.replies[(method, '/farm/v1' + path)] = (status, body, headers or {})

    def answer(self, method: str, path: str, body: dict | None, headers: dict):
        self.requests.append((method, path, body, headers))
        canned = self.replies.get((method, path)) or self.replies.get((method, path.split('?')[0]))
        if canned is None:
            return 404, {'msg': f'no route {path}'}
        if isinstance(canned, list):  # one reply per call, the last repeated
            canned = canned.pop(0) if len(canned) > 1 else canned[0]
        return canned

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self):
                length = int(self.headers.get('Content-Length') or 0)
                raw = self.rfile.read(length) if length else b''
                status, body, *headers = fake.answer(
                    self.command, self.path, json.loads(raw) if raw else None, dict(self.headers))
                data = b'' if status == 204 else json.dumps(body).encode()
                self.send_response(status)
                for name, value in (headers[0] if headers else {}).items():
                    self.send_header(name, value)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _any

            def log_message(self, *args):
                pass

        return Handler

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
