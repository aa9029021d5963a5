"""The ndscheduler family over Falcon's test client: the seed document's job, calls."""

import pytest

from coordinator.store import users
from coordinator.store.access import Scope
from tests.conftest import basic

JOBS = '/api/v1/jobs'
LOGS = '/api/v1/logs'
# the job of the seed document's curl example
EXAMPLE = {'job_class_string': 'simple_scheduler.jobs.sample_job.AwesomeJob',
           'name': 'My first job', 'minute': '*/1', 'pub_args': ['arg1', 2]}


def call(client, auth, method: str, path: str, body=None, status: int = 200, **params):
    """The JSON answer of a request that must get `status`."""
    resp = client.simulate_request(method, path, json=body, headers=auth, params=params)
    assert resp.status_code == status, resp.text
    return resp.json


def add(client, auth, **fields) -> str:
    """POST the example job with `fields` changed (None removes one); its id."""
    body = {key: value for key, value in {**EXAMPLE, **fields}.items() if value is not None}
    return call(client, auth, 'POST', JOBS, body, 201)['job_id']


def job(client, auth, job_id: str) -> dict:
    return call(client, auth, 'GET', f'{JOBS}/{job_id}')


@pytest.fixture
def bob_auth(database) -> dict:
    """A user of another project."""
    users.add_user('bob', project='other')
    return basic(users.create_token('bob', Scope.USER))


@pytest.fixture
def worker_auth(alice) -> dict:
    """A worker token of alice's."""
    return basic(users.create_token(alice, Scope.WORKER))
