"""Tokens (/farm/v1/tokens): a caller mints a lasting token, never with more power than its own."""

import falcon

from coordinator.api import bodies
from coordinator.store import users
from coordinator.store.access import Scope


class Tokens(bodies.BodyResource):
    """POST /farm/v1/tokens {scope, run}: a lasting token for the caller, shown once (201)."""

    def on_post(self, req, resp):
        body = self._read_body(req)
        bodies.only_keys(body, {'scope', 'run'})
        scope = bodies.choice(body.get('scope', 'user'), 'scope', Scope)
        run_uuid = bodies.optional(body, 'run', bodies.text, 32)
        token = users.create_own_token(req.context.principal, scope, run_uuid)
        resp.status = falcon.HTTP_201
        resp.media = {'token': token, 'scope': scope.value, 'run': run_uuid}
