"""Job type names over /v6/job-type-names/: one row per name, its versions by SemVer."""

from tests.coordinator.api.scale.conftest import call, define, get

NAMES = '/v6/job-type-names/'


def test_each_name_has_its_versions_oldest_first_and_the_latest_by_precedence(client,
                                                                             alice_auth):
    for version in ('1.2.0', '1.10.0', '1.0.0', '1.10.0-rc.1'):
        define(client, alice_auth, 'resize', version, job={'title': f'Resize {version}'})
    page = get(client, alice_auth, NAMES, is_system='false')
    (row,) = page['results']
    assert row['versions'] == ['1.0.0', '1.2.0', '1.10.0-rc.1', '1.10.0']
    assert (row['latest_version'], row['title']) == ('1.10.0', 'Resize 1.10.0')
    assert 'id' not in row and row['unmet_resources'] is None


def test_the_filters_choose_the_versions_a_name_lists(client, alice_auth):
    define(client, alice_auth, 'resize', '1.0.0')
    define(client, alice_auth, 'resize', '2.0.0', is_active=False)
    define(client, alice_auth, 'tiler', '1.0.0', is_active=False)
    inactive = get(client, alice_auth, NAMES, is_active='false')['results']
    assert [(row['name'], row['versions'], row['latest_version']) for row in inactive] == [
        ('resize', ['2.0.0'], '2.0.0'), ('tiler', ['1.0.0'], '1.0.0')]
    active = get(client, alice_auth, NAMES, is_active='true', is_system='false')['results']
    assert [(row['name'], row['latest_version']) for row in active] == [('resize', '1.0.0')]


def test_names_are_in_the_order_asked_for_and_other_orders_are_refused(client, alice_auth):
    define(client, alice_auth, 'alpha', '3.0.0')
    define(client, alice_auth, 'beta', '1.0.0')
    page = get(client, alice_auth, NAMES, order='-latest_version', is_system='false')
    assert [row['name'] for row in page['results']] == ['alpha', 'beta']
    refused = call(client, alice_auth, 'GET', NAMES, order='max_tries', status=400)
    assert 'latest_version' in refused['detail']
