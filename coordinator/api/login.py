"""POST /login (a session cookie for a user name and password) and /logout (clears it).

ndscheduler's clients log in with form fields `username` and `password` (curl
--data-urlencode) and keep the cookie (curl --cookie-jar), then send it (curl --cookie).
The cookie is signed (coordinator.sessions), HttpOnly, SameSite=Strict, Secure when the
request came over TLS, and lasts `login_cookie_ttl_s`. The password check is the one
HTTP Basic gets, with its limits: a wrong password is 401, too many failures 429 with
Retry-After. Unlike ndscheduler's login form (which redirects to / whatever happened),
the answer says how it went: 200 {"user", "expires_at"}, or the error as {"error"}, so
a script sees a typo at once; curl's example works either way.
"""

import datetime
import time
from urllib.parse import parse_qs

from coordinator.api import bodies
from coordinator.api.farm.views import instant
from coordinator.errors import InvalidInput, Unauthorized
from coordinator.sessions import COOKIE_NAME, SessionSigner
from coordinator.store import session_users

_FIELDS = ('username', 'password')


class Login:
    """POST /login with username and password (a form, or a JSON object): sets the cookie."""

    public = True  # it is how a credential is obtained

    def __init__(self, passwords, signer: SessionSigner, ttl_s: int, max_body_bytes: int):
        self._passwords = passwords
        self._signer = signer
        self._ttl_s = ttl_s
        self._max_body_bytes = max_body_bytes

    def on_post(self, req, resp):
        name, password = _credentials(req, self._max_body_bytes)
        principal = self._passwords.principal(name, password, req.remote_addr)
        found = session_users.session_user(principal.user_id)
        if found is None or found.password_hash is None:  # deleted or cleared since the check
            raise Unauthorized('wrong user name or password')
        expires_at = int(time.time()) + self._ttl_s
        resp.set_cookie(COOKIE_NAME, self._signer.make(principal.user_id, found.password_hash,
                                                       expires_at),
                        expires=datetime.datetime.fromtimestamp(expires_at, datetime.UTC),
                        max_age=self._ttl_s, path='/', secure=req.scheme == 'https',
                        http_only=True, same_site='Strict')
        resp.media = {'user': principal.user_name, 'expires_at': instant(expires_at)}


class Logout:
    """GET or POST /logout: the browser forgets the cookie (a copy kept elsewhere still works
    until it expires or the password changes)."""

    public = True  # clearing a cookie needs no credential

    def on_get(self, req, resp):
        resp.unset_cookie(COOKIE_NAME, path='/', same_site='Strict')
        resp.media = {'logged_out': True}

    on_post = on_get


def _credentials(req, max_bytes: int) -> tuple[str, str]:
    """The user name and password of a login body; InvalidInput naming what is missing."""
    text = bodies.body_text(req, max_bytes)
    if (req.content_type or '').partition(';')[0].strip().lower() == 'application/json':
        body = bodies.parse_object(text, 'request body')
    else:
        try:
            fields = parse_qs(text, keep_blank_values=True, strict_parsing=bool(text),
                              max_num_fields=20)
        except ValueError as exc:
            raise InvalidInput(f'the login form is malformed: {exc}') from None
        body = {key: values[-1] for key, values in fields.items()}
    for field in _FIELDS:
        bodies.text(bodies.required(body, field), field, 1024)
    return body['username'], body['password']


def add_routes(app, passwords, signer: SessionSigner, config) -> None:
    """Mount /login and /logout."""
    app.add_route('/login', Login(passwords, signer, config.login_cookie_ttl_s,
                                  config.max_body_bytes))
    app.add_route('/logout', Logout())
