"""Secret settings: stored for the jobs that need them, never in an answer or an audit entry."""

import json

from coordinator.models import AuditLog, JobType
from tests.coordinator.api.scale.conftest import EXAMPLE_URL, SECRET, TYPES, call, example


def test_a_secret_setting_never_appears_in_any_answer_or_audit_entry(client, alice_auth, posted):
    body = example()
    body['manifest']['job']['packageVersion'] = '1.0.1'
    answers = [posted.text]
    for method, path, sent in (
            ('POST', TYPES, body), ('POST', TYPES + 'validation/', body),
            ('PATCH', EXAMPLE_URL, {'configuration': example()['configuration']}),
            ('PATCH', EXAMPLE_URL, {'manifest': example()['manifest'], 'is_paused': True}),
            ('GET', TYPES, None), ('GET', '/v6/job-type-names/', None),
            ('GET', TYPES + 'test/', None),
            ('GET', EXAMPLE_URL, None), ('GET', EXAMPLE_URL + 'revisions/', None),
            ('GET', EXAMPLE_URL + 'revisions/3/', None)):
        resp = client.simulate_request(method, path, json=sent, headers=alice_auth)
        assert resp.status_code == 200, (path, resp.text)
        answers.append(resp.text)
    assert not [answer for answer in answers if SECRET in answer]
    details = [entry.detail or '' for entry in AuditLog.select()]
    assert len(details) >= 4 and not [detail for detail in details if SECRET in detail]
    settings = call(client, alice_auth, 'GET', EXAMPLE_URL)['configuration']['settings']
    assert settings == {'DB_HOST': 'som.host.name'}


def stored_settings() -> dict:
    """The example type's settings as stored: secret ones too, which only agents are given."""
    return json.loads(JobType.get(JobType.name == 'test').configuration)['settings']


def test_a_configuration_read_edited_and_patched_back_keeps_the_stored_secret(
        client, alice_auth, posted):
    configuration = call(client, alice_auth, 'GET', EXAMPLE_URL)['configuration']
    configuration['settings']['DB_HOST'] = 'db.example.org'
    answer = call(client, alice_auth, 'PATCH', EXAMPLE_URL, {'configuration': configuration})
    assert answer['is_valid'] and not [issue for issue in answer['warnings']
                                       if issue['name'] == 'MISSING_SETTING']
    assert stored_settings() == {'DB_HOST': 'db.example.org', 'DB_PASS': SECRET}
    shown = call(client, alice_auth, 'GET', EXAMPLE_URL)['configuration']['settings']
    assert shown == {'DB_HOST': 'db.example.org'}


def test_a_secret_sent_null_is_kept_and_a_new_value_replaces_it(client, alice_auth, posted):
    call(client, alice_auth, 'PATCH', EXAMPLE_URL,
         {'configuration': {'settings': {'DB_HOST': 'h', 'DB_PASS': None}}})
    assert stored_settings() == {'DB_HOST': 'h', 'DB_PASS': SECRET}
    call(client, alice_auth, 'PATCH', EXAMPLE_URL,
         {'configuration': {'settings': {'DB_HOST': 'h', 'DB_PASS': 'rotated'}}})
    assert stored_settings() == {'DB_HOST': 'h', 'DB_PASS': 'rotated'}


def test_other_settings_are_replaced_as_sent_and_a_null_setting_that_is_not_secret_is_refused(
        client, alice_auth, posted):
    call(client, alice_auth, 'PATCH', EXAMPLE_URL, {'configuration': {'settings': {}}})
    assert stored_settings() == {'DB_PASS': SECRET}
    refused = call(client, alice_auth, 'PATCH', EXAMPLE_URL,
                   {'configuration': {'settings': {'DB_HOST': None}}}, status=400)
    assert 'DB_HOST' in refused['detail'] and stored_settings() == {'DB_PASS': SECRET}


def test_a_new_manifest_with_the_read_configuration_keeps_the_secret(client, alice_auth, posted):
    detail = call(client, alice_auth, 'GET', EXAMPLE_URL)
    detail['manifest']['job']['packageVersion'] = '1.0.1'
    call(client, alice_auth, 'PATCH', EXAMPLE_URL,
         {'manifest': detail['manifest'], 'configuration': detail['configuration']})
    assert call(client, alice_auth, 'GET', EXAMPLE_URL)['revision_num'] == 2
    assert stored_settings()['DB_PASS'] == SECRET


def test_the_example_posted_again_without_its_secret_keeps_it(client, alice_auth, posted):
    body = example()
    del body['configuration']['settings']['DB_PASS']
    call(client, alice_auth, 'POST', TYPES, body)
    assert stored_settings()['DB_PASS'] == SECRET


def test_a_null_configuration_removes_the_configuration_secrets_too(client, alice_auth, posted):
    call(client, alice_auth, 'PATCH', EXAMPLE_URL, {'configuration': None})
    assert JobType.get(JobType.name == 'test').configuration is None
