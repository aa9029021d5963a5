"""The coordinator's farmworker protocol over one keep-alive HTTP connection, retrying through blips.

Connection errors and 5xx answers are retried with jittered backoff (a 503's
Retry-After is honoured), so a coordinator restart costs the agent nothing but
time, and so is a 408: the coordinator stopped waiting for a body that stalled
on the way, and never acted on it. Any other 4xx is a refusal retrying will not
fix: it raises `Refused` with the coordinator's one-line message. A caller that
must move on (an agent told to drain) bounds every wait with `limit_waits`.
"""

import base64
import http.client
import json
import logging
import time
import urllib.parse
from collections.abc import Callable

from farmworker.backoff import Backoff

log = logging.getLogger(__name__)
# A try gets at least this long to be answered, however little time its caller has left: the
# coordinator answers in milliseconds, so a try this slow finds it in trouble.
MIN_TRY_S = 1.0
# While a caller bounds its waits, a backoff delay is slept in naps this long at most: the
# bound may tighten during the delay (a signal asks the agent to drain), and must be seen.
NAP_S = 0.25


class Refused(Exception):
    """The coordinator answered 4xx: a bad token, an unknown run, a worker declared lost."""

    def __init__(self, status: int, msg: str, body: dict | None = None):
        super().__init__(f'{msg} (HTTP {status})')
        self.status = status
        self.body = body or {}


class Unreachable(Exception):
    """The coordinator did not answer within the time the caller allowed."""


class Client:
    """Calls to one coordinator; `retried` says whether the last call needed more than one try."""

    def __init__(self, url: str, token: str | None, *, basic: tuple[str, str] | None = None,
                 timeout_s: float = 30.0,
                 backoff: Backoff | None = None, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ('http', 'https') or not parts.hostname:
            raise ValueError(f'not a coordinator URL: {url!r} (use http://HOST:PORT)')
        try:
            port = parts.port
        except ValueError:
            raise ValueError(f'not a coordinator URL: {url!r} (bad port)') from None
        connection = http.client.HTTPSConnection if parts.scheme == 'https' else http.client.HTTPConnection
        self._connect = lambda timeout: connection(parts.hostname, port, timeout=timeout)
        self._timeout_s = timeout_s
        self._time_left: Callable[[], float | None] | None = None  # see limit_waits
        self._prefix = parts.path.rstrip('/') + '/farm/v1'
        if basic is not None:  # user:password, only to mint a token (`farm login`)
            pair = base64.b64encode(f'{basic[0]}:{basic[1]}'.encode()).decode('ascii')
            authorization = f'Basic {pair}'
        else:
            authorization = f'Bearer {token}'
        self._headers = {'Authorization': authorization, 'Content-Type': 'application/json'}
        self._backoff = backoff or Backoff()
        self._sleep = sleep
        self._clock = clock
        self._conn = None
        self.retried = False

    def call(self, method: str, path: str, body: dict | None = None, *,
             give_up_s: float | None = None, accept: tuple[int, ...] = ()) -> dict:
        """One protocol call; `accept` lists 4xx answers returned as bodies instead of raised."""
        started, self.retried = self._clock(), False
        payload = None if body is None else json.dumps(body)
        while True:
            try:
                status, data, retry_after = self._send(method, self._prefix + path, payload)
            except (OSError, http.client.HTTPException) as exc:
                status, data, retry_after, problem = None, {}, 0.0, f'{type(exc).__name__}: {exc}'
            else:
                problem = f'HTTP {status}: {data.get("msg", "")}'
            if status is not None and status != 408 and (status < 500 or status in accept):
                if 200 <= status < 300 or status in accept:
                    self._backoff.reset()
                    return data
                raise Refused(status, data.get('msg') or http.client.responses.get(status, ''), data)
            self._wait(problem, retry_after, started, give_up_s)

    def retry_within(self, seconds: float) -> None:
        """Never wait longer than `seconds` between tries from now on.

        An agent promises a sign of life every heartbeat interval; a restarted
        coordinator judges it lost one ttl (four intervals) after coming back, so
        backing off longer than an interval would get it declared lost, and its
        finished work refused, for an outage that was not its fault.
        """
        self._backoff.cap_s = max(self._backoff.base_s, min(self._backoff.cap_s, seconds))

    def limit_waits(self, time_left: Callable[[], float | None]) -> None:
        """From now on, no call waits longer than `time_left()` says (None: no limit).

        A call then raises Unreachable once its caller has no time left instead of trying
        again, and a try that gets no answer is abandoned at that moment (MIN_TRY_S at least).
        """
        self._time_left = time_left

    def _send(self, method: str, path: str, payload: str | None) -> tuple[int, dict, float]:
        left = None if self._time_left is None else self._time_left()
        timeout_s = self._timeout_s if left is None else min(self._timeout_s, max(left, MIN_TRY_S))
        if self._conn is None:
            self._conn = self._connect(timeout_s)
        elif self._conn.timeout != timeout_s:  # a kept-alive connection, under a new bound
            self._conn.timeout = timeout_s
            if self._conn.sock is not None:
                self._conn.sock.settimeout(timeout_s)
        try:
            self._conn.request(method, path, body=payload, headers=self._headers)
            response = self._conn.getresponse()
            raw = response.read()
        except BaseException:
            self._conn.close()  # a half-used connection cannot be reused
            self._conn = None
            raise
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = {'msg': raw[:200].decode(errors='replace')}
        retry_after = response.getheader('Retry-After') or '0'
        return response.status, data, float(retry_after) if retry_after.isdigit() else 0.0

    def _wait(self, problem: str, retry_after: float, started: float,
              give_up_s: float | None) -> None:
        self.retried = True
        delay = self._backoff.next_delay(at_least=retry_after)
        if give_up_s is not None and self._clock() - started + delay > give_up_s:
            raise Unreachable(f'coordinator not reachable for {give_up_s:g} s: {problem}')
        left = None if self._time_left is None else self._time_left()
        if left is None or left >= delay:  # else the caller hears of the problem, soon
            log.warning('coordinator: %s; retrying in %.1f s', problem, delay)
        self._pause(delay, problem)

    def _pause(self, delay: float, problem: str) -> None:
        """Sleep `delay`, unless the caller's time runs out first: then raise Unreachable."""
        if self._time_left is None:
            return self._sleep(delay)
        wake_at = self._clock() + delay
        while (nap_s := wake_at - self._clock()) > 0:
            left = self._time_left()
            if left is not None and left <= 0:
                raise Unreachable(f'coordinator not reachable in the time left: {problem}')
            self._sleep(min(nap_s, NAP_S if left is None else left))
        return None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
