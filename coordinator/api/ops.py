"""Operational endpoints: the index page, health, metrics, and the OpenAPI document."""

import html
import time

import falcon
import peewee

from coordinator import db, openapi
from coordinator.metrics import exposition, instruments
from coordinator.store import pulse

_INDEX = """<!doctype html>
<html><head><title>HPC Taskfarm</title></head><body>
<h1>HPC Taskfarm coordinator</h1><p>version: {version}</p>
<p>APIs: taskfarm at <code>/api/</code>. Machine-readable description: <a href="/openapi.json">/openapi.json</a>
(needs a token). Health: <a href="/health">/health</a>.</p>
</body></html>
"""


class Index:
    public = True

    def __init__(self, version: str):
        self._page = _INDEX.format(version=html.escape(version))

    def on_get(self, req, resp):
        resp.content_type = falcon.MEDIA_HTML
        resp.text = self._page


class Health:
    """GET /health: 200 when the database takes a write, 503 saying why when it does not.

    A real write (one row of the pulse), not `SELECT 1`: a full or read-only disk
    still answers reads.
    """

    public = True

    def on_get(self, req, resp):
        try:
            pulse.probe_write(time.time())
        except peewee.PeeweeException as exc:
            db.forget_connection()
            instruments.database_error()
            resp.status = falcon.HTTP_503
            resp.set_header('Retry-After', '1')
            resp.media = {'status': 'unavailable', 'database': db.explain(exc)}
            return
        resp.media = {'status': 'ok', 'database': 'ok'}


class Metrics:
    """GET /metrics: Prometheus text; any user's token (a scraper's `bearer_token_file`)."""

    def on_get(self, req, resp):
        resp.content_type = exposition.CONTENT_TYPE
        resp.data = exposition.scrape(req.context.principal)


class OpenApi:
    def __init__(self, version: str):
        self._document = openapi.document(version)

    def on_get(self, req, resp):
        resp.media = self._document


def add_routes(app: falcon.App, version: str) -> None:
    app.add_route('/', Index(version))
    app.add_route('/health', Health())
    app.add_route('/metrics', Metrics())
    app.add_route('/openapi.json', OpenApi(version))
