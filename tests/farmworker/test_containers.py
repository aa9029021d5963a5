"""Jobs with a docker image: run by apptainer or singularity, secrets kept off the command line."""

import json
import shutil
from pathlib import Path

import pytest

from farmworker.containers import CannotBind, image_reference, wrap
from farmworker.executors import SubprocessExecutor
from farmworker.seed_jobs import Unrunnable, result_of
from tests.clock import Clock
from tests.farmworker.seed_job_kit import (
    AGENT_TOKEN, SETTINGS, claimed, finish, launched, prepared_job, seed_manifest, start,
    write_fake_runtime, write_script)

SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin'


@pytest.fixture
def data(tmp_path):
    path = tmp_path / 'data' / 'in.csv'
    path.parent.mkdir()
    path.write_text('a\nb\n')
    return path


def run_in_fake_runtime(tmp_path, job, runtime='apptainer'):
    """Prepare and run `job` with a stand-in `runtime` first on the PATH: (result, record)."""
    bin_dir = tmp_path / 'bin'
    write_fake_runtime(bin_dir, runtime)
    record = tmp_path / 'record.json'
    prepared = prepared_job(job, tmp_path / 'work', path=f'{bin_dir}:{SYSTEM_PATH}',
                            FAKE_RUNTIME_RECORD=str(record))
    executor = SubprocessExecutor(tmp_path / 'logs', clock=Clock())
    start(executor, prepared)
    done = finish(executor)
    return prepared, result_of(prepared, done, hurried=False), json.loads(record.read_text())


def test_a_seed_job_with_an_image_runs_through_apptainer(tmp_path, data):
    script = write_script(tmp_path)
    job = claimed(seed_manifest(script), inputs={'INPUT_FILE': str(data), 'threshold': 2},
                  settings=SETTINGS, docker_image='registry.example.com/counter:1.0')
    prepared, result, record = run_in_fake_runtime(tmp_path, job)
    work, out = tmp_path / 'work', tmp_path / 'work' / 'output-1'
    assert record['argv'] == [
        str(tmp_path / 'bin' / 'apptainer'), 'run', '--cleanenv',
        '--bind', f'{work}:{work}', '--bind', f'{data}:{data}:ro',
        'docker://registry.example.com/counter:1.0', str(script), str(data), str(out)]
    inside = {name.removeprefix('APPTAINERENV_'): value
              for name, value in record['environ'].items() if name.startswith('APPTAINERENV_')}
    assert inside['DB_PASS'] == 's3cret' and inside['THRESHOLD'] == '2'
    assert inside['OUTPUT_DIR'] == str(out) and inside['INPUT_FILE'] == str(data)
    assert inside['ALLOCATED_CPUS'] == '2.0' and 'UNDECLARED' not in inside
    assert 'FARM_TOKEN' not in record['environ'] and AGENT_TOKEN not in json.dumps(record)
    assert 's3cret' not in ' '.join(record['argv'])  # argv is public: `ps` shows it to all
    assert result['outcome'] == 'complete'
    assert result['output'] == {'files': {'copy': [str(out / 'copy.csv')]},
                                'json': {'line_count': 2}}


def test_singularity_serves_when_apptainer_is_not_there(tmp_path):
    job = claimed(None, ['sh', '-c', 'echo "$GREETING" > "$OUTPUT_DIR/said"'],
                  settings={'GREETING': 'hello'}, docker_image='/images/tool.sif')
    prepared, result, record = run_in_fake_runtime(tmp_path, job, runtime='singularity')
    assert record['argv'][1:3] == ['run', '--cleanenv'] and '/images/tool.sif' in record['argv']
    assert record['environ']['SINGULARITYENV_GREETING'] == 'hello'
    assert result['outcome'] == 'complete'
    assert (Path(prepared.output_dir) / 'said').read_text() == 'hello\n'


def test_an_image_without_a_runtime_on_the_node_is_a_system_error(tmp_path):
    if shutil.which('apptainer', path=SYSTEM_PATH) or shutil.which('singularity',
                                                                     path=SYSTEM_PATH):
        pytest.skip('this node has a container runtime')
    job = claimed(None, ['true'], docker_image='alpine:3')
    with pytest.raises(Unrunnable) as raised:
        prepared_job(job, tmp_path / 'work', path=SYSTEM_PATH)
    assert raised.value.outcome == 'system_error'
    assert str(raised.value) == ('the job type runs in the image alpine:3, and neither apptainer '
                                 'nor singularity is on the PATH of this node')
    assert launched(job, tmp_path / 'logs', path=SYSTEM_PATH).outcome == 'system_error'


def test_an_empty_command_runs_the_images_own(tmp_path):
    job = claimed(seed_manifest(command='', inputs={}, outputs={}), inputs={},
                  docker_image='alpine:3')
    bin_dir = tmp_path / 'bin'
    write_fake_runtime(bin_dir)
    prepared = prepared_job(job, tmp_path / 'work', path=f'{bin_dir}:{SYSTEM_PATH}')
    assert prepared.argv[-1] == 'docker://alpine:3'


@pytest.mark.parametrize('image, reference', [
    ('alpine:3', 'docker://alpine:3'),
    ('registry.example.com:5000/team/tool@sha256:abc', 'docker://registry.example.com:5000/'
                                                       'team/tool@sha256:abc'),
    ('docker://alpine:3', 'docker://alpine:3'),
    ('oras://ghcr.io/team/tool:1', 'oras://ghcr.io/team/tool:1'),
    ('/shared/images/tool.sif', '/shared/images/tool.sif'),
    ('./tool.sif', './tool.sif'),
])
def test_images_get_the_docker_transport_unless_they_name_their_own(image, reference):
    assert image_reference(image) == reference


def test_a_path_the_bind_syntax_cannot_say_is_refused():
    with pytest.raises(CannotBind, match="':' and ','"):
        wrap('/usr/bin/apptainer', 'alpine', ['true'], {}, {}, readable=['/data/a,b'])


def test_an_input_path_that_cannot_be_bound_fails_the_job(tmp_path):
    awkward = tmp_path / 'data' / 'a:b.csv'
    awkward.parent.mkdir()
    awkward.write_text('x\n')
    write_fake_runtime(tmp_path / 'bin')
    job = claimed(seed_manifest(command='true'), inputs={'INPUT_FILE': str(awkward),
                                                         'threshold': 1}, docker_image='alpine')
    with pytest.raises(Unrunnable, match='cannot be bound into a container') as raised:
        prepared_job(job, tmp_path / 'work', path=f'{tmp_path / "bin"}:{SYSTEM_PATH}')
    assert raised.value.outcome == 'failed'
