"""GET /2/projects/{id} and the family's edge: tokens in a header or ?oauth=, projects isolated."""

import re

from coordinator.models import Project
from coordinator.store import projects, users
from coordinator.store.access import Scope
from tests.conftest import basic
from tests.coordinator.api.ironworker.conftest import call, oauth


def test_a_project_is_read_with_an_oauth_header_bearer_basic_or_query_token(client, token,
                                                                             project):
    for headers, params in ((oauth(token), None), ({'Authorization': f'Bearer {token}'}, None),
                            (basic(token), None), ({}, {'oauth': token})):
        found = call(client, headers, 'GET', f'/2/projects/{project}', params=params)
        assert found['id'] == project and found['name'] == 'default'
        assert re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z', found['created_at'])


def test_no_token_or_an_unknown_one_is_401_with_a_msg(client, project):
    for headers, params in (({}, None), (oauth('farm_nope'), None), ({}, {'oauth': 'nope'})):
        resp = client.simulate_get(f'/2/projects/{project}', headers=headers, params=params)
        assert resp.status_code == 401 and resp.json['msg']
        assert resp.headers['content-type'] == 'application/json'


def test_a_query_token_is_taken_under_2_only(client, token):
    resp = client.simulate_get('/farm/v1/runs', params={'oauth': token})
    assert resp.status_code == 401


def test_another_users_project_is_not_found_not_forbidden(client, auth, bob_auth, project):
    other = Project.get(Project.name == 'other').hex_id
    for path in (f'/2/projects/{other}', f'/2/projects/{other}/codes'):
        assert call(client, auth, 'GET', path, 404)['msg'] == f'no project {other}'
    assert call(client, bob_auth, 'GET', f'/2/projects/{project}', 404)['msg']
    for malformed in ('0' * 24, 'x' * 24, project.upper(), project[:-1]):
        assert call(client, auth, 'GET', f'/2/projects/{malformed}', 404)['msg']


def test_an_admin_reaches_every_project(client, bob_auth, project):
    users.add_user('root', admin=True, project='ops')
    admin = oauth(users.create_token('root', Scope.ADMIN))
    assert call(client, admin, 'GET', f'/2/projects/{project}')['name'] == 'default'


def test_a_project_added_is_reachable_by_its_users(client, database):
    added = projects.add_project('physics')
    users.add_user('carol', project='physics')
    carol = oauth(users.create_token('carol', Scope.USER))
    assert call(client, carol, 'GET', f'/2/projects/{added.hex_id}')['name'] == 'physics'
    assert call(client, carol, 'GET', f'/2/projects/{added.hex_id}/codes') == {'codes': []}


def test_unknown_paths_and_methods_answer_json_msgs(client, auth, base):
    assert call(client, auth, 'GET', base + '/nothing', 404)['msg']
    assert call(client, auth, 'PUT', base, 405)['msg']
