"""What the Seed job tests share: a manifest, a shell script job, a stand-in container runtime."""

import copy
import json
import os
import sys
import time
from pathlib import Path

from farmworker import work
from farmworker.config import Node
from farmworker.executors import Finished, SubprocessExecutor
from farmworker.seed_jobs import ClaimedJob, Prepared, prepare

NODE = Node(hostname='node-1', pid=1, cpus=8, memory_bytes=16 * 1024 ** 3)
AGENT_TOKEN = 'agent-secret-token'

# A Seed 1.0.0 job whose script reports what it was given and writes its outputs.
MANIFEST = {
    'seedVersion': '1.0.0',
    'job': {
        'name': 'line-counter', 'jobVersion': '1.0.0', 'packageVersion': '1.0.0',
        'title': 'Line counter', 'description': 'Counts the lines of a CSV file',
        'maintainer': {'name': 'Jo Bloggs', 'email': 'jo@example.com'}, 'timeout': 60,
        'resources': {'scalar': [{'name': 'cpus', 'value': 2.0}, {'name': 'mem', 'value': 512},
                                 {'name': 'disk', 'value': 1.0, 'inputMultiplier': 2.0}]},
        'interface': {
            'command': 'SCRIPT ${INPUT_FILE} ${OUTPUT_DIR} ${LABEL/#/--label }',
            'inputs': {'files': [{'name': 'INPUT_FILE', 'mediaTypes': ['text/csv']}],
                       'json': [{'name': 'threshold', 'type': 'number'},
                                {'name': 'label', 'type': 'string', 'required': False}]},
            'outputs': {'files': [{'name': 'copy', 'pattern': '*.csv'}],
                        'json': [{'name': 'line_count', 'key': 'lines', 'type': 'integer'}]},
            'settings': [{'name': 'DB_HOST'}, {'name': 'DB_PASS', 'secret': True}],
        },
        'errors': [{'code': 3, 'name': 'bad-data', 'title': 'Bad data', 'category': 'data'}],
    },
}
SETTINGS = {'DB_HOST': 'db.example.com', 'DB_PASS': 's3cret', 'UNDECLARED': 'not passed'}

JOB_SCRIPT = r'''#!/bin/sh
echo "args: $*"
echo "threshold=$THRESHOLD label=${LABEL-unset} host=$DB_HOST pass=$DB_PASS"
echo "cpus=$ALLOCATED_CPUS mem=$ALLOCATED_MEM disk=$ALLOCATED_DISK"
echo "undeclared=${UNDECLARED-unset} token=${FARM_TOKEN-unset}"
cp "$1" "$2/copy.csv"
printf '{"lines": %d}' "$(wc -l < "$1")" > "$2/seed.outputs.json"
exit "${EXIT_WITH:-0}"
'''

# Stands in for apptainer or singularity (named as either): records how it was called, then
# runs the command as `run --cleanenv` would, with only the variables meant for inside.
FAKE_RUNTIME = '''#!{python}
import json, os, sys
with open(os.environ['FAKE_RUNTIME_RECORD'], 'w') as record:
    json.dump({{'argv': sys.argv, 'environ': dict(os.environ)}}, record)
args = sys.argv[2:]
while args[0].startswith('--'):
    args = args[2:] if args[0] == '--bind' else args[1:]
prefix = os.path.basename(sys.argv[0]).upper() + 'ENV_'
inside = {{name[len(prefix):]: value for name, value in os.environ.items()
          if name.startswith(prefix)}}
inside['PATH'] = os.environ['PATH']
os.execvpe(args[1], args[1:], inside)
'''


def seed_manifest(script: Path | None = None, **interface) -> dict:
    manifest = copy.deepcopy(MANIFEST)
    if script is not None:
        command = manifest['job']['interface']['command']
        manifest['job']['interface']['command'] = command.replace('SCRIPT', str(script))
    manifest['job']['interface'].update(interface)
    return manifest


def write_script(directory: Path, text: str = JOB_SCRIPT, name: str = 'job.sh') -> Path:
    path = directory / name
    path.write_text(text)
    path.chmod(0o755)
    return path


def write_fake_runtime(directory: Path, name: str = 'apptainer') -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    return write_script(directory, FAKE_RUNTIME.format(python=sys.executable), name)


def environ(path: str | None = None, **more) -> dict[str, str]:
    """What the agent runs every task with: its PATH, its token (never for tasks), and more."""
    return {'PATH': path or os.environ['PATH'], 'HOME': '/home/alice',
            'FARM_TOKEN': AGENT_TOKEN, 'FARM_URL': 'http://coordinator:8080', **more}


def claimed(manifest=None, command=None, inputs=None, *, attempt=1, **fields) -> ClaimedJob:
    payload = None if inputs is None else json.dumps({'input': inputs})
    return ClaimedJob(task_id=41, attempt=attempt, manifest=manifest, command=command,
                      payload=fields.pop('payload', payload), **fields)


def prepared_job(job: ClaimedJob, work_dir: Path, **environ_fields) -> Prepared:
    return prepare(job, work_dir, NODE, environ(**environ_fields), slots=2)


def launched(job: ClaimedJob, log_dir: Path, **environ_fields) -> work.Launch:
    """`job` as a serve agent makes it ready to start, from the claim's task and revision."""
    task = {'id': job.task_id, 'attempt': job.attempt, 'payload': job.payload,
            'timeout_s': job.timeout_s}
    revision = {'manifest': job.manifest, 'command': job.command,
                'docker_image': job.docker_image, 'settings': dict(job.settings)}
    place = work.Place(environ(**environ_fields), 2, str(log_dir), NODE)
    return work.queued_job(task, revision, place)


def start(executor: SubprocessExecutor, prepared: Prepared) -> None:
    executor.start(prepared.task_id, prepared.attempt, prepared.argv, prepared.env,
                   prepared.work_dir, prepared.timeout_s)


def finish(executor: SubprocessExecutor, deadline_s: float = 10.0) -> Finished:
    """Poll until the one running job has finished."""
    limit = time.monotonic() + deadline_s
    while True:
        finished = executor.poll()
        if finished:
            return finished[0]
        assert time.monotonic() < limit, 'the job did not finish'
        time.sleep(0.01)
