"""The one HTTP client of the coordinator's /farm/v1 API, for agents, `farm` and `farm-tui` alike.

What differs between them is how they meet trouble, and each picks a `Retry`:
an agent backs off for as long as it must (a coordinator restart costs it
nothing but time), a person at a prompt waits a little and is told, and the
dashboard never waits, because its next poll is the retry and an outage should
show on screen as it happens. A 4xx is a refusal retrying will not fix (408
aside: the coordinator stopped waiting for a stalled body and never acted on
it): `Refused`, with the coordinator's one-line message. No answer in the time
allowed: `Unreachable`. Each thread keeps its own keep-alive connection
(`http.client` connections are not thread-safe; the dashboard polls and acts
from different threads).
"""

import base64
import dataclasses
import http.client
import json
import logging
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable
from datetime import UTC
from email.utils import parsedate_to_datetime
from types import EllipsisType

from farmworker.backoff import Backoff
from farmworker.outage import Outage

log = logging.getLogger(__name__)
# A try gets at least this long to be answered, however little time its caller has left: the
# coordinator answers in milliseconds, so a try this slow finds it in trouble.
MIN_TRY_S = 1.0
# While a caller bounds its waits, a backoff delay is slept in naps this long at most: the
# bound may tighten during the delay (a signal asks the agent to drain), and must be seen.
NAP_S = 0.25


@dataclasses.dataclass(frozen=True)
class Retry:
    """Which failures a client tries again, and for how long (`give_up_s` None: for ever)."""

    statuses: frozenset[int]  # answers tried again; no answer at all is always tried again
    give_up_s: float | None
    # a connection refused before the coordinator ever answered: nothing listens at the
    # address (stopped, or a wrong URL), which waiting will not change for a person
    refused_is_final: bool = False


# An agent retries 5xx too (a fault of the coordinator may pass, and its tasks cannot wait
# anywhere else), without end: when it must move on, `limit_waits` bounds it.
AGENT = Retry(frozenset({408, *range(500, 600)}), None)
# A person: what a busy, restarting or proxied coordinator answers, for a while; a 500 is
# a fault of the coordinator, told at once.
PERSON = Retry(frozenset({408, 502, 503, 504}), 15.0, refused_is_final=True)
# The dashboard: its next poll is the retry.
NEVER = Retry(frozenset(), 0.0)


class CoordinatorError(Exception):
    """A call failed; `str()` is one line, and `url` names the coordinator."""

    def __init__(self, text: str, url: str = ''):
        super().__init__(text)
        self.url = url


class Refused(CoordinatorError):
    """The coordinator answered with an error status: a bad token, an unknown run, a lost worker.

    `user` names the user whose password was sent (`farm login`); None when a token was.
    """

    def __init__(self, status: int, msg: str, body: dict | None = None, *, url: str = '',
                 user: str | None = None):
        super().__init__(f'{msg} (HTTP {status})', url)
        self.status, self.msg, self.body, self.user = status, msg, body or {}, user

    @property
    def bad_token(self) -> bool:
        return self.status in (401, 403)

    @property
    def not_found(self) -> bool:
        return self.status == 404


class Unreachable(CoordinatorError):
    """No usable answer in the time the caller allowed; `problem` says what went wrong last.

    `nothing_listens`: the first connection was refused, so no coordinator runs there.
    `answered`: whether the problem is an HTTP status (a coordinator answered, busy or broken).
    `waited_s`: how long the call tried.
    """

    def __init__(self, text: str, url: str = '', problem: str = '', *,
                 nothing_listens: bool = False, answered: bool = False, waited_s: float = 0.0):
        super().__init__(text, url)
        self.problem, self.nothing_listens, self.answered = problem, nothing_listens, answered
        self.waited_s = waited_s


class Untrusted(Unreachable):
    """The coordinator's TLS certificate does not verify: a setting to fix, not a wait."""


class Client:
    """Calls to one coordinator; `retried` says whether the last call needed more than one try."""

    def __init__(self, url: str, token: str | None, *, basic: tuple[str, str] | None = None,
                 retry: Retry = AGENT, timeout_s: float = 30.0, backoff: Backoff | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ('http', 'https') or not parts.hostname:
            raise ValueError(f'not a coordinator URL: {url!r} (use http://HOST:PORT)')
        try:
            port = parts.port
        except ValueError:
            raise ValueError(f'not a coordinator URL: {url!r} (bad port)') from None
        connection = (http.client.HTTPSConnection if parts.scheme == 'https'
                      else http.client.HTTPConnection)
        self._connect = lambda timeout: connection(parts.hostname, port, timeout=timeout)
        self.url, self.token, self.retry = url.rstrip('/'), token, retry
        self._user = basic[0] if basic else None
        self._root = parts.path.rstrip('/')  # a coordinator behind a proxy under a path
        if basic is not None:  # user:password, only to mint a token (`farm login`)
            pair = base64.b64encode(f'{basic[0]}:{basic[1]}'.encode()).decode('ascii')
            authorization = f'Basic {pair}'
        else:
            authorization = f'Bearer {token}'
        self._headers = {'Authorization': authorization, 'Content-Type': 'application/json',
                         'Accept': 'application/json'}
        self._timeout_s = timeout_s
        self._time_left: Callable[[], float | None] | None = None  # see limit_waits
        self._backoff = backoff or Backoff()
        self._sleep, self._clock = sleep, clock
        self._outage = Outage(log, clock=clock)  # says an outage in a few lines, not one a try
        self._local = threading.local()  # .conn: this thread's keep-alive connection
        self._answered = False  # a coordinator has answered at this address
        self.retried = False

    def call(self, method: str, path: str, body: dict | None = None, *,
             query: dict | None = None, give_up_s: float | None | EllipsisType = ...,
             accept: tuple[int, ...] = (), family: str = '/farm/v1') -> dict:
        """One call to `path` under the API `family`'s prefix; `accept` lists error statuses
        returned as bodies instead of raised.

        `give_up_s` overrides the Retry's for this call. A read's reply without the
        server's clock gets it as `now` from the Date header, so ages are never
        computed against a skewed local clock.
        """
        payload = None if body is None else json.dumps(body)
        _, raw, response = self._exchange(method, path, payload, query, give_up_s, accept,
                                          family)
        data = _json_object(raw)
        if method == 'GET' and 'now' not in data and response.getheader('Date'):
            data['now'] = _instant(response.getheader('Date'))
        return data

    def fetch(self, path: str, *, give_up_s: float | None | EllipsisType = ...,
              family: str = '/farm/v1') -> bytes:
        """The bytes `GET path` answers (a code zip), tried again as `call` is."""
        return self._exchange('GET', path, None, None, give_up_s, (), family)[1]

    def _exchange(self, method: str, path: str, payload: str | None, query: dict | None,
                  give_up_s: float | None | EllipsisType, accept: tuple[int, ...],
                  family: str) -> tuple[int, bytes, http.client.HTTPResponse]:
        """Send until an answer `call` or `fetch` can use: (status, body, response)."""
        give_up_s = self.retry.give_up_s if give_up_s is ... else give_up_s
        query = {key: value for key, value in (query or {}).items() if value is not None}
        target = self._root + family + path + ('?' + urllib.parse.urlencode(query) if query else '')
        started, self.retried = self._clock(), False
        while True:
            try:
                status, raw, response = self._send(method, target, payload)
            except (OSError, http.client.HTTPException) as exc:
                problem = _reason(exc)
                if isinstance(exc, ssl.SSLCertVerificationError):  # trying again cannot help
                    raise Untrusted(f'cannot trust {self.url}: {problem} (SSL_CERT_FILE names '
                                      'the CA file that signed its certificate)', self.url,
                                      problem) from None
                if isinstance(exc, ConnectionRefusedError) and self.retry.refused_is_final \
                        and not self._answered:
                    raise Unreachable(f'nothing listens at {self.url} ({problem})', self.url,
                                      problem, nothing_listens=True) from None
                self._wait(problem, 0.0, started, give_up_s)
                continue
            self._answered = True
            if 200 <= status < 300 or status in accept:
                self._backoff.reset()
                self._outage.answered()
                return status, raw, response
            data = _json_object(raw)
            # each family words its errors under its own key (Scale's `detail`,
            # ndscheduler's `error`)
            msg = str(data.get('msg') or data.get('detail') or data.get('error')
                      or http.client.responses.get(status, 'error'))
            if status not in self.retry.statuses:
                self._outage.answered()  # a refusal, which no retry fixes: but an answer
                raise Refused(status, msg, data, url=self.url, user=self._user)
            retry_after = response.getheader('Retry-After') or '0'
            delay_s = float(retry_after) if retry_after.isdigit() else 0.0
            self._wait(f'HTTP {status}: {msg}', delay_s, started, give_up_s, answered=True)

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

    def _send(self, method: str, target: str,
              payload: str | None) -> tuple[int, bytes, http.client.HTTPResponse]:
        left = None if self._time_left is None else self._time_left()
        timeout_s = self._timeout_s if left is None else min(self._timeout_s, max(left, MIN_TRY_S))
        conn = getattr(self._local, 'conn', None)
        reused = conn is not None
        if conn is None:
            conn = self._local.conn = self._connect(timeout_s)
        elif conn.timeout != timeout_s:  # a kept-alive connection, under a new bound
            conn.timeout = timeout_s
            if conn.sock is not None:
                conn.sock.settimeout(timeout_s)
        try:
            conn.request(method, target, body=payload, headers=self._headers)
            response = conn.getresponse()
            raw = response.read()
        except BaseException as exc:
            conn.close()  # a half-used connection cannot be reused
            self._local.conn = None
            # a keep-alive connection the server closed while idle fails on first use: a
            # read is safe to send again at once on a fresh one (an action is not)
            if reused and method == 'GET' and isinstance(exc, (OSError, http.client.HTTPException)):
                return self._send(method, target, payload)
            raise
        return response.status, raw, response

    def _wait(self, problem: str, retry_after: float, started: float, give_up_s: float | None,
              *, answered: bool = False) -> None:
        """Sleep before the next try, or raise Unreachable when the caller cannot wait that long."""
        if give_up_s == 0:
            raise Unreachable(f'cannot reach the coordinator at {self.url}: {problem}', self.url,
                              problem, answered=answered)
        self.retried = True
        delay = self._backoff.next_delay(at_least=retry_after)
        waited_s = self._clock() - started
        if give_up_s is not None and waited_s + delay > give_up_s:
            raise Unreachable(f'coordinator not reachable for {give_up_s:g} s: {problem}',
                              self.url, problem, answered=answered, waited_s=waited_s)
        self._outage.retrying(problem, self._backoff.cap_s)
        self._pause(delay, problem, answered)

    def _pause(self, delay: float, problem: str, answered: bool) -> None:
        """Sleep `delay`, unless the caller's time runs out first: then raise Unreachable."""
        if self._time_left is None:
            return self._sleep(delay)
        wake_at = self._clock() + delay
        while (nap_s := wake_at - self._clock()) > 0:
            left = self._time_left()
            if left is not None and left <= 0:
                raise Unreachable(f'coordinator not reachable in the time left: {problem}',
                                  self.url, problem, answered=answered)
            self._sleep(min(nap_s, NAP_S if left is None else left))
        return None

    def close(self) -> None:
        """Close this thread's connection."""
        conn = getattr(self._local, 'conn', None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def _json_object(raw: bytes) -> dict:
    """A reply body as a dict: an object as sent, anything else as its first words in `msg`."""
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return {'msg': raw[:200].decode(errors='replace').strip()}
    return data if isinstance(data, dict) else {'msg': f'unexpected reply: {raw[:80]!r}'}


def _instant(http_date: str) -> str | None:
    try:
        moment = parsedate_to_datetime(http_date)
    except (TypeError, ValueError):
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def _reason(exc: Exception) -> str:
    """What went wrong with a try, in a few words: `connection refused`, `timed out`, ..."""
    if isinstance(exc, ConnectionRefusedError):
        return 'connection refused'
    if isinstance(exc, TimeoutError):
        return 'timed out'
    text = str(exc) or type(exc).__name__
    return text.split('] ', 1)[-1]  # drop the "[Errno 111]" prefix
