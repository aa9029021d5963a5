"""Revisions over /v6/job-types/{name}/{version}/revisions/: newest first, with its manifest."""

from tests.coordinator.api.scale.conftest import call, define, get, manifest

URL = '/v6/job-types/my-job/1.0.0/revisions/'


def test_revisions_come_newest_first_a_page_at_a_time(client, alice_auth):
    define(client, alice_auth)
    for image in ('my-job:2', 'my-job:3'):
        call(client, alice_auth, 'PATCH', '/v6/job-types/my-job/1.0.0/', {'docker_image': image})
    page = get(client, alice_auth, URL, page_size='2')
    assert [(row['revision_num'], row['docker_image']) for row in page['results']] == [
        (3, 'my-job:3'), (2, 'my-job:2')]
    assert page['count'] == 3 and page['next'].endswith('?page_size=2&page=2')
    assert page['results'][0]['job_type']['name'] == 'my-job'
    assert 'manifest' not in page['results'][0]


def test_a_revision_shows_the_manifest_it_ran(client, alice_auth):
    define(client, alice_auth)
    call(client, alice_auth, 'PATCH', '/v6/job-types/my-job/1.0.0/',
         {'manifest': manifest(title='Second')})
    assert get(client, alice_auth, URL + '1/')['manifest'] == manifest()
    second = get(client, alice_auth, URL + '2/')
    assert (second['revision_num'], second['manifest']['job']['title']) == (2, 'Second')


def test_unknown_revisions_and_types_are_not_found(client, alice_auth):
    define(client, alice_auth)
    for path in (URL + '2/', URL + '0/', URL + 'x/', URL + f'{2**31}/',
                 '/v6/job-types/my-job/9.9.9/revisions/', '/v6/job-types/my-job/9.9.9/'):
        assert call(client, alice_auth, 'GET', path, status=404)['detail']
