"""Job types as people look at them: filters, orders, names with versions, secrets kept back."""

import pytest

from coordinator.errors import NotFound
from coordinator.store import job_type_views, job_types, users
from coordinator.store.job_type_views import Filters
from coordinator.store.job_types import Definition
from tests.conftest import PASSWORD

SETTINGS = [{'name': 'DB_HOST', 'secret': False}, {'name': 'DB_PASS', 'secret': True}]
MANIFEST = {'seedVersion': '1.0.0', 'job': {'name': 'resize', 'interface': {'settings': SETTINGS}}}
RUN_TYPE = job_types.RUN_TYPE[0]


def define(principal, name, version, now=100.0, **fields):
    job_types.define(principal, name, version, Definition(command=['echo', name]), fields,
                     now=now)


@pytest.fixture
def catalogue(alice_principal):
    """resize 1.2.0, 1.10.0 and 1.0.0-rc.1 (inactive), tile 2.0.0, and the built-in run type."""
    define(alice_principal, 'resize', '1.2.0', now=103.0, tags=['image', 'png'])
    define(alice_principal, 'resize', '1.10.0', now=101.0, tags=['image'])
    define(alice_principal, 'resize', '1.0.0-rc.1', now=102.0, is_active=False)
    define(alice_principal, 'tile', '2.0.0', now=104.0, tags=['geo', 'Tiles'], max_scheduled=2)
    return alice_principal


def listed(principal, filters=Filters(), order=('name', 'version'), offset=0, limit=100):
    count, page = job_type_views.list_types(principal, filters, order, offset, limit)
    return count, [f'{view.name} {view.version}' for view in page]


def test_versions_are_listed_in_semantic_version_order_not_as_text(catalogue):
    count, page = listed(catalogue, Filters(name='resize'), ('-version',))
    assert (count, page) == (3, ['resize 1.10.0', 'resize 1.2.0', 'resize 1.0.0-rc.1'])


def test_a_keyword_matches_the_name_or_one_tag_whatever_its_case(catalogue):
    assert listed(catalogue, Filters(keywords=('TILES',)))[1] == ['tile 2.0.0']
    assert listed(catalogue, Filters(keywords=('png', 'taskfarm')))[1] == [
        'resize 1.2.0', f'{RUN_TYPE} 1.0.0']
    # the tags are one JSON text in the database: a keyword never matches across them
    assert listed(catalogue, Filters(keywords=('image", "png',)))[0] == 0


def test_filters_by_id_activity_and_system_combine(catalogue):
    _, every = job_type_views.list_types(catalogue, Filters(), ('id',), 0, 100)
    ids = tuple(view.id for view in every[1:3])
    assert listed(catalogue, Filters(ids=ids), ('id',))[1] == [
        f'{v.name} {v.version}' for v in every[1:3]]
    assert listed(catalogue, Filters(is_active=False))[1] == ['resize 1.0.0-rc.1']
    assert listed(catalogue, Filters(is_system=True))[1] == [f'{RUN_TYPE} 1.0.0']
    assert listed(catalogue, Filters(is_system=False, is_active=True, keywords=('e',)))[0] == 3


def test_any_field_orders_the_list_either_way_and_ties_go_by_id(catalogue):
    assert listed(catalogue, Filters(is_system=False), ('-last_modified_at',))[1] == [
        'tile 2.0.0', 'resize 1.2.0', 'resize 1.0.0-rc.1', 'resize 1.10.0']
    # no cap is a missing value: last when ascending, first when descending
    assert listed(catalogue, Filters(is_system=False), ('max_scheduled', 'id'))[1][0] == (
        'tile 2.0.0')
    assert listed(catalogue, Filters(is_system=False), ('-max_scheduled',))[1][-1] == (
        'tile 2.0.0')
    assert listed(catalogue, Filters(is_system=False), ('is_active', '-name', 'version'))[1] == [
        'resize 1.0.0-rc.1', 'tile 2.0.0', 'resize 1.2.0', 'resize 1.10.0']


def test_a_page_is_a_slice_of_the_ordered_list_and_the_count_is_of_all(catalogue):
    assert listed(catalogue, offset=1, limit=2) == (5, ['resize 1.2.0', 'resize 1.10.0'])
    assert listed(catalogue, offset=5, limit=2) == (5, [])


def test_names_have_their_versions_oldest_first_and_the_latest_by_precedence(catalogue):
    count, names = job_type_views.list_names(catalogue, Filters(is_system=False), ('name',), 0, 10)
    assert count == 2
    assert [(n.latest.name, n.latest.version, n.versions) for n in names] == [
        ('resize', '1.10.0', ('1.0.0-rc.1', '1.2.0', '1.10.0')), ('tile', '2.0.0', ('2.0.0',))]


def test_filters_choose_which_versions_of_a_name_count(catalogue):
    _, names = job_type_views.list_names(catalogue, Filters(keywords=('png',)), (), 0, 10)
    assert [(n.latest.version, n.versions) for n in names] == [('1.2.0', ('1.2.0',))]
    _, names = job_type_views.list_names(catalogue, Filters(is_system=False), ('-name',), 1, 1)
    assert [n.latest.name for n in names] == ['resize']


def test_details_never_hold_a_secret_setting_but_say_which_were_kept_back(alice_principal):
    job_types.define(alice_principal, 'resize', '1.0.0', Definition(manifest=MANIFEST),
                     {'configuration': {'settings': {'DB_HOST': 'db1', 'DB_PASS': 'hunter2'},
                                        'priority': 7}})
    found = job_type_views.detail(alice_principal, 'resize', '1.0.0')
    assert found.configuration == {'settings': {'DB_HOST': 'db1'}, 'priority': 7}
    assert found.hidden_settings == ('DB_PASS',) and found.manifest == MANIFEST
    assert 'hunter2' not in repr(found)


def test_another_projects_types_and_revisions_are_not_found(catalogue):
    users.add_user('bob', PASSWORD, project='other')
    bob = users.principal_for_password('bob', PASSWORD)
    assert listed(bob) == (0, [])
    with pytest.raises(NotFound):
        job_type_views.detail(bob, 'resize', '1.2.0')
    with pytest.raises(NotFound):
        job_type_views.revisions(bob, 'resize', '1.2.0', 0, 10)
    with pytest.raises(NotFound):
        job_type_views.revision(bob, 'resize', '1.2.0', 1)


def test_revisions_come_newest_first_a_page_at_a_time_with_their_manifest(alice_principal):
    for image in ('resize:1', 'resize:2', 'resize:3'):
        job_types.define(alice_principal, 'resize', '1.0.0',
                         Definition(manifest=MANIFEST, docker_image=image))
    view, count, page = job_type_views.revisions(alice_principal, 'resize', '1.0.0', 1, 5)
    assert (view.revision_num, count) == (3, 3)
    assert [(r.revision_num, r.docker_image) for r in page] == [(2, 'resize:2'), (1, 'resize:1')]
    _, first = job_type_views.revision(alice_principal, 'resize', '1.0.0', 1)
    assert (first.docker_image, first.manifest) == ('resize:1', MANIFEST)
    with pytest.raises(NotFound, match='no revision 4'):
        job_type_views.revision(alice_principal, 'resize', '1.0.0', 4)
