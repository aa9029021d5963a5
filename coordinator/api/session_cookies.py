"""The login session cookie as a credential: who it names, and the rule that keeps it unforgeable.

A browser sends the cookie with any request to this host, even one a page of another site
makes, so a cookie alone must not be enough to change anything from such a page. The
cookie is SameSite=Strict (browsers do not send it from other sites at all), and, as a
second wall for older browsers, a POST authenticated by the cookie must carry a
Content-Type other than the three a cross-site form or no-CORS fetch can send (form,
multipart, text/plain), or none: such a request needs a CORS preflight, which this
coordinator never grants. PUT, PATCH, DELETE and OPTIONS need one whatever they carry;
GET and HEAD change nothing.
"""

import time

from coordinator.errors import Forbidden, Unauthorized
from coordinator.sessions import COOKIE_NAME, SessionSigner
from coordinator.store import session_users

# what a page of another site can send without a CORS preflight
FORGEABLE_TYPES = frozenset({'application/x-www-form-urlencoded', 'multipart/form-data',
                             'text/plain', ''})


class SessionCookies:
    """Reads the session cookie of a request as the user's credential."""

    def __init__(self, signer: SessionSigner, clock=time.time):
        self._signer = signer
        self._clock = clock

    @staticmethod
    def sent(req) -> str | None:
        """The session cookie's value, when the request carries one."""
        values = req.get_cookie_values(COOKIE_NAME)
        return values[0] if values else None

    def principal(self, req, value: str):
        """The user `value` names (their user scope, or admin's), checked; Unauthorized if it
        is tampered with, expired, or made before a password change; Forbidden when the
        request could have been forged by another site."""
        claimed = self._signer.parse(value)
        found = session_users.session_user(claimed[0]) if claimed else None
        if found is None or not self._signer.is_valid(value, found.password_hash, self._clock()):
            raise Unauthorized('the session cookie is invalid or has expired: log in again '
                               '(POST /login) or use a token')
        if req.method == 'POST' and _media_type(req) in FORGEABLE_TYPES:
            raise Forbidden('POST with the session cookie needs a Content-Type such as '
                            'application/json (forms are refused: another site can send them); '
                            'or use a token')
        return found.principal


def _media_type(req) -> str:
    return (req.content_type or '').partition(';')[0].strip().lower()
