"""Validation over /v6/job-types/validation/: always the verdict, nothing saved."""

import json

from tests.coordinator.api.scale.conftest import TYPES, call, example, get, manifest

URL = TYPES + 'validation/'


def test_the_example_is_valid_with_warnings_and_nothing_is_saved(client, alice_auth):
    verdict = call(client, alice_auth, 'POST', URL, example())
    assert verdict['is_valid'] and verdict['errors'] == []
    assert {'DERIVED_ERROR_NAME', 'UNKNOWN_WORKSPACE'} <= {w['name'] for w in verdict['warnings']}
    assert get(client, alice_auth, TYPES, keyword='test')['count'] == 0


def test_an_invalid_manifest_or_configuration_gets_a_verdict_not_an_error(client, alice_auth):
    for body, name in (({'manifest': {}}, 'JSON_VALIDATION_ERROR'),
                       ({'manifest': 'not json'}, 'JSON_VALIDATION_ERROR'),
                       ({'manifest': manifest('validation')}, 'RESERVED_NAME'),
                       ({'manifest': manifest(), 'configuration': {'priority': 0}},
                        'INVALID_PRIORITY'),
                       ({'manifest': manifest(name='n' * 65)}, 'VALUE_TOO_LONG')):
        verdict = call(client, alice_auth, 'POST', URL, body)
        assert not verdict['is_valid'] and name in {e['name'] for e in verdict['errors']}, body


def test_a_manifest_may_be_sent_as_its_json_text(client, alice_auth):
    verdict = call(client, alice_auth, 'POST', URL, {'manifest': json.dumps(manifest())})
    assert verdict == {'is_valid': True, 'errors': [], 'warnings': []}


def test_a_manifest_is_required_and_the_other_fields_of_a_post_are_ignored(client, alice_auth):
    assert "'manifest'" in call(client, alice_auth, 'POST', URL, {}, 400)['detail']
    assert call(client, alice_auth, 'POST', URL, {'manifest': manifest(), 'docker_image': 5,
                                                  'auto_update': True})['is_valid']
