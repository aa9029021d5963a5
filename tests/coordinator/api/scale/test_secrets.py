"""Secret settings: stored for the jobs that need them, never in an answer or an audit entry."""

from coordinator.models import AuditLog
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
