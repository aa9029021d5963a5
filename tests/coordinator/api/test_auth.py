"""Authentication: the token cache, and password checks limited in failures and in slots."""

import dataclasses

import falcon
import pytest
from falcon import testing

from coordinator.api import errors
from coordinator.api.auth import AuthMiddleware, PasswordChecks, TokenCache
from coordinator.api.session_cookies import SessionCookies
from coordinator.app import create_app
from coordinator.models import AuditLog, PasswordFailure, Token
from coordinator.sessions import SessionSigner
from coordinator.store import guesses, users
from tests.conftest import PASSWORD, basic


def test_the_token_cache_remembers_for_its_ttl_only(alice):
    clock = [100.0]
    cache = TokenCache(ttl_s=10, clock=lambda: clock[0])
    secret = users.create_token(alice)
    assert cache.principal(secret).user_name == alice
    Token.delete().execute()
    assert cache.principal(secret) is not None, 'still cached'
    clock[0] += 10
    assert cache.principal(secret) is None, 'checked again once the ttl is over'
    assert cache.principal('farm_unknown') is None


LIMITED = {'password_failures_per_name': 2, 'password_failures_per_address': 100}


@pytest.fixture
def limited_client(config, database):
    """The app with a user name refused after two failed password checks."""
    return testing.TestClient(create_app(dataclasses.replace(config, **LIMITED),
                                         database=database))


def test_guessing_a_password_is_answered_429_with_retry_after_and_audited(limited_client, alice):
    wrong = basic(alice, 'guess')
    assert [limited_client.simulate_get('/api/runs', headers=wrong).status_code
            for _ in range(2)] == [401, 401]
    for headers in (wrong, basic(alice, PASSWORD)):  # the right password waits as well
        refused = limited_client.simulate_get('/api/runs', headers=headers,
                                              remote_addr='10.9.8.7')
        assert refused.status_code == 429 and 'user name' in refused.json['msg']
        assert 0 < int(refused.headers['retry-after']) <= 300
    token = basic(users.create_token(alice))
    assert limited_client.simulate_get('/api/runs', headers=token).status_code == 200
    (entry,) = AuditLog.select().where(AuditLog.action == 'password.limit')
    assert entry.object_id == alice and '"address": "127.0.0.1"' in entry.detail


def test_only_failed_password_checks_count_towards_the_limit(limited_client, alice):
    outcomes = [limited_client.simulate_get('/api/runs', headers=basic(alice, password)).status_code
                for password in ('guess', PASSWORD, PASSWORD, PASSWORD, 'guess', PASSWORD)]
    assert outcomes == [401, 200, 200, 200, 401, 429]


def test_names_that_no_user_can_have_are_refused_without_a_check(limited_client, database):
    for name in ('x' * 65, 'has space', '-dash'):
        resp = limited_client.simulate_get('/api/runs', headers=basic(name, 'pw'))
        assert resp.status_code == 401
    assert PasswordFailure.select().count() == 0


class Whoami:
    def on_get(self, req, resp):
        resp.media = {'user': req.context.principal.user_name}


def test_a_password_check_without_a_free_slot_is_answered_503_at_once_while_tokens_pass(
        database, alice):
    checks = PasswordChecks(guesses.Limits(window_s=300, per_name=10, per_address=50), slots=1)
    app = falcon.App(middleware=[AuthMiddleware(TokenCache(ttl_s=0), checks,
                                                SessionCookies(SessionSigner(b'k' * 32)))])
    errors.install(app, database)
    app.add_route('/whoami', Whoami())
    client = testing.TestClient(app)
    password, token = basic(alice, PASSWORD), basic(users.create_token(alice))
    with checks.slot():  # as a check running in another thread holds it
        busy = client.simulate_get('/whoami', headers=password)
        assert busy.status_code == 503 and busy.headers['retry-after'] == '1'
        assert client.simulate_get('/whoami', headers=token).json == {'user': alice}
    assert client.simulate_get('/whoami', headers=password).json == {'user': alice}
