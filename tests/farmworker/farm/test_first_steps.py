"""What a new user of `farm` meets first: a wrong password, a stopped coordinator, plain words."""

import io


def test_a_wrong_password_at_login_says_so_rather_than_blaming_a_token(coordinator, farm,
                                                                       monkeypatch):
    coordinator.reply('POST', '/tokens', {'msg': 'wrong user name or password'}, status=401)
    monkeypatch.setattr('sys.stdin', io.StringIO('a guess\n'))
    code, out, err = farm('login', coordinator.url, '--user', 'alice', '--password-stdin')
    assert (code, out) == (1, '')
    assert err == f'farm: {coordinator.url} refused user alice: wrong user name or password\n'
