"""Scale's pages: page from 1, page_size 100 by default and at most 1000, absolute links."""

import time

import pytest

from coordinator.models import JobType
from tests.coordinator.api.scale.conftest import TYPES, call, get

HOST = 'http://falconframework.org'


@pytest.fixture
def many_types(alice_principal):
    """1,100 job types of alice's (and her built-in one), written at once."""
    now = time.time()
    JobType.insert_many([{'project': alice_principal.project_id, 'name': f'type-{n:04d}',
                          'version': '1.0.0', 'created_at': now, 'last_modified_at': now}
                         for n in range(1100)]).execute()
    return 1101


@pytest.mark.parametrize('page_size, rows', [('5000', 1000), ('1000', 1000), ('7', 7),
                                             (None, 100), ('0', 100), ('-3', 100), ('abc', 100),
                                             ('', 100)])
def test_page_size_is_100_unless_a_whole_number_and_at_most_1000(client, alice_auth, many_types,
                                                                 page_size, rows):
    params = {} if page_size is None else {'page_size': page_size}
    page = get(client, alice_auth, TYPES, **params)
    assert (page['count'], len(page['results'])) == (many_types, rows)


def test_pages_link_absolutely_to_their_neighbours(client, alice_auth, many_types):
    first = get(client, alice_auth, TYPES, page_size='500', keyword='type')
    assert first['previous'] is None
    assert first['next'] == f'{HOST}{TYPES}?page_size=500&keyword=type&page=2'
    second = client.simulate_get(first['next'].removeprefix(HOST), headers=alice_auth).json
    assert second['previous'] == f'{HOST}{TYPES}?page_size=500&keyword=type'  # no page=1
    third = get(client, alice_auth, TYPES, page_size='500', keyword='type', page='3')
    assert (len(third['results']), third['next']) == (100, None)
    assert third['results'][-1]['name'] == 'type-1099'


def test_a_page_past_the_last_is_not_found_and_a_page_that_is_no_number_is_refused(
        client, alice_auth):
    assert get(client, alice_auth, TYPES, page='1')['count'] == 1  # the first always exists
    assert call(client, alice_auth, 'GET', TYPES, page='2', status=404) == {
        'detail': 'Invalid page.'}
    for page in ('0', '-1', 'abc', 'last', '1.5', '9' * 30):
        assert 'page must be' in call(client, alice_auth, 'GET', TYPES, page=page,
                                      status=400)['detail']
