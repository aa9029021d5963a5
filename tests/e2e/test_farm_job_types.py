"""`farm job-types` and `farm job-type show|pause|resume` as a user runs them, live."""

import json
import urllib.request

import pytest

from tests.e2e.test_farm_cli import Farm, sqlite_only

pytestmark = pytest.mark.timeout(120)


def manifest(name: str, version: str, **job) -> dict:
    return {'seedVersion': '1.0.0', 'job': {
        'name': name, 'jobVersion': version, 'packageVersion': '1.0.0', 'title': name.title(),
        'description': f'The {name} job', 'maintainer': {'name': 'Jo', 'email': 'jo@example.com'},
        'timeout': 600, 'interface': {'command': f'{name}.sh ${{INPUT}}'}, **job}}


class TypesFarm(Farm):
    """`farm` against a coordinator, and job types defined over /v6/ as any Scale client does."""

    def v6(self, method: str, path: str, body=None):
        request = urllib.request.Request(
            self.coordinator.url + '/v6' + path, method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={'Authorization': f'Bearer {self.token}', 'Content-Type': 'application/json'})
        with urllib.request.urlopen(request, timeout=10) as resp:
            return json.loads(resp.read())

    def define(self, name: str, version: str, **fields) -> None:
        self.v6('POST', '/job-types/', {'docker_image': f'{name}:{version}',
                                        'manifest': manifest(name, version), **fields})

    def is_paused(self, name: str, version: str) -> bool:
        return self.v6('GET', f'/job-types/{name}/{version}/')['is_paused']


@pytest.fixture
def farm(serve, tmp_path):
    farm = TypesFarm(serve(workers=2), tmp_path)
    farm.define('tiler', '1.0.0')
    farm.define('tiler', '1.2.0', max_scheduled=2)
    farm.define('mosaic', '0.3.0', is_paused=True)
    farm.v6('PATCH', '/job-types/tiler/1.0.0/', {'is_active': False})  # deprecated
    yield farm
    farm.cleanup()


def rows(stdout: str) -> dict[str, list[str]]:
    """The table's rows by `NAME VERSION`, each split on runs of two spaces or more."""
    found = {}
    for line in stdout.splitlines()[2:]:  # under its title and header
        cells = [cell.strip() for cell in line.strip().split('  ') if cell.strip()]
        found[f'{cells[0]} {cells[1]}'] = cells
    return found


def test_job_types_lists_each_active_version_with_its_state_and_all_of_them_with_all(farm):
    listed = farm('job-types')
    assert listed.returncode == 0, listed.stderr
    table = rows(listed.stdout)
    assert set(table) == {'taskfarm-run 1.0.0', 'tiler 1.2.0', 'mosaic 0.3.0'}
    assert table['mosaic 0.3.0'] == ['mosaic', '0.3.0', 'Mosaic', 'paused', '0', '0', '0', '0',
                                     '-']
    assert table['tiler 1.2.0'][3] == 'active'
    assert listed.stdout.startswith('Job types (done and failed: last 3 hours)')
    assert rows(farm('job-types', '--all').stdout)['tiler 1.0.0'][3] == 'inactive'
    facts = farm.json('job-types', '--all')
    assert {(t['name'], t['version'], t['is_paused'], t['is_active'])
            for t in (row['job_type'] for row in facts['results'])
            if t['name'] != 'taskfarm-run'} == {
        ('tiler', '1.0.0', False, False), ('tiler', '1.2.0', False, True),
        ('mosaic', '0.3.0', True, True)}


def test_pause_and_resume_steer_the_type_and_say_what_changed(farm):
    paused = farm('job-type', 'pause', 'tiler', '1.2.0')
    assert paused.returncode == 0, paused.stderr
    assert paused.stdout.startswith('Paused job type tiler 1.2.0')
    assert farm.is_paused('tiler', '1.2.0')
    again = farm.json('job-type', 'pause', 'tiler', '1.2.0')
    assert (again['changed'], again['job_type']['is_paused']) == (False, True)
    assert 'already paused' in farm('job-type', 'pause', 'tiler', '1.2.0').stdout
    resumed = farm.json('job-type', 'resume', 'tiler', '1.2.0')
    assert (resumed['action'], resumed['changed']) == ('resume', True)
    assert not farm.is_paused('tiler', '1.2.0')
    # an inactive version is paused as asked, with a word that it is not handed out anyway
    inactive = farm('job-type', 'pause', 'tiler', '1.0.0')
    assert inactive.returncode == 0 and 'is inactive' in inactive.stdout


@sqlite_only
def test_show_tells_the_definition_policy_and_state(farm):
    shown = farm('job-type', 'show', 'mosaic')  # its only version
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith('Job type mosaic 0.3.0  "Mosaic"  paused')
    assert 'mosaic.sh ${INPUT}' in shown.stdout and 'timeout 10m 00s' in shown.stdout
    capped = farm.json('job-type', 'show', 'tiler', '1.2.0')['job_type']
    assert (capped['max_scheduled'], capped['docker_image']) == (2, 'tiler:1.2.0')
    assert 'at most 2 running at once' in farm('job-type', 'show', 'tiler', '1.2.0').stdout


@sqlite_only
@pytest.mark.parametrize('args, message', [
    (('show', 'tiler'), 'farm: tiler has 2 versions (1.2.0, 1.0.0): name one, as in '
                        'farm job-type show tiler 1.2.0'),
    (('pause', 'tiler', '2.0.0'), 'farm: tiler has no version 2.0.0 (it has 1.2.0, 1.0.0)'),
    (('resume', 'nosuch'), 'farm: no job type nosuch (farm job-types --all lists them)'),
])
def test_a_version_that_is_not_clear_is_one_line_naming_the_versions_and_changes_nothing(
        farm, args, message):
    result = farm('job-type', *args)
    assert (result.returncode, result.stdout, result.stderr) == (1, '', message + '\n')
    assert not farm.is_paused('tiler', '1.2.0')


@sqlite_only
def test_a_worker_token_may_not_pause_a_type(farm):
    worker_token = farm.coordinator.cli('token', 'create', 'alice', '--scope', 'worker')
    env = {**farm.env, 'FARM_TOKEN': worker_token.stdout.strip()}
    result = farm('job-type', 'pause', 'tiler', '1.2.0', env=env)
    assert result.returncode == 1 and result.stderr.startswith('farm: not allowed: ')
    assert not farm.is_paused('tiler', '1.2.0')


@sqlite_only
def test_a_runs_tasks_count_under_its_type_done_failed_queued_and_the_last_failure(farm):
    run = farm.submit('--local', 2, '--tasks', 6, '--max-tries', 1, '--',
                      'sh', '-c', 'test {task} != 4 || exit 7')['run']['uuid']
    assert farm('run', 'wait', run, '--poll', '0.2').returncode == 3
    farm.submit('--tasks', 2, '--', 'true')  # nobody works it
    listed = farm('job-types')
    assert rows(listed.stdout)['taskfarm-run 1.0.0'][3:8] == ['active', '0', '2', '5', '1']
    assert 'ago: algorithm-unknown' in rows(listed.stdout)['taskfarm-run 1.0.0'][8]
    shown = farm('job-type', 'show', 'taskfarm-run').stdout
    assert '0 running, 2 queued now' in shown
    assert 'last 3 hours  5 done, 1 failed (ALGORITHM 1), 0 cancelled' in shown
    facts = farm.json('job-type', 'show', 'taskfarm-run')
    assert facts['status']['queued_now'] == 2
    assert facts['status']['last_failure']['error_name'] == 'algorithm-unknown'
    assert rows(farm('job-types', '--hours', 1).stdout)['taskfarm-run 1.0.0'][6] == '5'
    bad = farm('job-types', '--hours', 0)
    assert (bad.returncode, bad.stderr) == (1, 'farm: --hours must be at least 1\n')


@sqlite_only
def test_queue_groups_waiting_work_by_type_and_priority_the_highest_first(farm):
    assert farm('queue').stdout == 'Nothing is queued.\n'
    for priority in (50, 50, 7):
        queued = farm('job-type', 'queue', 'tiler', '1.2.0', '--priority', priority)
        assert queued.returncode == 0, queued.stderr
    assert farm('job-type', 'queue', 'mosaic', '0.3.0').returncode == 0  # paused: it waits
    farm.submit('--tasks', 3, '--', 'true')  # nobody works it
    listed = farm('queue')
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[0] == '7 tasks queued, 7 ready'
    table = [line.split()[:6] for line in listed.stdout.splitlines()[2:]]
    assert table == [['50', 'tiler', '1.2.0', 'active', '2', '2'],
                     ['7', 'tiler', '1.2.0', 'active', '1', '1'],
                     ['1', 'mosaic', '0.3.0', 'paused', '1', '1'],
                     ['0', 'taskfarm-run', '1.0.0', 'active', '3', '3']]
    facts = farm.json('queue')
    assert facts['total'] == {'queued': 7, 'available_now': 7}
    assert [(group['job_type']['name'], group['priority']) for group in facts['queue']] == [
        ('tiler', 50), ('tiler', 7), ('mosaic', 1), ('taskfarm-run', 0)]
