"""OpenAPI paths of /login (a session cookie for a user name and password) and /logout."""

from coordinator.openapi.helpers import (INSTANT, STR, TOO_MANY_GUESSES, UNAVAILABLE,
                                         closed, header, operation, record, ref, response, text,
                                         with_error_body)

_CREDENTIALS = closed({'username': text(1024), 'password': text(1024)}, ('username', 'password'))
_COOKIE = {'Set-Cookie': header('farm_session=<signed value>; HttpOnly; SameSite=Strict; Path=/; '
                                'Max-Age=FARM_LOGIN_COOKIE_TTL_S (and Secure over TLS)', STR)}
_CLEARED = {'Set-Cookie': header('farm_session=""; expired', STR)}
_LOGGED_OUT = response('the cookie is cleared', record({'logged_out': {'type': 'boolean'}}),
                       _CLEARED)


def _logout(summary: str) -> dict:
    return operation(summary, {200: _LOGGED_OUT}, public=True, database=False)


_LOGIN = operation(
    'Log in: a session cookie that stands for your credential (as your token would) on every '
    'route; send it back with each request. A POST with it needs a Content-Type such as '
    'application/json (a form is refused 403: another site could send it)',
    {200: response('logged in', record({'user': STR, 'expires_at': INSTANT}), _COOKIE),
     400: response('username or password is missing, empty or not text; the form is malformed',
                   ref('NdschedulerError')),
     401: response('wrong user name or password', ref('NdschedulerError'),
                   {'WWW-Authenticate': header('the Basic challenge', STR)}),
     429: TOO_MANY_GUESSES, 503: UNAVAILABLE},
    body=_CREDENTIALS, public=True)
_LOGIN['requestBody']['content'] = {
    'application/x-www-form-urlencoded': {'schema': _CREDENTIALS},
    'application/json': {'schema': _CREDENTIALS}}

PATHS = with_error_body({
    '/login': {'post': _LOGIN},
    '/logout': {'get': _logout('Log out: the browser forgets the session cookie'),
                'post': _logout('Log out (as GET)')},
}, ref('NdschedulerError'))
