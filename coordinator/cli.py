"""`farm-coordinator`: create the database, manage users and tokens, and serve the APIs."""

import argparse
import getpass
import re
import sys
import time

import peewee

from coordinator import __version__, archive, backup, code_zips, db, schema, startup
from coordinator.config import Config
from coordinator.errors import FarmError, InvalidInput
from coordinator.store import projects, retention, runs, users
from coordinator.store.access import Scope

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
    parser = argparse.ArgumentParser(prog='farm-coordinator', description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--version', action='version', version=f'%(prog)s {__version__}')
    parser.add_argument('--database-url', metavar='URL',
                        help='sqlite:///PATH or postgresql://USER:PW@HOST:PORT/DB '
                             '(default: sqlite in the data dir; env FARM_DATABASE_URL)')
    parser.add_argument('--data-dir', metavar='DIR',
                        help='where the default SQLite database lives; use a local disk, not NFS '
                             '(default: ~/.local/share/hpc-taskfarm; env FARM_DATA_DIR)')
    commands = parser.add_subparsers(dest='command', required=True, metavar='COMMAND')

    commands.add_parser('init', help='create or upgrade the database schema')

    user = commands.add_parser('user', help='add, list, change or delete users').add_subparsers(
        dest='user_command', required=True, metavar='ACTION')
    add = user.add_parser('add', help='add a user')
    add.add_argument('name')
    add.add_argument('--admin', action='store_true', help='may see and change every project')
    add.add_argument('--project', default=schema.DEFAULT_PROJECT,
                     help='the project the user works in (created if new; default: %(default)s)')
    add.add_argument('--password-stdin', action='store_true',
                     help='read the password from the first line of stdin (else prompt on a '
                          'terminal; with neither, the user can only use tokens)')
    user.add_parser('list', help='list users')
    passwd = user.add_parser(
        'passwd', help="set, reset or remove a user's password",
        description="Set a new password for a user: read from stdin with --password-stdin, "
                    "else asked twice on a terminal. --clear removes it: the user can then use "
                    "tokens only. The user's tokens keep working (agents run with them) unless "
                    "--revoke-tokens revokes them too, as after a leak; a running server may "
                    "accept a revoked token for FARM_TOKEN_CACHE_S more seconds. Failed password "
                    "checks of the user are forgotten, so a user locked out by them can log in "
                    "at once.")
    passwd.add_argument('name')
    how = passwd.add_mutually_exclusive_group()
    how.add_argument('--password-stdin', action='store_true',
                     help='read the new password from the first line of stdin')
    how.add_argument('--clear', action='store_true', help='remove the password (tokens only)')
    passwd.add_argument('--revoke-tokens', action='store_true',
                        help="revoke every token of the user, and those minted from them")
    delete = user.add_parser(
        'delete', help='delete a user and its tokens',
        description='Delete a user and revoke its tokens, and those minted from them: agents '
                    'using them are refused (after FARM_TOKEN_CACHE_S seconds at most). Its runs '
                    'and workers stay in its project, without an owner. Asks first.')
    delete.add_argument('name')
    delete.add_argument('--yes', '-y', action='store_true',
                        help='do not ask for confirmation (needed without a terminal)')

    project = commands.add_parser(
        'project', help='add and list projects').add_subparsers(
        dest='project_command', required=True, metavar='ACTION')
    add_project = project.add_parser(
        'add', help='add a project',
        description='Add a project with a fresh 24-hex id, the project_id IronWorker clients '
                    'name in iron.json. Users join it with `user add NAME --project PROJECT`.')
    add_project.add_argument('name')
    project.add_parser('list', help="list projects with their 24-hex ids and users")

    token = commands.add_parser('token', help='create, list and revoke API tokens').add_subparsers(
        dest='token_command', required=True, metavar='ACTION')
    create = token.add_parser('create', help='create a token for a user and print it once')
    create.add_argument('user')
    create.add_argument('--scope', choices=[s.value for s in Scope], default=Scope.USER.value,
                        help='worker: claim and report only; user: manage runs; admin: all '
                             'projects (default: %(default)s)')
    create.add_argument('--run', metavar='UUID', help='limit the token to one run')
    create.add_argument('--expires-in', type=int, metavar='SECONDS',
                        help='lifetime of the token (default: no expiry)')
    listing = token.add_parser('list', help='list tokens (never their secrets, which are not kept)')
    listing.add_argument('--user', metavar='NAME', help="only this user's tokens")
    listing.add_argument('--all', action='store_true', help='include expired tokens')
    revoke = token.add_parser(
        'revoke', help='delete tokens so they stop working',
        description='Delete tokens, chosen one way: by id (from `token list`), every token of a '
                    'user, the token whose secret is on stdin, or every expired token. The tokens '
                    'each one minted (its PARENT in `token list`) are revoked with it. A running '
                    'server may accept a revoked token for FARM_TOKEN_CACHE_S more seconds.')
    which = revoke.add_mutually_exclusive_group(required=True)
    which.add_argument('ids', nargs='*', type=int, default=[], metavar='ID', help='token ids')
    which.add_argument('--user', metavar='NAME', help="every token of this user")
    which.add_argument('--secret-stdin', action='store_true',
                       help='the token whose secret is the first line of stdin (a leaked token)')
    which.add_argument('--expired', action='store_true', help='every expired token')

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

    prune = commands.add_parser(
        'prune', help='delete finished work older than an age, optionally archiving it first',
        description='Delete finished runs (with their tasks), finished queued work (IronWorker '
                    'tasks, Scale jobs, ndscheduler executions) and workers that left, all older '
                    'than AGE, a thousand rows per transaction so that coordinators keep serving '
                    'meanwhile; then the code package zips no revision names any more. Audit '
                    'entries stay.')
    prune.add_argument('--older-than', required=True, type=_age, metavar='AGE',
                       help='how long ago it ended: a number with s, m, h, d or w (e.g. 30d)')
    prune.add_argument('--dry-run', action='store_true', help='count what would go; delete nothing')
    prune.add_argument('--archive', metavar='PATH',
                       help='first write every deleted row to PATH (a new file), as gzipped JSON '
                            'lines {"table": ..., "row": {...}}')

    serve = commands.add_parser('serve', help='serve the APIs with gunicorn')
    serve.add_argument('--bind', help='HOST:PORT to listen on (default 127.0.0.1:8080; env FARM_BIND)')
    serve.add_argument('--workers', type=int, help='gunicorn worker processes (default: CPUs)')
    serve.add_argument('--threads', type=int,
                       help='threads per worker (default 4; 1 = sync workers)')
    serve.add_argument('--certfile', metavar='PEM',
                       help='serve HTTPS with this certificate (chain) file; needs --keyfile '
                            '(env FARM_CERTFILE)')
    serve.add_argument('--keyfile', metavar='PEM',
                       help="the certificate's private key, readable by you only "
                            '(env FARM_KEYFILE)')
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    config = Config.from_env(database_url=args.database_url, data_dir=args.data_dir,
                             bind=getattr(args, 'bind', None), workers=getattr(args, 'workers', None),
                             threads=getattr(args, 'threads', None),
                             certfile=getattr(args, 'certfile', None),
                             keyfile=getattr(args, 'keyfile', None))
    try:
        db.bind(db.open_database(config.database_url))
        return COMMANDS[args.command](args, config)
    except FarmError as exc:
        return _fail(exc.msg)
    except peewee.OperationalError as exc:  # e.g. PostgreSQL down, a wrong password or host
        return _fail(f'cannot use the database {db.describe(config.database_url)}: '
                     f'{db.explain(exc)} (check FARM_DATABASE_URL / --database-url)')


def _fail(message: str) -> int:
    _say(message)
    return 1


def _say(message: str) -> None:
    print(f'farm-coordinator: {message}', file=sys.stderr, flush=True)


def _init(args, config) -> int:
    found, now = schema.upgrade()
    state = 'created' if found is None else f'upgraded from {found}' if found != now else 'up to date'
    print(f'database {db.describe(config.database_url)}: schema version {now} ({state})')
    return 0


def _backup(args, config) -> int:
    facts = backup.backup(db.database.obj, args.path)
    print(f'backed up to {facts.path}: {_facts(facts)}')
    return 0


def _restore(args, config) -> int:
    _confirm(f'replace everything in {db.describe(config.database_url)} with {args.path}?',
             args.yes)
    facts = backup.restore(db.database.obj, args.path)
    found, now = schema.upgrade()
    print(f'restored {facts.path}: {_facts(facts)}'
          + (f'; schema upgraded to {now}' if found != now else ''))
    return 0


def _facts(facts: backup.Facts) -> str:
    return (f'schema version {facts.schema_version}, {_count(facts.runs, "run")}, '
            f'{_count(facts.tasks, "task row")}, {facts.size_bytes / 2**20:.1f} MiB')


_AGE_UNITS_S = {'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 7 * 86400}


def _age(text: str) -> float:
    """`30d` and the like, in seconds (an argparse type: its errors read as usage errors)."""
    found = re.fullmatch(r'(\d+(?:\.\d+)?)([smhdw])', text.strip())
    if not found:
        raise argparse.ArgumentTypeError(f'{text!r} is not an age such as 90m, 12h, 30d or 2w')
    return float(found[1]) * _AGE_UNITS_S[found[2]]


def _prune(args, config) -> int:
    schema.upgrade()
    cutoff = time.time() - args.older_than
    if args.archive and not args.dry_run:
        with archive.Archive(args.archive) as kept:
            pruned = retention.prune(cutoff, keep=kept.keep)
        where = f'; {_count(kept.rows, "row")} archived in {args.archive}'
    else:
        pruned, where = retention.prune(cutoff, dry_run=args.dry_run), ''
    # after the rows: a zip whose last revision went with them goes now too
    zips = code_zips.forget_unused(config.data_dir, retention.zips_in_use(), time.time(),
                                   dry_run=args.dry_run)
    verb = 'would delete' if args.dry_run else 'deleted'
    print(f'{verb} {_count(pruned.runs, "run")} ({_count(pruned.run_tasks, "task")}), '
          f'{_count(pruned.queued_tasks, "queued task")}, {_count(pruned.workers, "worker")} '
          f'that ended before {_when(cutoff)}, {_count(zips.files, "unused code zip")} '
          f'({zips.size_bytes / 2**20:.1f} MiB){where}')
    return 0


def _user(args, config) -> int:
    schema.upgrade()
    return USER_COMMANDS[args.user_command](args)


def _user_list(args) -> int:
    for row in users.list_users():
        flags = ', '.join(f for f, on in (('admin', row['admin']), ('password', row['password']))
                          if on)
        print(f"{row['name']:<24} project={row['project']:<16} {flags}")
    return 0


def _user_add(args) -> int:
    password = _read_password(args.password_stdin)
    users.add_user(args.name, password, admin=args.admin, project=args.project)
    how = 'with a password' if password else 'without a password (tokens only)'
    print(f'user {args.name} added to project {args.project} {how}')
    return 0


def _user_passwd(args) -> int:
    password = None if args.clear else _read_password(args.password_stdin, required=True)
    revoked = users.set_password(args.name, password, revoke_tokens=args.revoke_tokens)
    if args.clear:
        changed = f'password of {args.name} removed: tokens only'
    else:
        changed = f'password of {args.name} changed'
    if args.revoke_tokens:
        changed += f'; {_revoked(revoked)}'
    elif working := len(users.list_tokens(args.name)):
        changed += f'; tokens still working: {working} (--revoke-tokens revokes them)'
    print(changed)
    return 0


def _user_delete(args) -> int:
    held = users.user_holdings(args.name)
    _confirm(f'Delete user {args.name} and revoke its {_count(held.tokens, "token")} (agents '
             f'using {"it" if held.tokens == 1 else "them"} are refused)? Its runs '
             f'({held.runs}) stay, without an owner.', args.yes)
    held = users.delete_user(args.name)
    print(f'user {args.name} deleted; revoked {_count(held.tokens, "token")}; '
          f'kept {_count(held.runs, "run")}, now without an owner')
    return 0


def _confirm(question: str, yes: bool) -> None:
    """Go on only if the user says yes; without a terminal, only with --yes."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise InvalidInput('this asks for confirmation and there is no terminal: add --yes')
    if input(f'{question} [y/N] ').strip().lower() not in ('y', 'yes'):
        raise InvalidInput('nothing done')


def _read_password(from_stdin: bool, required: bool = False) -> str | None:
    """The password from stdin or asked twice on a terminal; None: none given (tokens only)."""
    if from_stdin:
        password = sys.stdin.readline().rstrip('\n')
        if not password:
            raise InvalidInput('--password-stdin got an empty line')
        return password
    if sys.stdin.isatty():
        password = getpass.getpass('new password: ' if required else 'password: ')
        if password != getpass.getpass('again: '):
            raise InvalidInput('the passwords differ')
        if not password and required:
            raise InvalidInput('an empty password: type one, or remove it with --clear')
        return password or None
    if required:
        raise InvalidInput('no terminal to ask for the password on: use --password-stdin')
    return None


def _count(number: int, noun: str) -> str:
    return f'{number} {noun}{"" if number == 1 else "s"}'


def _project(args, config) -> int:
    schema.upgrade()
    return PROJECT_COMMANDS[args.project_command](args)


def _project_add(args) -> int:
    added = projects.add_project(args.name)
    print(f'project {added.name} added: id {added.hex_id}')
    return 0


def _project_list(args) -> int:
    print(f'{"NAME":<24} {"ID":<24}  {"USERS":>5}  CREATED')
    for found in projects.list_projects():
        print(f'{found.name:<24} {found.hex_id:<24}  {found.users:>5}  {_when(found.created_at)}')
    return 0


def _token(args, config) -> int:
    schema.upgrade()
    return TOKEN_COMMANDS[args.token_command](args)


def _token_create(args) -> int:
    secret = users.create_token(args.user, Scope(args.scope), args.run, ttl_s=args.expires_in)
    print(secret)
    print('(shown once: store it now; send it as the Basic user name or as a Bearer token)',
          file=sys.stderr)
    return 0


def _token_list(args) -> int:
    print(f'{"ID":>6}  {"USER":<24} {"SCOPE":<7} {"PARENT":>6}  {"RUN":<32}  {"CREATED":<16}  '
          'EXPIRES')
    now = time.time()
    for token in users.list_tokens(args.user, include_expired=args.all, now=now):
        expires = ('never' if token.expires_at is None else
                   _when(token.expires_at) + (' (expired)' if token.expires_at <= now else ''))
        print(f'{token.id:>6}  {token.user_name:<24} {token.scope:<7} {token.parent_id or "-":>6}  '
              f'{token.run_uuid or "-":<32}  {_when(token.created_at):<16}  {expires}')
    return 0


def _token_revoke(args) -> int:
    secret = None
    if args.secret_stdin:
        secret = sys.stdin.readline().strip()
        if not secret:
            raise InvalidInput('--secret-stdin got an empty line')
    revoked = users.revoke_tokens(ids=args.ids, user_name=args.user, secret=secret,
                                  expired=args.expired)
    print(_revoked(revoked))
    return 0


def _revoked(token_ids: list[int]) -> str:
    return f'revoked {_count(len(token_ids), "token")}' + (
        f': {", ".join(map(str, token_ids))}' if token_ids else '')


def _when(epoch: float) -> str:
    return time.strftime('%Y-%m-%d %H:%M', time.localtime(epoch))


def _serve(args, config) -> int:
    from coordinator.server import (  # gunicorn only where needed
        CoordinatorServer, check_bind, check_tls)

    check_bind(config.bind)
    check_tls(config)
    startup.wait_for_database(lambda: (schema.upgrade(), runs.purge_deleted_runs()),
                              config.database_url, config.database_wait_s, _say)
    db.database.close()  # the workers open their own connections after the fork
    scheme = 'https' if config.certfile else 'http'
    print(f'farm-coordinator {__version__} on {scheme}://{config.bind} '
          f'({config.workers} workers x {config.threads} threads, '
          f'database {db.describe(config.database_url)})', file=sys.stderr)
    CoordinatorServer(config).run()
    return 0


USER_COMMANDS = {'add': _user_add, 'list': _user_list, 'passwd': _user_passwd,
                 'delete': _user_delete}
PROJECT_COMMANDS = {'add': _project_add, 'list': _project_list}
TOKEN_COMMANDS = {'create': _token_create, 'list': _token_list, 'revoke': _token_revoke}
COMMANDS = {'init': _init, 'user': _user, 'project': _project, 'token': _token,
            'backup': _backup, 'restore': _restore, 'prune': _prune, 'serve': _serve}
