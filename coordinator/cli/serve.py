"""`farm-coordinator init` and `serve`: create or upgrade the database, and serve the APIs."""

import sys

from coordinator import __version__, db, schema, startup
from coordinator.cli.terminal import say
from coordinator.store import runs


def add_init_parser(commands) -> None:
    commands.add_parser('init', help='create or upgrade the database schema')


def add_serve_parser(commands) -> None:
    serve = commands.add_parser('serve', help='serve the APIs with gunicorn')
    serve.add_argument('--bind',
                       help='HOST:PORT to listen on (default 127.0.0.1:8080; env FARM_BIND)')
    serve.add_argument('--workers', type=int, help='gunicorn worker processes (default: CPUs)')
    serve.add_argument('--threads', type=int,
                       help='threads per worker (default 4; 1 = sync workers)')
    serve.add_argument('--certfile', metavar='PEM',
                       help='serve HTTPS with this certificate (chain) file; needs --keyfile '
                            '(env FARM_CERTFILE)')
    serve.add_argument('--keyfile', metavar='PEM',
                       help="the certificate's private key, readable by you only "
                            '(env FARM_KEYFILE)')


def run_init(args, config) -> int:
    found, now = schema.upgrade()
    state = ('created' if found is None else f'upgraded from {found}' if found != now
             else 'up to date')
    print(f'database {db.describe(config.database_url)}: schema version {now} ({state})')
    return 0


def run_serve(args, config) -> int:
    from coordinator.server import (  # gunicorn only where needed
        CoordinatorServer, check_bind, check_tls)

    check_bind(config.bind)
    check_tls(config)
    startup.wait_for_database(lambda: (schema.upgrade(), runs.purge_deleted_runs()),
                              config.database_url, config.database_wait_s, say)
    db.database.close()  # the workers open their own connections after the fork
    scheme = 'https' if config.certfile else 'http'
    print(f'farm-coordinator {__version__} on {scheme}://{config.bind} '
          f'({config.workers} workers x {config.threads} threads, '
          f'database {db.describe(config.database_url)})', file=sys.stderr)
    CoordinatorServer(config).run()
    return 0
