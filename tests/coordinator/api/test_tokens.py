"""Tokens over HTTP: tokens minted with a token die with it, and a revoked token mints nothing."""

import dataclasses

from falcon import testing

from coordinator.app import create_app
from coordinator.store import users
from tests.conftest import basic


def minted(client, auth) -> dict:
    """Two tokens minted with `auth`: a session token and a lasting worker token."""
    session = client.simulate_get('/api/token', headers=auth)
    lasting = client.simulate_post('/farm/v1/tokens', json={'scope': 'worker'}, headers=auth)
    assert (session.status_code, lasting.status_code) == (200, 201)
    return {'session': basic(session.json['token']), 'lasting': basic(lasting.json['token'])}


def test_tokens_minted_over_http_stop_working_when_their_parent_is_revoked(client, alice):
    parent = users.create_token(alice)
    children = minted(client, basic(parent))
    grandchild = minted(client, children['session'])['session']
    users.revoke_tokens(secret=parent)
    for auth in (*children.values(), grandchild):
        assert client.simulate_get('/api/runs', headers=auth).status_code == 401


def test_a_revoked_token_mints_nothing_while_a_process_still_remembers_it(config, database, alice):
    client = testing.TestClient(create_app(dataclasses.replace(config, token_cache_s=3600),
                                           database=database))
    auth = basic(users.create_token(alice))
    assert client.simulate_get('/api/runs', headers=auth).status_code == 200
    users.revoke_tokens(user_name=alice)
    assert client.simulate_get('/api/runs', headers=auth).status_code == 200, 'still cached'
    session = client.simulate_get('/api/token', headers=auth)
    lasting = client.simulate_post('/farm/v1/tokens', json={'scope': 'user'}, headers=auth)
    assert (session.status_code, lasting.status_code) == (401, 401)
    assert 'revoked' in session.json['msg']
    assert users.list_tokens(alice, include_expired=True) == []
