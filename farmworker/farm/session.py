"""The coordinator as `farm` reaches it: the configured FarmApi, run ids resolved, failures in one line."""

import dataclasses
import os

from farmworker.client import PERSON, CoordinatorError, Refused, Unreachable, Untrusted
from farmworker.farm import config
from farmworker.farm_api import FarmApi

# A person is waiting at the prompt: after this long without an answer, say so and stop,
# rather than backing off for ever as an agent does.
GIVE_UP_S = 15.0
RUN_HELP = 'the run: its uuid, the first characters of it, or last (the newest run)'


class FarmError(Exception):
    """Something the user must know about, told in one line; `farm` exits non-zero."""


def connect(give_up_s: float = GIVE_UP_S) -> FarmApi:
    """A FarmApi for the configured coordinator and token (see farm.config).

    FARM_GIVE_UP_S, if set, replaces `give_up_s`: scripts and tests that would rather fail fast.
    """
    try:
        settings = config.load()
        give_up_s = float(os.environ.get('FARM_GIVE_UP_S') or give_up_s)
    except config.ConfigError as exc:
        raise FarmError(str(exc)) from None
    except ValueError:
        raise FarmError('FARM_GIVE_UP_S must be a number of seconds') from None
    return open_api(settings.url, settings.token, give_up_s=give_up_s)


def open_api(url: str, token: str | None = None, *, basic: tuple[str, str] | None = None,
             give_up_s: float = GIVE_UP_S) -> FarmApi:
    """A FarmApi that waits at most `give_up_s` for an answer; FarmError for a bad URL."""
    try:
        return FarmApi(url, token, basic=basic,
                       retry=dataclasses.replace(PERSON, give_up_s=give_up_s))
    except ValueError as exc:
        raise FarmError(str(exc)) from None


def resolve(api: FarmApi, run_id: str) -> str:
    """The uuid of the run `run_id` names: a whole uuid, the start of one (as listed), or
    'last', the newest run."""
    candidate = run_id.strip().lower().replace('-', '')
    if candidate == 'last':
        newest = api.runs(state='all', limit=1)['runs']
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
        page = api.runs(state='all', limit=100, offset=offset)
        matches += [run['uuid'] for run in page['runs'] if run['uuid'].startswith(candidate)]
        offset += len(page['runs'])
        if not page['runs'] or offset >= page.get('total', 0):
            break
    if not matches:
        raise FarmError(f'no run {run_id} (farm runs --state all lists them)')
    if len(matches) > 1:
        raise FarmError(f'{run_id} is the start of {len(matches)} runs: give more of it')
    return matches[0]


def explain(error: CoordinatorError) -> str:
    """A failed call told to a person: the coordinator's words and what to do about them."""
    url = error.url
    if isinstance(error, Untrusted):
        return str(error)
    if isinstance(error, Unreachable):
        if error.nothing_listens:
            return (f'{error}: is the coordinator running there, and is the URL right '
                    '(FARM_URL, farm login)?')
        if error.answered:
            return (f'coordinator {url} is unavailable ({error.problem}) after '
                    f'{error.waited_s:.1f} s of retries: try again later')
        return (f'coordinator {url} is not answering ({error.problem}) after '
                f'{error.waited_s:.1f} s: is it overloaded or stuck? (FARM_GIVE_UP_S=SECONDS '
                'waits longer)')
    assert isinstance(error, Refused)
    msg = error.msg.rstrip('.')
    if error.status == 401 and error.user is not None:
        return f'{url} refused user {error.user}: wrong user name or password'
    if error.status == 401:
        return f'{url} refused the token ({msg}): run `farm login {url}` for a new one'
    if error.status == 403:
        return f'not allowed: {msg}'
    if error.status >= 500:
        return f'{url} failed: {msg} (HTTP {error.status}); its log says more'
    return msg
