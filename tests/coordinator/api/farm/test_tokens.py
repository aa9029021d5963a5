"""Tokens over /farm/v1: a user mints lasting tokens, never with more power than its own."""

import pytest

from tests.coordinator.api.farm.conftest import UNKNOWN, get, post, refused_changing_nothing


def test_a_user_mints_a_lasting_token_and_a_worker_token_cannot(client, alice_auth):
    minted = post(client, alice_auth, '/farm/v1/tokens', {'scope': 'user'})
    assert minted.status_code == 201 and minted.json['token'].startswith('farm_')
    bearer = {'Authorization': f"Bearer {minted.json['token']}"}
    assert get(client, bearer, '/farm/v1/runs')['total'] == 0
    worker = post(client, alice_auth, '/farm/v1/tokens', {'scope': 'worker'}).json['token']
    refused = post(client, {'Authorization': f'Bearer {worker}'}, '/farm/v1/tokens', {})
    assert refused.status_code == 403
    admin = post(client, alice_auth, '/farm/v1/tokens', {'scope': 'admin'})
    assert admin.status_code == 403 and 'admin' in admin.json['msg']


CHANGE_NOTHING = [
    ('POST', '/farm/v1/tokens', {'scope': 'root'}, 'alice', 400),
    ('POST', '/farm/v1/tokens', {'run': UNKNOWN}, 'alice', 404),
]


@pytest.mark.parametrize('method, path, body, who, status', CHANGE_NOTHING)
def test_bad_requests_get_a_clear_4xx_and_change_nothing(client, alice_auth, agent, method, path,
                                                          body, who, status):
    refused_changing_nothing(client, alice_auth, method, path, body, who, status)
