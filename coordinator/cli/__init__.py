"""`farm-coordinator`: create the database, manage users and tokens, and serve the APIs.

This module builds the parser and dispatches; each command group lives in a module of its own.
"""

import argparse

import peewee

from coordinator import __version__, db
from coordinator.cli import backups, projects, prune, serve, tokens, users
from coordinator.cli.terminal import fail
from coordinator.config import Config
from coordinator.errors import FarmError

DESCRIPTION = """\
The HPC Taskfarm coordinator: one database of work served through the taskfarm
(/api/), Scale v6 (/v6/), IronWorker v2 (/2/) and ndscheduler (/api/v1/) REST APIs.
Configure with flags or FARM_* environment variables (FARM_DATABASE_URL,
FARM_DATA_DIR, FARM_BIND, FARM_WORKERS, FARM_THREADS, ...).
"""

EPILOG = """\
quick start:
  farm-coordinator init
  farm-coordinator user add alice --password-stdin <<< 's3cret'
  farm-coordinator project add physics
  farm-coordinator project list
  farm-coordinator token create alice --scope worker
  farm-coordinator token list --user alice
  farm-coordinator token revoke 3
  farm-coordinator prune --older-than 30d --archive old-work.jsonl.gz
  farm-coordinator serve --bind 0.0.0.0:8080
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog='farm-coordinator', description=DESCRIPTION,
                                     epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--version', action='version', version=f'%(prog)s {__version__}')
    parser.add_argument('--database-url', metavar='URL',
                        help='sqlite:///PATH or postgresql://USER:PW@HOST:PORT/DB '
                             '(default: sqlite in the data dir; env FARM_DATABASE_URL)')
    parser.add_argument('--data-dir', metavar='DIR',
                        help='where the default SQLite database lives; use a local disk, not NFS '
                             '(default: ~/.local/share/hpc-taskfarm; env FARM_DATA_DIR)')
    commands = parser.add_subparsers(dest='command', required=True, metavar='COMMAND')

    # in this order, the order --help lists them in
    serve.add_init_parser(commands)
    users.add_parser(commands)
    projects.add_parser(commands)
    tokens.add_parser(commands)
    backups.add_parsers(commands)
    prune.add_parser(commands)
    serve.add_serve_parser(commands)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    config = Config.from_env(database_url=args.database_url, data_dir=args.data_dir,
                             bind=getattr(args, 'bind', None),
                             workers=getattr(args, 'workers', None),
                             threads=getattr(args, 'threads', None),
                             certfile=getattr(args, 'certfile', None),
                             keyfile=getattr(args, 'keyfile', None))
    try:
        db.bind(db.open_database(config.database_url))
        return COMMANDS[args.command](args, config)
    except FarmError as exc:
        return fail(exc.msg)
    except peewee.OperationalError as exc:  # e.g. PostgreSQL down, a wrong password or host
        return fail(f'cannot use the database {db.describe(config.database_url)}: '
                    f'{db.explain(exc)} (check FARM_DATABASE_URL / --database-url)')


COMMANDS = {'init': serve.run_init, 'user': users.run, 'project': projects.run, 'token': tokens.run,
            'backup': backups.run_backup, 'restore': backups.run_restore, 'prune': prune.run,
            'serve': serve.run_serve}
