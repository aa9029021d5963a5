"""Error responses: domain errors and Falcon's own become each family's JSON body, never a traceback."""

import logging

import falcon
import peewee

from coordinator import db
from coordinator.errors import FarmError, NotFound, Unauthorized, Unavailable
from coordinator.metrics import instruments
from coordinator.outage_notes import OutageNotes

log = logging.getLogger(__name__)

# the error body each API family's clients expect, by path prefix (longest first)
# (/login and /logout are ndscheduler's)
_BODY_KEYS = (('/api/v1/', 'error'), ('/login', 'error'), ('/logout', 'error'), ('/v6/', 'detail'),
              ('', 'msg'))
# ndscheduler answers an unknown id 400 {"error": "Job not found: ..."}, and its clients expect
# that; an unknown path is still 404
_NOT_FOUND_AS_BAD_REQUEST = '/api/v1/'


def error_body(path: str, msg: str) -> dict:
    key = next(key for prefix, key in _BODY_KEYS if path.startswith(prefix))
    return {key: msg}


def _routing_message(req, ex: falcon.HTTPError) -> str:
    if isinstance(ex, falcon.HTTPRouteNotFound):
        return f'no such path: {req.path}'
    if isinstance(ex, falcon.HTTPMethodNotAllowed):
        return f'{req.method} is not allowed on {req.path}'
    return ex.title


def install(app: falcon.App, database, outage_notes: OutageNotes | None = None) -> None:
    """Register the error handlers and serializer on `app`; database failures are told to
    `outage_notes` (shared with the process's background duties, which see it end)."""
    notes = outage_notes or OutageNotes()

    def farm_error(req, resp, ex, params):
        resp.status = ex.status
        if isinstance(ex, NotFound) and req.path.startswith(_NOT_FOUND_AS_BAD_REQUEST):
            resp.status = 400
        resp.media = error_body(req.path, ex.msg)
        if ex.retry_after_s is not None:
            resp.set_header('Retry-After', str(ex.retry_after_s))
        if isinstance(ex, Unauthorized):
            resp.set_header('WWW-Authenticate', 'Basic realm="taskfarm"')

    def database_error(req, resp, ex, params):
        notes.failed(f'{req.method} {req.path}', db.explain(ex))
        db.forget_connection(database)  # the next request reconnects
        instruments.database_error()
        farm_error(req, resp, Unavailable('database unavailable, retry shortly', retry_after_s=1),
                   params)

    def unexpected(req, resp, ex, params):
        # Falcon picks the most specific handler: its own HTTPError handler comes first
        log.exception('unhandled error on %s %s', req.method, req.path)
        resp.status = 500
        resp.media = error_body(req.path, 'internal error; the coordinator log has details')

    def serialize(req, resp, ex):
        resp.content_type = falcon.MEDIA_JSON
        resp.media = error_body(req.path, ex.description or _routing_message(req, ex))

    app.add_error_handler(Exception, unexpected)
    app.add_error_handler(FarmError, farm_error)
    app.add_error_handler((peewee.OperationalError, peewee.InterfaceError), database_error)
    app.set_error_serializer(serialize)
