"""`farm-coordinator backup` and `restore`: copy the SQLite database while it serves, and back."""

from coordinator import backup, db, schema
from coordinator.cli.terminal import confirm, count


def add_parsers(commands) -> None:
    save = commands.add_parser(
        'backup', help='copy the SQLite database to a new file while the coordinator runs',
        description='Copy the SQLite database, consistent at one moment, to PATH (a new file, '
                    'made readable by you only), while coordinators keep serving; then check '
                    'the copy. PostgreSQL: use pg_dump (see the README).')
    save.add_argument('path', metavar='PATH', help='the new file')
    load = commands.add_parser(
        'restore', help="replace the SQLite database's content with a backup",
        description="Check the backup at PATH and copy it over the database, then upgrade its "
                    'schema if it is older. Stop the coordinator first: agents and tokens it '
                    'knows of may not exist in the backup. Asks first.')
    load.add_argument('path', metavar='PATH', help='a file written by `backup`')
    load.add_argument('--yes', action='store_true', help='do not ask (where there is no terminal)')


def run_backup(args, config) -> int:
    facts = backup.backup(db.database.obj, args.path)
    print(f'backed up to {facts.path}: {_facts(facts)}')
    return 0


def run_restore(args, config) -> int:
    confirm(f'replace everything in {db.describe(config.database_url)} with {args.path}?',
            args.yes)
    facts = backup.restore(db.database.obj, args.path)
    found, now = schema.upgrade()
    print(f'restored {facts.path}: {_facts(facts)}'
          + (f'; schema upgraded to {now}' if found != now else ''))
    return 0


def _facts(facts: backup.Facts) -> str:
    return (f'schema version {facts.schema_version}, {count(facts.runs, "run")}, '
            f'{count(facts.tasks, "task row")}, {facts.size_bytes / 2**20:.1f} MiB')
