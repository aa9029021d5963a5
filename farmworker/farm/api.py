"""The coordinator's read and manage endpoints as `farm` uses them, with refusals told in one line."""

import http.client
import os
import time
import urllib.parse
from collections.abc import Iterator

from farmworker.client import Client, Refused, Unreachable
from farmworker.farm import config

# A person is waiting at the prompt: after this long without an answer, say so and stop,
# rather than backing off for ever as an agent does.
GIVE_UP_S = 15.0
# what a coordinator, or a proxy in front of it, answers while it is busy, restarting or away
_RETRIED_STATUSES = (408, 502, 503, 504)
_PAGE = 100
RUN_HELP = 'the run: its uuid, the first characters of it, or last (the newest run)'


class FarmError(Exception):
    """Something the user must know about, told in one line; `farm` exits non-zero."""

    def __init__(self, msg: str, status: int | None = None):
        super().__init__(msg)
        self.status = status  # the coordinator's HTTP status, when it refused


class _NothingListens(Exception):
    """The coordinator's address refused the first connection: nothing listens there."""


class _AttendedClient(Client):
    """The protocol client for a person at a prompt, who should not wait for what cannot change.

    A connection refused before the coordinator ever answered means that nothing listens
    at its address (it is stopped, or the URL is wrong), and a 500 is a fault of the
    coordinator: both are told at once. Timeouts, the statuses of a busy or restarting
    coordinator, and refusals once it has answered (a restart) are retried until the
    give-up time. `problem` says what went wrong last.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.answered, self.problem = False, ''

    def _send(self, method: str, path: str, payload: str | None) -> tuple[int, dict, float]:
        try:
            status, data, retry_after = super()._send(method, path, payload)
        except ConnectionRefusedError:
            if not self.answered:
                raise _NothingListens() from None
            self.problem = 'connection refused'
            raise
        except TimeoutError:
            self.problem = 'no reply'
            raise
        except (OSError, http.client.HTTPException) as exc:
            self.problem = f'{type(exc).__name__}: {exc}'
            raise
        self.answered = True
        if status in _RETRIED_STATUSES:
            self.problem = f'HTTP {status}: {data.get("msg", "")}'
        elif status >= 500:
            raise Refused(status, data.get('msg') or http.client.responses.get(status, ''), data)
        return status, data, retry_after


class Api:
    def __init__(self, url: str, token: str | None = None, *,
                 basic: tuple[str, str] | None = None, give_up_s: float = GIVE_UP_S):
        try:
            self._client = _AttendedClient(url, token, basic=basic, timeout_s=give_up_s)
        except ValueError as exc:
            raise FarmError(str(exc)) from None
        self.url, self.token, self._give_up_s = url, token, give_up_s
        self._user = basic[0] if basic else None  # logging in with a password, not a token

    def call(self, method: str, path: str, body: dict | None = None, **query) -> dict:
        query = {key: value for key, value in query.items() if value is not None}
        if query:
            path += '?' + urllib.parse.urlencode(query)
        started = time.monotonic()
        try:
            return self._client.call(method, path, body, give_up_s=self._give_up_s)
        except _NothingListens:
            raise FarmError(f'nothing listens at {self.url} (connection refused): is the '
                            'coordinator running there, and is the URL right (FARM_URL, farm '
                            'login)?') from None
        except Unreachable:
            raise FarmError(self._gave_up(time.monotonic() - started)) from None
        except Refused as refused:
            raise FarmError(_explain(refused, self.url, self._user), refused.status) from None

    def _gave_up(self, waited_s: float) -> str:
        problem = self._client.problem
        if problem.startswith('HTTP '):
            return (f'coordinator {self.url} is unavailable ({problem}) after {waited_s:.1f} s '
                    'of retries: try again later')
        return (f'coordinator {self.url} is not answering ({problem}) after {waited_s:.1f} s: '
                'is it overloaded or stuck? (FARM_GIVE_UP_S=SECONDS waits longer)')

    # -- runs

    def create_run(self, body: dict) -> dict:
        return self.call('POST', '/runs', body)

    def runs(self, state: str = 'active', limit: int = 100, offset: int = 0) -> dict:
        return self.call('GET', '/runs', state=state, limit=limit, offset=offset)

    def run(self, run_uuid: str) -> dict:
        return self.call('GET', f'/runs/{run_uuid}')

    def cancel(self, run_uuid: str) -> dict:
        return self.call('POST', f'/runs/{run_uuid}/cancel', {})

    def restart(self, run_uuid: str, everything: bool) -> dict:
        return self.call('POST', f'/runs/{run_uuid}/restart', {'all': everything})

    def delete(self, run_uuid: str) -> None:
        self.call('DELETE', f'/runs/{run_uuid}')

    def tasks(self, run_uuid: str, status: str | None = None,
              limit: int | None = None) -> Iterator[dict]:
        """The run's tasks (of one status) by number, page after page, at most `limit`."""
        after, given = -1, 0
        while limit is None or given < limit:
            page = self.call('GET', f'/runs/{run_uuid}/tasks', status=status, after=after,
                             limit=_PAGE if limit is None else min(_PAGE, limit - given))
            for task in page['tasks']:
                given += 1
                yield task
            after = page.get('next_after')
            if after is None or not page['tasks']:
                return

    def task(self, run_uuid: str, number: int) -> dict:
        return self.call('GET', f'/runs/{run_uuid}/tasks/{number}')

    def resolve(self, run_id: str) -> str:
        """The uuid of the run `run_id` names: a whole uuid, the start of one (as listed), or
        'last', the newest run."""
        candidate = run_id.strip().lower().replace('-', '')
        if candidate == 'last':
            newest = self.runs(state='all', limit=1)['runs']
            if not newest:
                raise FarmError('no runs yet')
            return newest[0]['uuid']
        if len(candidate) == 32:
            return candidate
        if len(candidate) < 4 or any(c not in '0123456789abcdef' for c in candidate):
            raise FarmError(f'not a run id: {run_id!r} (give the uuid, or at least 4 of its '
                            'first characters)')
        matches, offset = [], 0
        while True:
            page = self.runs(state='all', limit=_PAGE, offset=offset)
            matches += [run['uuid'] for run in page['runs'] if run['uuid'].startswith(candidate)]
            offset += len(page['runs'])
            if not page['runs'] or offset >= page.get('total', 0):
                break
        if not matches:
            raise FarmError(f'no run {run_id} (farm runs --state all lists them)')
        if len(matches) > 1:
            raise FarmError(f'{run_id} is the start of {len(matches)} runs: give more of it')
        return matches[0]

    # -- workers and tokens

    def workers(self, state: str = 'alive', limit: int = 100, offset: int = 0) -> dict:
        return self.call('GET', '/workers', state=state, limit=limit, offset=offset)

    def mint_token(self, scope: str, run_uuid: str | None = None) -> dict:
        body = {'scope': scope} if run_uuid is None else {'scope': scope, 'run': run_uuid}
        return self.call('POST', '/tokens', body)


def _explain(refused: Refused, url: str, user: str | None) -> str:
    """The coordinator's own words, plus what to do for the refusals people meet most.

    `user` names the user whose password was sent (`farm login`); else a token was.
    """
    msg = str(refused.body.get('msg') or refused).rstrip('.')
    if refused.status == 401 and user is not None:
        return f'{url} refused user {user}: wrong user name or password'
    if refused.status == 401:
        return f'{url} refused the token ({msg}): run `farm login {url}` for a new one'
    if refused.status == 403:
        return f'not allowed: {msg}'
    if refused.status >= 500:
        return f'{url} failed: {msg} (HTTP {refused.status}); its log says more'
    return msg


def connect(give_up_s: float = GIVE_UP_S) -> Api:
    """An Api for the configured coordinator and token (see farm.config).

    FARM_GIVE_UP_S, if set, replaces `give_up_s`: scripts and tests that would rather fail fast.
    """
    try:
        settings = config.load()
        give_up_s = float(os.environ.get('FARM_GIVE_UP_S') or give_up_s)
    except config.ConfigError as exc:
        raise FarmError(str(exc)) from None
    except ValueError:
        raise FarmError('FARM_GIVE_UP_S must be a number of seconds') from None
    return Api(settings.url, settings.token, give_up_s=give_up_s)
