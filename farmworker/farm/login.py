"""`farm login URL`: trade the user's password, asked once, for a token kept in the config file."""

import argparse
import getpass
import sys

from farmworker.farm import config, output
from farmworker.farm.session import FarmError, open_api

DESCRIPTION = """\
Ask for your user name and password on the coordinator at URL (once), get a
user token for them, and keep URL and token in the config file (mode 0600), so
later commands need neither. The password itself is never stored.
"""


def add_parsers(commands, common) -> None:
    parser = commands.add_parser('login', parents=[common], help='store a token for a coordinator',
                                 description=DESCRIPTION,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('url', metavar='URL', help='the coordinator, e.g. http://login1:8080')
    parser.add_argument('--user', help='user name on the coordinator (default: asked, with your '
                                       'login name offered)')
    parser.add_argument('--password-stdin', action='store_true',
                        help='read the password from standard input (for scripts) instead of '
                             'asking on the terminal')
    parser.set_defaults(handler=run)


def run(args) -> int:
    url = args.url.rstrip('/')
    user = args.user or _ask_user()
    password = _password(args.password_stdin, user, url)
    reply = open_api(url, basic=(user, password)).mint_token('user')
    path = config.config_path()
    try:
        config.save(path, url, reply['token'])
    except OSError as exc:
        raise FarmError(f'cannot write {path}: {exc.strerror}') from None
    facts = {'url': url, 'user': user, 'scope': reply.get('scope', 'user'), 'config': str(path)}
    if args.json:
        output.print_json(facts)
    else:
        output.console().print(f'Logged in to {url} as {user}: a {facts["scope"]} token is '
                               f'stored in {path} (mode 0600).')
    return 0


def _ask_user() -> str:
    if not sys.stdin.isatty():
        raise FarmError('no terminal to ask the user name on: give --user NAME')
    default = getpass.getuser()
    answer = input(f'user name [{default}]: ').strip()
    return answer or default


def _password(from_stdin: bool, user: str, url: str) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip('\r\n')
    elif sys.stdin.isatty():
        password = getpass.getpass(f'password of {user} on {url}: ')
    else:
        raise FarmError('no terminal to ask the password on: use --password-stdin')
    if not password:
        raise FarmError('empty password')
    return password
