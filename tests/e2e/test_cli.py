"""The farm-coordinator CLI as a user runs it: init, users, tokens, serve and a graceful SIGTERM."""

import json
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import basic

pytestmark = pytest.mark.timeout(120)


def test_init_user_and_token_commands_set_up_a_working_coordinator(serve):
    coordinator = serve(workers=1)
    init = coordinator.cli('init')
    assert init.returncode == 0 and 'schema version' in init.stdout
    added = coordinator.cli('user', 'add', 'carol', '--password-stdin', stdin='pw-of-carol\n')
    assert added.returncode == 0, added.stderr
    assert 'carol' in coordinator.cli('user', 'list').stdout
    token = coordinator.cli('token', 'create', 'carol', '--scope', 'worker')
    assert token.returncode == 0 and 'shown once' in token.stderr
    request = urllib.request.Request(coordinator.url + '/api/token',
                                     headers=basic(token.stdout.strip()))
    with urllib.request.urlopen(request, timeout=10) as resp:  # what an agent asks first
        assert json.load(resp)['token'].startswith('farm_')


def test_cli_errors_are_one_clear_line(serve):
    coordinator = serve(workers=1)
    result = coordinator.cli('token', 'create', 'nobody')
    assert result.returncode == 1
    assert result.stderr.strip() == "farm-coordinator: no user 'nobody'"
    duplicate = coordinator.cli('user', 'add', 'alice', '--password-stdin', stdin='x\n')
    assert duplicate.returncode == 1 and 'already exists' in duplicate.stderr


def test_sigterm_stops_the_server_gracefully(serve):
    coordinator = serve(workers=2)
    started = time.monotonic()
    assert coordinator.stop() == 0
    assert time.monotonic() - started < 10


def test_a_revoked_token_is_refused_by_the_running_server(serve):
    coordinator = serve(workers=2, FARM_TOKEN_CACHE_S='0')
    token = coordinator.cli('token', 'create', 'alice').stdout.strip()
    request = urllib.request.Request(coordinator.url + '/api/runs', headers=basic(token))
    with urllib.request.urlopen(request, timeout=10) as resp:
        assert resp.status == 200
    listing = coordinator.cli('token', 'list', '--user', 'alice').stdout.splitlines()
    assert listing[0].split()[:3] == ['ID', 'USER', 'SCOPE'] and token not in '\n'.join(listing)
    token_id = listing[1].split()[0]
    revoked = coordinator.cli('token', 'revoke', token_id)
    assert revoked.returncode == 0 and revoked.stdout.strip() == f'revoked 1 token: {token_id}'
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401
    again = coordinator.cli('token', 'revoke', '--secret-stdin', stdin=token + '\n')
    assert again.returncode == 1
    assert again.stderr.strip() == 'farm-coordinator: no token has that secret'


def test_a_user_added_without_a_terminal_logs_in_once_given_a_password(serve):
    coordinator = serve(workers=1, FARM_TOKEN_CACHE_S='0')
    assert coordinator.cli('user', 'add', 'dave').returncode == 0  # no terminal: tokens only
    token = coordinator.cli('token', 'create', 'dave').stdout.strip()
    mint = urllib.request.Request(coordinator.url + '/farm/v1/tokens', method='POST',
                                  data=b'{"scope": "user"}', headers=basic('dave', 'pw-of-dave'))
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(mint, timeout=10)
    assert refused.value.code == 401
    changed = coordinator.cli('user', 'passwd', 'dave', '--password-stdin', stdin='pw-of-dave\n')
    assert changed.returncode == 0, changed.stderr
    with urllib.request.urlopen(mint, timeout=10) as resp:
        assert resp.status == 201
    deleted = coordinator.cli('user', 'delete', 'dave', '--yes')
    assert deleted.returncode == 0 and 'user dave deleted; revoked 2 tokens' in deleted.stdout
    runs = urllib.request.Request(coordinator.url + '/api/runs', headers=basic(token))
    with pytest.raises(urllib.error.HTTPError) as gone:
        urllib.request.urlopen(runs, timeout=10)
    assert gone.value.code == 401
