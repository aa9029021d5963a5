"""`create_app(config)`: the Falcon WSGI application, wired in one place."""

import falcon

from coordinator import __version__, db
from coordinator import sessions
from coordinator.api import (auth, errors, farm, ironworker, login, ndscheduler, ops, scale,
                             session_cookies, taskfarm)
from coordinator.config import Config
from coordinator.metrics.middleware import RequestMetrics
from coordinator.outage_notes import OutageNotes
from coordinator.store import guesses


def create_app(config: Config | None = None, database=None,
               outage_notes: OutageNotes | None = None) -> falcon.App:
    """The coordinator app over `database` (default: opened from `config.database_url`);
    database outages are logged through `outage_notes` (see coordinator.outage_notes)."""
    config = config or Config.from_env()
    db.bind(database or db.open_database(config.database_url))
    passwords = auth.PasswordChecks(guesses.Limits.from_config(config), config.password_check_slots)
    signer = sessions.SessionSigner(sessions.load_key(config.data_dir))
    # metrics first: its time covers authentication too, and it sees every answer
    app = falcon.App(middleware=[RequestMetrics(),
                                 auth.AuthMiddleware(auth.TokenCache(config.token_cache_s),
                                                     passwords,
                                                     session_cookies.SessionCookies(signer))])
    errors.install(app, db.database, outage_notes)
    ops.add_routes(app, __version__)
    login.add_routes(app, passwords, signer, config)
    taskfarm.add_routes(app, config)
    farm.add_routes(app, config)
    scale.add_routes(app, config)
    ironworker.add_routes(app, config)
    ndscheduler.add_routes(app, config)
    return app
