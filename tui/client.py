"""The dashboard's REST client: a method per `/farm/v1` read or action, a clear error per failure.

It never retries by itself: the poller calls again on its next tick, so an
outage shows on screen as it happens instead of hiding behind a backoff.
Each thread gets its own keep-alive connection (`http.client` connections are
not thread-safe, and the poller and an action may run at the same time).
"""

import http.client
import json
import threading
import urllib.parse
from datetime import UTC
from email.utils import parsedate_to_datetime


class ClientError(Exception):
    """A call failed; `str(error)` is one line fit for a status bar or a notification."""


class Unreachable(ClientError):
    """No HTTP answer at all: connection refused, DNS failure, timeout."""


class Refused(ClientError):
    """The coordinator answered with an error status; `status` says which."""

    def __init__(self, status: int, msg: str):
        super().__init__(msg)
        self.status = status


class BadToken(Refused):
    """401 or 403: the token is unknown, expired, or not allowed to do this."""


class NotFound(Refused):
    """404: the run or task is gone (deleted meanwhile, or a typo)."""


def _refusal(status: int, msg: str, path: str) -> Refused:
    if status in (401, 403):
        return BadToken(status, f'the coordinator refused the token: {msg} (HTTP {status})')
    if status == 404:
        return NotFound(status, f'not found: {msg or path} (HTTP 404)')
    return Refused(status, f'{msg or http.client.responses.get(status, "error")} (HTTP {status})')


class FarmClient:
    """Calls to one coordinator as one user; safe to share between threads."""

    def __init__(self, url: str, token: str, *, timeout_s: float = 10.0):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ('http', 'https') or not parts.hostname:
            raise ValueError(f'not a coordinator URL: {url!r} (use http://HOST:PORT)')
        try:
            self._port = parts.port
        except ValueError:
            raise ValueError(f'not a coordinator URL: {url!r} (bad port)') from None
        self.url = url.rstrip('/')
        self._https = parts.scheme == 'https'
        self._host = parts.hostname
        self._prefix = parts.path.rstrip('/') + '/farm/v1'
        self._timeout_s = timeout_s
        self._headers = {'Authorization': f'Bearer {token}', 'Content-Type': 'application/json',
                         'Accept': 'application/json'}
        self._local = threading.local()

    # ---- reads: each is one request

    def overview(self) -> dict:
        return self._call('GET', '/overview')

    def runs(self, state: str = 'all', limit: int = 100, offset: int = 0) -> dict:
        return self._call('GET', '/runs', query={'state': state, 'limit': limit, 'offset': offset})

    def run(self, uuid: str) -> dict:
        return self._call('GET', f'/runs/{uuid}')

    def tasks(self, uuid: str, status: str | None = None, after: int = -1,
              limit: int = 100) -> dict:
        query = {'after': after, 'limit': limit}
        if status:
            query['status'] = status
        return self._call('GET', f'/runs/{uuid}/tasks', query=query)

    def task(self, uuid: str, number: int) -> dict:
        return self._call('GET', f'/runs/{uuid}/tasks/{number}')

    def workers(self, state: str = 'all', limit: int = 100, offset: int = 0) -> dict:
        return self._call('GET', '/workers', query={'state': state, 'limit': limit,
                                                     'offset': offset})

    # ---- actions

    def cancel_task(self, uuid: str, number: int) -> dict:
        return self._call('POST', f'/runs/{uuid}/tasks/{number}/cancel', {})

    def restart_run(self, uuid: str, all_tasks: bool = False) -> dict:
        return self._call('POST', f'/runs/{uuid}/restart', {'all': all_tasks})

    def cancel_run(self, uuid: str) -> dict:
        return self._call('POST', f'/runs/{uuid}/cancel', {})

    def delete_run(self, uuid: str) -> None:
        self._call('DELETE', f'/runs/{uuid}')

    # ---- plumbing

    def _call(self, method: str, path: str, body: dict | None = None, *,
              query: dict | None = None) -> dict:
        target = self._prefix + path
        if query:
            target += '?' + urllib.parse.urlencode(query)
        payload = None if body is None else json.dumps(body)
        try:
            status, raw, date = self._send(method, target, payload)
        except (OSError, http.client.HTTPException) as exc:
            raise Unreachable(f'cannot reach the coordinator at {self.url}: '
                              f'{_reason(exc)}') from None
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = {'msg': raw[:120].decode(errors='replace').strip()}
        if not isinstance(data, dict):
            data = {'msg': 'unexpected reply'}
        if 200 <= status < 300:
            if 'now' not in data and date:
                # a reply without the server's clock (a task's detail): its Date header is it,
                # to the second, so ages never mix the server's clock with ours
                data['now'] = _instant(date)
            return data
        raise _refusal(status, str(data.get('msg', '')), path)

    def _send(self, method: str, target: str,
              payload: str | None) -> tuple[int, bytes, str | None]:
        conn = getattr(self._local, 'conn', None)
        reused = conn is not None
        if conn is None:
            conn = self._local.conn = self._connect()
        try:
            conn.request(method, target, body=payload, headers=self._headers)
            response = conn.getresponse()
            return response.status, response.read(), response.getheader('Date')
        except (OSError, http.client.HTTPException):
            conn.close()
            self._local.conn = None
            # a keep-alive connection the server closed while idle fails on first use;
            # a read is safe to send again on a fresh one, an action is not
            if reused and method == 'GET':
                return self._send(method, target, payload)
            raise

    def _connect(self) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        return cls(self._host, self._port, timeout=self._timeout_s)

    def close(self) -> None:
        conn = getattr(self._local, 'conn', None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def _instant(http_date: str) -> str | None:
    try:
        moment = parsedate_to_datetime(http_date)
    except (TypeError, ValueError):
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def _reason(exc: Exception) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return 'connection refused'
    if isinstance(exc, TimeoutError):
        return 'timed out'
    text = str(exc) or type(exc).__name__
    return text.split('] ', 1)[-1]  # drop the "[Errno 111]" prefix
