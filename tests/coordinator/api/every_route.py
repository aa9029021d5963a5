"""Every route the app serves, read from its router, and a project with one of everything a
route's path can name: what the tests that go over every route share."""

import re

import pytest
from falcon import inspect

from coordinator.api.ironworker import ids
from coordinator.models import Project
from tests.coordinator.api.farm.conftest import AGENT
from tests.coordinator.api.ironworker.conftest import upload_hello
from tests.coordinator.api.scale.conftest import manifest

PUBLIC = {('GET', '/'), ('GET', '/health'), ('POST', '/login'), ('GET', '/logout'),
          ('POST', '/logout')}
TYPE = 'alpha-secret-type'  # names of alice's objects that must never reach another project
HOST = 'alpha-secret-node'
CODE = 'alpha-secret-code'
CRON_JOB = 'alpha-secret-cron-job'
ALLOCATION = 'alpha-secret-allocation'


def served(app) -> list[tuple[str, str]]:
    """(method, path template without converters) of every route and method the app serves."""
    return sorted((method.method, re.sub(r'\{(\w+):[^}]*\}', r'{\1}', route.path))
                  for route in inspect.inspect_routes(app)
                  for method in route.methods if not method.internal)


class Alice:
    """A project with one of everything a path can name: a run, a worker, a job type, a job,
    a code package, a task and a schedule of it, a cron job and an execution of it."""

    def __init__(self, client, auth):
        self.client, self.auth = client, auth
        self.project = Project.get(Project.name == 'default').hex_id
        code = upload_hello(client, auth, f'/2/projects/{self.project}', name=CODE)
        self.code = code['id']
        self.code_revision = str(ids.decode(ids.Kind.REVISION, code['latest_history_id']))
        self.iron_task = self._post(f'/2/projects/{self.project}/tasks',
                                    {'tasks': [{'code_name': CODE}]}, 200)['tasks'][0]['id']
        self.iron_schedule = self._post(f'/2/projects/{self.project}/schedules', {'schedules': [
            {'code_name': CODE, 'run_every': 3600}]}, 200)['schedules'][0]['id']
        self.cron_job = self._post('/api/v1/jobs', {'name': CRON_JOB, 'minute': '*/5',
                                                    'job_class_string': 'jobs.Nightly'})['job_id']
        ran = client.simulate_post(f'/api/v1/executions/{self.cron_job}', headers=auth)
        assert ran.status_code == 200, ran.text
        self.execution = ran.json['execution_id']
        self.run = self._post('/farm/v1/runs', {'num_tasks': 3})['uuid']
        self.worker = self._post('/farm/v1/workers', dict(AGENT, hostname=HOST))['uuid']
        self._post('/v6/job-types/', {'docker_image': None,
                                      'manifest': manifest(TYPE, '1.0.0')})
        self.job = self._post(f'/v6/job-types/{TYPE}/1.0.0/jobs/', {'input': {}})['id']
        self._post('/farm/v1/allocations', {'name': ALLOCATION, 'walltime_s': 3600,
                                            'max_jobs': 2})

    def _post(self, path: str, body: dict, status: int = 201) -> dict:
        resp = self.client.simulate_post(path, json=body, headers=self.auth)
        assert resp.status_code == status, resp.text
        return resp.json

    def secrets(self) -> list[str]:
        return [self.run, self.worker, TYPE, HOST, CODE, self.code, CRON_JOB, self.cron_job,
                self.iron_task, self.iron_schedule, self.execution, ALLOCATION]

    def value(self, name: str, path: str) -> str:
        """What `{name}` in `path` stands for: alice's own object of that kind."""
        values = {'number': '0',
                  'task_id': self.iron_task if path.startswith('/2/') else str(self.job),
                  'job_id': self.cron_job if path.startswith('/api/v1/') else str(self.job),
                  'name': TYPE, 'version': '1.0.0', 'revision_num': '1',
                  'project_id': self.project, 'code_id': self.code,
                  # an execution's id; POST reads a job's id there, and alice's is unknown to
                  # all but alice
                  'execution_id': self.execution, 'queue': ALLOCATION,
                  'revision_id': self.code_revision, 'schedule_id': self.iron_schedule,
                  'iron_id': self.iron_task,
                  'uuid': self.worker if path.startswith('/farm/v1/workers/') else self.run}
        if name not in values:
            pytest.fail(f'{path}: teach this test what {{{name}}} names')
        return values[name]

    def url(self, path: str) -> str:
        return re.sub(r'\{(\w+)\}', lambda m: self.value(m[1], path), path)

    def state(self) -> dict:
        """What another project's requests must leave as it was."""
        def get(path):
            resp = self.client.simulate_get(path, headers=self.auth)
            assert resp.status_code == 200, resp.text
            return resp.json
        run = get(f'/farm/v1/runs/{self.run}')
        return {'run': (run['state'], run['waiting'], run['cancelled']),
                'type': get(f'/v6/job-types/{TYPE}/1.0.0/')['is_paused'],
                'job': get(f'/v6/jobs/{self.job}/')['status'],
                'worker': [w['state'] for w in get('/farm/v1/workers')['workers']],
                'code': get(f'/2/projects/{self.project}/codes/{self.code}')['rev'],
                'iron_task': get(f'/2/projects/{self.project}/tasks/{self.iron_task}')['status'],
                'iron_schedule': get(f'/2/projects/{self.project}/schedules/'
                                     f'{self.iron_schedule}')['status'],
                'cron_job': get(f'/api/v1/jobs/{self.cron_job}')['next_run_time'],
                'execution': get(f'/api/v1/executions/{self.execution}')['state'],
                'allocation': get(f'/farm/v1/allocations/{ALLOCATION}')['paused']}


def send(client, method: str, url: str, headers: dict):
    body = {} if method in ('POST', 'PUT', 'PATCH') else None
    return client.simulate_request(method, url, json=body, headers=headers)

