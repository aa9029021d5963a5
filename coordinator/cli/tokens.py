"""`farm-coordinator token create|list|revoke`: API tokens, shown once and stored hashed."""

import sys
import time

from coordinator import schema
from coordinator.cli.terminal import count, when
from coordinator.errors import InvalidInput
from coordinator.store import users
from coordinator.store.access import Scope


def add_parser(commands) -> None:
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


def run(args, config) -> int:
    schema.upgrade()
    return ACTIONS[args.token_command](args)


def _create(args) -> int:
    secret = users.create_token(args.user, Scope(args.scope), args.run, ttl_s=args.expires_in)
    print(secret)
    print('(shown once: store it now; send it as the Basic user name or as a Bearer token)',
          file=sys.stderr)
    return 0


def _list(args) -> int:
    print(f'{"ID":>6}  {"USER":<24} {"SCOPE":<7} {"PARENT":>6}  {"RUN":<32}  {"CREATED":<16}  '
          'EXPIRES')
    now = time.time()
    for token in users.list_tokens(args.user, include_expired=args.all, now=now):
        expires = ('never' if token.expires_at is None else
                   when(token.expires_at) + (' (expired)' if token.expires_at <= now else ''))
        print(f'{token.id:>6}  {token.user_name:<24} {token.scope:<7} {token.parent_id or "-":>6}  '
              f'{token.run_uuid or "-":<32}  {when(token.created_at):<16}  {expires}')
    return 0


def _revoke(args) -> int:
    secret = None
    if args.secret_stdin:
        secret = sys.stdin.readline().strip()
        if not secret:
            raise InvalidInput('--secret-stdin got an empty line')
    revoked_ids = users.revoke_tokens(ids=args.ids, user_name=args.user, secret=secret,
                                      expired=args.expired)
    print(revoked(revoked_ids))
    return 0


def revoked(token_ids: list[int]) -> str:
    """What a revocation did, as `token revoke` and `user passwd --revoke-tokens` say it."""
    return f'revoked {count(len(token_ids), "token")}' + (
        f': {", ".join(map(str, token_ids))}' if token_ids else '')


ACTIONS = {'create': _create, 'list': _list, 'revoke': _revoke}
