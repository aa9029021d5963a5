"""Authentication middleware: HTTP Basic (user:password, or a token as the user name), Bearer
and OAuth tokens, under /2/ (IronWorker) a token as ?oauth=, and, when a request carries
none of these, the login session cookie (coordinator.api.session_cookies).

Token checks are one indexed read, remembered for `cache_s` seconds in each
process, so a busy worker costs microseconds per request. The slow password KDF
runs only when a password is presented, limited as `PasswordChecks` says.

A `worker` token reaches only what agents (farmworker, and the stock taskfarm-worker)
call: each such resource names those methods in its `worker_methods`. Refusing the
rest here, not in each responder, makes a new route closed to worker tokens unless
it says otherwise.
"""

import base64
import binascii
import contextlib
import threading
import time

from coordinator.api.session_cookies import SessionCookies
from coordinator.errors import Forbidden, Unauthorized, Unavailable
from coordinator.store import guesses, users
from coordinator.store.access import Scope

_MAX_CACHED = 10_000


class TokenCache:
    """Principals of recently seen tokens, for a few seconds.

    Keyed by the secret itself: it is in this process's memory for the request
    anyway, and hashing it on every hit would cost more than the lookup. Minting
    a token never trusts it: the store reads the parent token again.
    """

    def __init__(self, ttl_s: float, clock=time.monotonic):
        self._ttl_s = ttl_s
        self._clock = clock
        self._entries = {}

    def principal(self, secret: str):
        hit = self._entries.get(secret)
        now = self._clock()
        if hit is not None and hit[1] > now:
            return hit[0]
        principal = users.principal_for_token(secret)
        if principal is not None and self._ttl_s > 0:
            if len(self._entries) >= _MAX_CACHED:
                self._entries.clear()
            self._entries[secret] = (principal, now + self._ttl_s)
        return principal


class PasswordChecks:
    """Password checks, refused while the name or address has failed too often, `slots` at once.

    The failures are counted in the store, so every process sees them (Config has
    the defaults and why). The slots bound this process's threads busy with the
    KDF: a check that finds none free is answered 503 at once rather than queued,
    so token requests always find a thread.
    """

    def __init__(self, limits: guesses.Limits, slots: int):
        self._limits = limits
        self._slots = threading.BoundedSemaphore(slots)

    def principal(self, name: str, password: str, address: str):
        if not users.is_user_name(name):  # no user has it: nothing to check, nothing to count
            raise Unauthorized(_WRONG_PASSWORD)
        guesses.refuse_if_limited(self._limits, name, address)
        with self.slot():
            principal = users.principal_for_password(name, password)
        if principal is None:
            guesses.record_failure(self._limits, name, address)
            raise Unauthorized(_WRONG_PASSWORD)
        return principal

    @contextlib.contextmanager
    def slot(self):
        """Hold one of this process's slots for a password check; Unavailable when none is free."""
        if not self._slots.acquire(blocking=False):
            raise Unavailable('too many password checks at once; retry shortly, or use a token',
                              retry_after_s=1)
        try:
            yield
        finally:
            self._slots.release()


_WRONG_PASSWORD = 'wrong user name or password'
# IronWorker's clients (ironcli before every command) may send the token as ?oauth=; other
# families take it only in a header, where servers and proxies do not log it
QUERY_TOKEN_PREFIX = '/2/'


class AuthMiddleware:
    """Sets `req.context.principal` for every routed request to a resource that is not `public`."""

    def __init__(self, tokens: TokenCache, passwords: PasswordChecks,
                 sessions: SessionCookies):
        self._tokens = tokens
        self._passwords = passwords
        self._sessions = sessions

    def process_resource(self, req, resp, resource, params):
        if resource is None or getattr(resource, 'public', False):
            return  # unknown paths get their 404 without credentials, as on the peer
        if not hasattr(resource, 'on_' + req.method.lower()):
            return  # a wrong method gets its 405 likewise
        header = req.get_header('Authorization')
        if header is None and req.path.startswith(QUERY_TOKEN_PREFIX):
            query_token = req.get_param('oauth')
            if query_token:
                header = f'OAuth {query_token}'
        cookie = self._sessions.sent(req) if header is None else None
        if cookie is not None:
            principal = self._sessions.principal(req, cookie)
        else:
            principal = self._authenticate(header or '', req.remote_addr)
        if principal.scope is Scope.WORKER and req.method not in getattr(
                resource, 'worker_methods', ()):
            raise Forbidden('a worker token may only register agents, claim and report tasks, '
                            'and read what that needs')
        req.context.principal = principal

    def _authenticate(self, header: str, address: str):
        scheme, _, credentials = header.partition(' ')
        scheme = scheme.lower()
        if scheme in ('bearer', 'oauth') and credentials.strip():
            return self._token(credentials.strip())
        if scheme == 'basic':
            name, password = _basic(credentials)
            if not password or name.startswith(users.TOKEN_PREFIX):
                return self._token(name)
            return self._passwords.principal(name, password, address)
        raise Unauthorized('credentials required: HTTP Basic (user:password or token:), or a '
                           'Bearer or OAuth token')

    def _token(self, secret: str):
        principal = self._tokens.principal(secret) if secret else None
        if principal is None:
            raise Unauthorized('unknown or expired token')
        return principal


def _basic(credentials: str) -> tuple[str, str]:
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthorized('malformed Basic credentials') from None
    if '\x00' in decoded:
        raise Unauthorized('malformed Basic credentials')
    name, _, password = decoded.partition(':')
    return name, password
