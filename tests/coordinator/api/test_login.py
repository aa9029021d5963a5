"""POST /login sets a signed session cookie that stands for the user's credential; /logout
clears it; a tampered, expired or outdated cookie is refused, and so are forgeable writes."""

import dataclasses
import os
import stat
import time

import pytest
from falcon import testing

from coordinator.app import create_app
from coordinator.sessions import COOKIE_NAME, KEY_FILE, SessionSigner, load_key
from coordinator.store import users
from tests.conftest import PASSWORD

FORM = 'application/x-www-form-urlencoded'
JOB = {'name': 'nightly', 'job_class_string': 'jobs.Nightly', 'minute': '*/5'}


def log_in(client, name='alice', password=PASSWORD, **kwargs):
    return client.simulate_post('/login', body=f'username={name}&password={password}',
                                headers={'Content-Type': FORM}, **kwargs)


def session_of(resp) -> str:
    return resp.cookies[COOKIE_NAME].value


def test_a_login_sets_a_signed_httponly_strict_cookie_that_lasts_a_day(client, alice):
    resp = log_in(client, password=PASSWORD.replace(' ', '+'))  # as curl --data-urlencode sends
    assert resp.status_code == 200, resp.text
    assert resp.json['user'] == 'alice'
    cookie = resp.cookies[COOKIE_NAME]
    assert cookie.http_only and cookie.same_site == 'Strict' and cookie.path == '/'
    assert not cookie.secure, 'plain HTTP: a Secure cookie would never be sent back'
    assert cookie.max_age == 24 * 3600
    assert PASSWORD not in resp.text and cookie.value.startswith(f'{cookie.value.split(".")[0]}.')


def test_the_cookie_is_secure_when_the_login_came_over_tls(client, alice):
    assert log_in(client, protocol='https').cookies[COOKIE_NAME].secure


def test_the_cookie_is_the_users_credential_on_every_family(client, alice):
    session = session_of(log_in(client))
    cookies = {COOKIE_NAME: session}
    made = client.simulate_post('/api/v1/jobs', json=JOB, cookies=cookies)
    assert made.status_code == 201, made.text
    listed = client.simulate_get('/api/v1/jobs', cookies=cookies)
    assert [job['name'] for job in listed.json['jobs']] == ['nightly']
    assert client.simulate_get('/farm/v1/runs', cookies=cookies).status_code == 200
    logs = client.simulate_get('/api/v1/logs', cookies=cookies).json['logs']
    assert [log['user'] for log in logs] == ['alice'], 'the audit names who logged in'


def test_a_wrong_password_is_401_with_an_error_and_no_cookie(client, alice):
    resp = log_in(client, password='guess')
    assert resp.status_code == 401 and 'wrong user name or password' in resp.json['error']
    assert COOKIE_NAME not in resp.cookies


@pytest.mark.parametrize('body', ['', 'username=alice', 'password=x', 'username=&password=x',
                                  'a=b=c&&='])
def test_a_login_form_missing_a_field_is_400(client, alice, body):
    resp = client.simulate_post('/login', body=body, headers={'Content-Type': FORM})
    assert resp.status_code == 400 and resp.json['error']


def test_a_json_login_works_too(client, alice):
    resp = client.simulate_post('/login', json={'username': 'alice', 'password': PASSWORD})
    assert resp.status_code == 200 and COOKIE_NAME in resp.cookies


def test_logins_share_the_password_limit_429_with_retry_after(config, database, alice):
    limited = testing.TestClient(create_app(dataclasses.replace(
        config, password_failures_per_name=2), database=database))
    assert [log_in(limited, password='guess').status_code for _ in range(2)] == [401, 401]
    refused = log_in(limited)
    assert refused.status_code == 429 and int(refused.headers['retry-after']) > 0
    assert refused.json['error'] and COOKIE_NAME not in refused.cookies


@pytest.mark.parametrize('tamper', [
    lambda value: value[:-2] + ('AA' if not value.endswith('AA') else 'BB'),
    lambda value: '1' + value,  # another user id
    lambda value: value.replace('.', '.9', 1),  # a later expiry
    lambda value: 'garbage',
])
def test_a_tampered_cookie_is_401_like_a_bad_token(client, alice, tamper):
    session = session_of(log_in(client))
    resp = client.simulate_get('/api/v1/jobs', cookies={COOKIE_NAME: tamper(session)})
    assert resp.status_code == 401 and 'log in again' in resp.json['error']


def test_an_expired_cookie_is_refused(config, database, alice):
    short = testing.TestClient(create_app(dataclasses.replace(config, login_cookie_ttl_s=1),
                                          database=database))
    session = session_of(log_in(short))
    time.sleep(2.1)  # the coordinator reads the real clock; the cookie lasts 1 s
    assert short.simulate_get('/api/v1/jobs', cookies={COOKIE_NAME: session}).status_code == 401


def test_a_password_change_or_deleting_the_user_ends_their_sessions(client, alice, database):
    session = session_of(log_in(client))
    assert client.simulate_get('/api/v1/jobs', cookies={COOKIE_NAME: session}).status_code == 200
    users.set_password('alice', 'a new password')
    assert client.simulate_get('/api/v1/jobs', cookies={COOKIE_NAME: session}).status_code == 401
    session = session_of(log_in(client, password='a+new+password'))
    users.delete_user('alice')
    assert client.simulate_get('/api/v1/jobs', cookies={COOKIE_NAME: session}).status_code == 401


def test_a_cookie_post_must_not_be_a_form_another_site_could_send(client, alice):
    cookies = {COOKIE_NAME: session_of(log_in(client))}
    for content_type in (FORM, 'text/plain; charset=utf-8', 'multipart/form-data; boundary=x',
                         None):
        headers = {'Content-Type': content_type} if content_type else {}
        resp = client.simulate_post('/api/v1/jobs', body='{}', headers=headers, cookies=cookies)
        assert resp.status_code == 403 and 'Content-Type' in resp.json['error'], content_type
    token_post = client.simulate_post('/api/v1/jobs', json=JOB, headers={
        'Authorization': 'Bearer ' + users.create_token('alice'), 'Content-Type': 'text/plain'})
    assert token_post.status_code == 201, 'a token is no cookie: nothing to forge'


def test_logout_clears_the_cookie(client, alice):
    for method in ('GET', 'POST'):
        resp = client.simulate_request(method, '/logout')
        assert resp.status_code == 200
        cleared = resp.cookies[COOKIE_NAME]
        assert cleared.value == '' and cleared.expires.timestamp() < time.time()


def test_the_session_key_is_made_once_private_and_shared(tmp_path):
    key = load_key(tmp_path)
    assert load_key(tmp_path) == key and len(key) == 32
    assert stat.S_IMODE(os.stat(tmp_path / KEY_FILE).st_mode) == 0o600
    assert [name for name in os.listdir(tmp_path)] == [KEY_FILE]
    (tmp_path / KEY_FILE).write_text('garbled!')
    with pytest.raises(SystemExit, match='no usable session key'):
        load_key(tmp_path)


def test_a_cookie_is_valid_only_with_the_key_and_password_hash_it_was_made_with():
    signer, other = SessionSigner(b'k' * 32), SessionSigner(b'j' * 32)
    value = signer.make(7, 'hash', 2_000)
    assert signer.is_valid(value, 'hash', now=1_999)
    assert not signer.is_valid(value, 'hash', now=2_000), 'expired'
    assert not signer.is_valid(value, 'other hash', now=0)
    assert not signer.is_valid(value, None, now=0), 'a user without a password has no session'
    assert not other.is_valid(value, 'hash', now=0)
