"""Job types over /v6/job-types/: the example defined, listed, edited, paused; versions; PATCH."""

import pytest

from coordinator.store import job_types, users
from coordinator.store.access import Scope
from tests.conftest import basic
from tests.coordinator.api.scale.conftest import (EXAMPLE_URL, TYPES, call, define, example, get,
                                                  listed, manifest)

RUN_TYPE = '{} {}'.format(*job_types.RUN_TYPE)


def test_the_seed_documents_example_is_created_with_its_location_and_details(posted):
    assert posted.headers['location'] == 'http://falconframework.org' + EXAMPLE_URL
    details = posted.json
    assert (details['name'], details['version'], details['revision_num']) == ('test', '1.0.0', 1)
    assert details['title'] == 'Job to demonstrate job type APIs'
    assert (details['icon_code'], details['max_scheduled'], details['is_paused']) == (
        'f1c5', 1, False)
    assert [error['name'] for error in details['manifest']['job']['errors']] == [
        'data-issue-discovered', 'missing-environment']  # Seed 1.0.0 names, from the titles
    assert details['configuration']['settings'] == {'DB_HOST': 'som.host.name'}
    assert details['created'].endswith('+00:00') and details['deprecated'] is None


def test_the_example_is_listed_edited_to_revision_two_validated_and_paused(
        client, alice_auth, posted):
    assert listed(get(client, alice_auth, TYPES, is_system='false')) == ['test 1.0.0']
    edited = example()
    edited['manifest']['job']['packageVersion'] = '1.0.1'
    verdict = call(client, alice_auth, 'POST', TYPES, edited)
    assert verdict['is_valid'] and 'DERIVED_ERROR_NAME' in {w['name'] for w in verdict['warnings']}
    assert get(client, alice_auth, EXAMPLE_URL)['revision_num'] == 2
    checked = call(client, alice_auth, 'POST', TYPES + 'validation/', edited)
    assert checked['is_valid'] and not checked['errors']
    assert call(client, alice_auth, 'PATCH', EXAMPLE_URL, {'is_paused': True}) == {
        'is_valid': True, 'errors': [], 'warnings': []}
    details = get(client, alice_auth, EXAMPLE_URL)
    assert details['is_paused'] and details['paused'] is not None
    assert details['revision_num'] == 2  # pausing governs the type: no new revision


def test_posting_an_unchanged_version_again_edits_it_without_a_revision(
        client, alice_auth, posted):
    verdict = call(client, alice_auth, 'POST', TYPES, {**example(), 'max_scheduled': 4})
    assert verdict['is_valid']
    details = get(client, alice_auth, EXAMPLE_URL)
    assert (details['revision_num'], details['max_scheduled']) == (1, 4)


def test_a_manifest_gives_the_title_description_tags_and_timeout(client, alice_auth,
                                                                 alice_principal):
    define(client, alice_auth, 'tiler', job={'title': 'Tiler', 'tags': ['geo'], 'timeout': 90},
           configuration={'priority': 40})
    (row,) = get(client, alice_auth, TYPES, keyword='GEO')['results']
    assert (row['title'], row['description']) == ('Tiler', 'Does one thing well')
    stored = job_types.find(alice_principal, 'tiler', '1.0.0')
    assert (stored.timeout_s, stored.priority, stored.tags) == (90.0, 40, '["geo"]')


def test_the_list_filters_by_keyword_id_activity_and_system(client, alice_auth):
    first = define(client, alice_auth, 'resize', job={'tags': ['image']})
    define(client, alice_auth, 'tiler', job={'tags': ['geo', 'png']}, is_active=False)
    define(client, alice_auth, 'png-crush')
    assert listed(get(client, alice_auth, TYPES, keyword=['png', 'imag'])) == [
        'png-crush 1.0.0', 'resize 1.0.0', 'tiler 1.0.0']
    assert listed(get(client, alice_auth, TYPES, id=[first['id'], 1])) == [
        'resize 1.0.0', RUN_TYPE]
    assert listed(get(client, alice_auth, TYPES, is_active='F')) == ['tiler 1.0.0']
    assert listed(get(client, alice_auth, TYPES, is_system='1')) == [RUN_TYPE]


def test_the_list_is_in_the_order_asked_for(client, alice_auth):
    for name, version in (('b', '1.2.0'), ('a', '1.10.0'), ('b', '1.10.0'), ('a', '2.0.0-rc.1')):
        define(client, alice_auth, name, version)
    page = get(client, alice_auth, TYPES, order=['-version', 'name'], is_system='false')
    assert listed(page) == ['a 2.0.0-rc.1', 'a 1.10.0', 'b 1.10.0', 'b 1.2.0']
    newest_first = get(client, alice_auth, TYPES, order='-last_modified', is_system='false')
    assert listed(newest_first) == ['a 2.0.0-rc.1', 'b 1.10.0', 'a 1.10.0', 'b 1.2.0']
    assert listed(get(client, alice_auth, TYPES, is_system='false')) == [
        'a 1.10.0', 'a 2.0.0-rc.1', 'b 1.2.0', 'b 1.10.0']  # by name, then version


def test_the_versions_of_a_name_come_newest_first_by_semantic_version(client, alice_auth):
    for version in ('1.2.0', '1.10.0', '1.0.0', '1.0.0-rc.1'):
        define(client, alice_auth, 'resize', version, is_active=version != '1.2.0')
    assert listed(get(client, alice_auth, TYPES + 'resize/')) == [
        'resize 1.10.0', 'resize 1.2.0', 'resize 1.0.0', 'resize 1.0.0-rc.1']
    assert listed(get(client, alice_auth, TYPES + 'resize/', is_active='false')) == [
        'resize 1.2.0']
    assert get(client, alice_auth, TYPES + 'unknown/') == {
        'count': 0, 'next': None, 'previous': None, 'results': []}


@pytest.mark.parametrize('version, path', [('1.0.0-rc.1', '1.0.0-rc.1'),
                                           ('1.0.0+build.5', '1.0.0%2Bbuild.5'),
                                           ('1.0.0+build.5', '1.0.0+build.5')])
def test_versions_with_a_prerelease_or_build_metadata_are_addressable(client, alice_auth,
                                                                      version, path):
    created = client.simulate_post(TYPES, headers=alice_auth, json={
        'docker_image': 'img', 'manifest': manifest('resize', version)})
    assert created.headers['location'].endswith('/v6/job-types/resize/' +
                                                version.replace('+', '%2B') + '/')
    url = f'{TYPES}resize/{path}/'
    assert get(client, alice_auth, url)['version'] == version
    call(client, alice_auth, 'PATCH', url, {'is_published': True})
    assert get(client, alice_auth, url + 'revisions/1/')['job_type']['is_published']


def test_patch_sets_false_null_and_empty_values(client, alice_auth):
    define(client, alice_auth, is_published=True, max_scheduled=3, icon_code='f013')
    url = TYPES + 'my-job/1.0.0/'
    call(client, alice_auth, 'PATCH', url, {'is_published': False, 'max_scheduled': None,
                                            'icon_code': '', 'is_active': False,
                                            'max_tries': 1})
    details = get(client, alice_auth, url)
    assert (details['is_published'], details['max_scheduled'], details['icon_code'],
            details['is_active'], details['max_tries']) == (False, None, '', False, 1)
    assert details['deprecated'] is not None


def test_patching_a_manifest_or_an_image_makes_a_revision_keeping_the_other(client, alice_auth):
    define(client, alice_auth)
    url = TYPES + 'my-job/1.0.0/'
    call(client, alice_auth, 'PATCH', url, {'docker_image': 'my-job:2'})
    changed = manifest(title='Renamed', tags=['new'])
    call(client, alice_auth, 'PATCH', url, {'manifest': changed})
    details = get(client, alice_auth, url)
    assert (details['revision_num'], details['docker_image'], details['title']) == (
        3, 'my-job:2', 'Renamed')
    assert details['manifest'] == changed
    second = get(client, alice_auth, url + 'revisions/2/')
    assert (second['docker_image'], second['manifest']) == ('my-job:2', manifest())


def test_a_patched_manifest_must_keep_the_name_and_version_of_the_url(client, alice_auth):
    define(client, alice_auth)
    for other in (manifest('other-job'), manifest(version='1.0.1')):
        refused = call(client, alice_auth, 'PATCH', TYPES + 'my-job/1.0.0/', {'manifest': other},
                       400)
        assert "must be this job type's" in refused['detail']
    assert get(client, alice_auth, TYPES + 'my-job/1.0.0/')['revision_num'] == 1


def test_a_patched_manifest_is_checked_against_the_stored_configuration(client, alice_auth,
                                                                        posted):
    verdict = call(client, alice_auth, 'PATCH', EXAMPLE_URL, {'manifest': example()['manifest']})
    names = {warning['name'] for warning in verdict['warnings']}
    assert 'MISSING_SETTING' not in names  # DB_PASS is stored, though never shown
    no_settings = call(client, alice_auth, 'PATCH', EXAMPLE_URL, {'configuration': {}})
    assert {w['name'] for w in no_settings['warnings']} == {'MISSING_SETTING', 'MISSING_MOUNT'}


def test_a_system_type_can_only_be_paused_or_resumed(client, alice_auth):
    url = TYPES + '{}/{}/'.format(*job_types.RUN_TYPE)
    call(client, alice_auth, 'PATCH', url, {'is_paused': True})
    assert get(client, alice_auth, url)['is_paused']
    refused = call(client, alice_auth, 'PATCH', url, {'max_tries': 5}, 403)
    assert 'paused or resumed' in refused['detail']


def test_a_worker_token_neither_reads_nor_defines_nor_edits_job_types(client, alice_auth,
                                                                      posted):
    worker = basic(users.create_token('alice', Scope.WORKER))
    assert 'detail' in call(client, worker, 'GET', EXAMPLE_URL, status=403)
    assert 'detail' in call(client, worker, 'POST', TYPES, example(), 403)
    assert 'detail' in call(client, worker, 'PATCH', EXAMPLE_URL, {'is_paused': True}, 403)
    assert not get(client, alice_auth, EXAMPLE_URL)['is_paused']


def test_another_projects_user_sees_nothing_and_defines_a_type_of_their_own(
        client, alice_auth, bob_auth, posted):
    assert get(client, bob_auth, TYPES, keyword='test')['count'] == 0
    assert get(client, bob_auth, '/v6/job-type-names/', keyword='test')['count'] == 0
    assert get(client, bob_auth, TYPES + 'test/')['count'] == 0
    for path in (EXAMPLE_URL, EXAMPLE_URL + 'revisions/', EXAMPLE_URL + 'revisions/1/'):
        assert call(client, bob_auth, 'GET', path, status=404)['detail']
    call(client, bob_auth, 'PATCH', EXAMPLE_URL, {'is_paused': True}, 404)
    assert call(client, bob_auth, 'POST', TYPES, example(), 201)['revision_num'] == 1
    assert not get(client, alice_auth, EXAMPLE_URL)['is_paused']


def test_a_type_without_an_image_runs_on_the_node_and_an_image_can_be_set_and_cleared(
        client, alice_auth):
    made = define(client, alice_auth, docker_image=None)
    assert made['docker_image'] is None
    url = TYPES + 'my-job/1.0.0/'
    call(client, alice_auth, 'PATCH', url, {'docker_image': 'my-job:2'})
    assert get(client, alice_auth, url)['revision_num'] == 2
    call(client, alice_auth, 'PATCH', url, {'docker_image': None})
    assert get(client, alice_auth, url)['docker_image'] is None
