"""`farm-coordinator user add|list|passwd|delete`: accounts, their passwords and their projects."""

import getpass
import sys

from coordinator import schema
from coordinator.cli.terminal import confirm, count
from coordinator.cli.tokens import revoked
from coordinator.errors import InvalidInput
from coordinator.store import users


def add_parser(commands) -> None:
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


def run(args, config) -> int:
    schema.upgrade()
    return ACTIONS[args.user_command](args)


def _list(args) -> int:
    for row in users.list_users():
        flags = ', '.join(f for f, on in (('admin', row['admin']), ('password', row['password']))
                          if on)
        print(f"{row['name']:<24} project={row['project']:<16} {flags}")
    return 0


def _add(args) -> int:
    password = _read_password(args.password_stdin)
    users.add_user(args.name, password, admin=args.admin, project=args.project)
    how = 'with a password' if password else 'without a password (tokens only)'
    print(f'user {args.name} added to project {args.project} {how}')
    return 0


def _passwd(args) -> int:
    password = None if args.clear else _read_password(args.password_stdin, required=True)
    revoked_ids = users.set_password(args.name, password, revoke_tokens=args.revoke_tokens)
    if args.clear:
        changed = f'password of {args.name} removed: tokens only'
    else:
        changed = f'password of {args.name} changed'
    if args.revoke_tokens:
        changed += f'; {revoked(revoked_ids)}'
    elif working := len(users.list_tokens(args.name)):
        changed += f'; tokens still working: {working} (--revoke-tokens revokes them)'
    print(changed)
    return 0


def _delete(args) -> int:
    held = users.user_holdings(args.name)
    confirm(f'Delete user {args.name} and revoke its {count(held.tokens, "token")} (agents '
            f'using {"it" if held.tokens == 1 else "them"} are refused)? Its runs '
            f'({held.runs}) stay, without an owner.', args.yes)
    held = users.delete_user(args.name)
    print(f'user {args.name} deleted; revoked {count(held.tokens, "token")}; '
          f'kept {count(held.runs, "run")}, now without an owner')
    return 0


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


ACTIONS = {'add': _add, 'list': _list, 'passwd': _passwd, 'delete': _delete}
