"""`farm-coordinator user passwd` and `user delete` as an administrator types them."""

import io
import os
import pty
import sys
from pathlib import Path

import pytest

from coordinator import cli, db
from coordinator.models import Run
from coordinator.store import runs, users
from coordinator.store.access import Scope
from tests.conftest import PASSWORD

sqlite_only = pytest.mark.parametrize('database_url', ['sqlite'], indirect=True)


@pytest.fixture
def coordinator_cli(database_url, database, capsys, monkeypatch):
    """Run `farm-coordinator ARGS...` in-process: (exit status, stdout, stderr)."""
    def run(*argv, stdin: str | None = None):
        if stdin is not None:
            monkeypatch.setattr('sys.stdin', io.StringIO(stdin))
        try:
            code = cli.main(['--database-url', database_url, *argv])
        finally:
            db.database.close()
        captured = capsys.readouterr()
        return code, captured.out, captured.err
    yield run
    db.database.close()  # the connection the CLI bound, reopened by the test's own checks


def test_a_user_added_without_a_password_gets_one_with_passwd(coordinator_cli):
    assert coordinator_cli('user', 'add', 'robot')[0] == 0
    code, out, _ = coordinator_cli('user', 'passwd', 'robot', '--password-stdin',
                                   stdin='new secret\n')
    assert code == 0 and out == 'password of robot changed\n'
    assert users.principal_for_password('robot', 'new secret') is not None


def test_passwd_keeps_the_tokens_unless_told_to_revoke_them(coordinator_cli, alice):
    kept = users.create_token(alice, Scope.WORKER)
    code, out, _ = coordinator_cli('user', 'passwd', alice, '--password-stdin', stdin='second\n')
    assert out == ('password of alice changed; tokens still working: 1 '
                   '(--revoke-tokens revokes them)\n')
    assert users.principal_for_token(kept) is not None
    (token_id,) = (token.id for token in users.list_tokens(alice))
    code, out, _ = coordinator_cli('user', 'passwd', alice, '--password-stdin', '--revoke-tokens',
                                   stdin='third\n')
    assert code == 0 and out == f'password of alice changed; revoked 1 token: {token_id}\n'
    assert users.principal_for_token(kept) is None
    assert users.principal_for_password(alice, 'third') is not None


def test_passwd_clear_leaves_the_user_tokens_only(coordinator_cli, alice):
    code, out, _ = coordinator_cli('user', 'passwd', alice, '--clear')
    assert code == 0 and out.startswith('password of alice removed: tokens only')
    assert users.principal_for_password(alice, PASSWORD) is None


@pytest.mark.parametrize('argv, stdin, message', [
    (['nobody', '--clear'], None, "no user 'nobody'"),
    (['alice'], None, 'no terminal to ask for the password on: use --password-stdin'),
    (['alice', '--password-stdin'], '\n', '--password-stdin got an empty line'),
], ids=['unknown-user', 'no-terminal', 'empty-line'])
def test_passwd_mistakes_are_one_line_and_change_nothing(coordinator_cli, alice, argv, stdin,
                                                         message):
    code, out, err = coordinator_cli('user', 'passwd', *argv, stdin=stdin)
    assert (code, out) == (1, '') and err == f'farm-coordinator: {message}\n'
    assert users.principal_for_password(alice, PASSWORD) is not None


def test_passwd_and_clear_together_are_a_usage_error(coordinator_cli, alice, capsys):
    with pytest.raises(SystemExit) as exited:
        coordinator_cli('user', 'passwd', alice, '--clear', '--password-stdin')
    assert exited.value.code == 2
    assert 'argument --password-stdin: not allowed with argument --clear' in capsys.readouterr().err


def test_delete_without_a_terminal_needs_yes(coordinator_cli, alice):
    code, out, err = coordinator_cli('user', 'delete', alice)
    assert (code, out) == (1, '')
    assert err == ('farm-coordinator: this asks for confirmation and there is no terminal: '
                   'add --yes\n')
    assert [row['name'] for row in users.list_users()] == [alice]


def test_delete_with_yes_revokes_the_tokens_and_keeps_the_runs(coordinator_cli, alice_principal):
    run = runs.create_run(alice_principal, 2)
    token = users.create_token('alice')
    code, out, _ = coordinator_cli('user', 'delete', 'alice', '--yes')
    assert code == 0
    assert out == 'user alice deleted; revoked 1 token; kept 1 run, now without an owner\n'
    assert users.list_users() == [] and users.principal_for_token(token) is None
    assert Run.get_by_id(run.id).owner_id is None


def on_terminal(database_url: str, *argv: str, answers: dict[str, str]) -> tuple[int, str]:
    """Run farm-coordinator with a terminal; answer each prompt (a key of `answers`) once seen."""
    executable = str(Path(sys.executable).parent / 'farm-coordinator')
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(executable, [executable, '--database-url', database_url, *argv])
    seen, pending = '', dict(answers)
    while True:
        try:
            chunk = os.read(fd, 4096).decode(errors='replace')
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
        for prompt in [prompt for prompt in pending if seen.rstrip().endswith(prompt.rstrip())]:
            os.write(fd, pending.pop(prompt).encode())  # only once asked: getpass flushes input
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), seen


@sqlite_only
def test_passwd_on_a_terminal_asks_twice(database_url, alice):
    db.database.close()
    code, seen = on_terminal(database_url, 'user', 'passwd', alice,
                             answers={'new password:': 'on tty\n', 'again:': 'on tty\n'})
    assert code == 0, seen
    assert 'password of alice changed' in seen and 'on tty' not in seen  # never echoed
    assert users.principal_for_password(alice, 'on tty') is not None


@sqlite_only
def test_delete_on_a_terminal_asks_first_and_a_no_deletes_nothing(database_url, alice):
    users.create_token(alice)
    db.database.close()
    code, seen = on_terminal(database_url, 'user', 'delete', alice, answers={'[y/N]': 'n\n'})
    assert code == 1 and 'nothing done' in seen
    assert 'revoke its 1 token (agents using it are refused)' in seen.replace('\r\n', ' ')
    assert [row['name'] for row in users.list_users()] == [alice]
    code, seen = on_terminal(database_url, 'user', 'delete', alice, answers={'[y/N]': 'y\n'})
    assert code == 0 and 'user alice deleted' in seen
    assert users.list_users() == []


def test_the_help_of_passwd_says_what_happens_to_the_tokens(capsys):
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(['user', 'passwd', '--help'])
    text = ' '.join(capsys.readouterr().out.split())
    assert '--revoke-tokens' in text and 'tokens keep working' in text
