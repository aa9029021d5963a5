"""ndscheduler job classes on a node: the `JobBase` contract, built-in classes, and the runner
that `farmworker job-class` is.

An ndscheduler job names a Python class by its dotted path (`job_class_string`); an
execution calls `JobClass(job_id, execution_id).run(*pub_args, **kwargs)` and keeps what
it returns as JSON (TaskfarmRunJob is the exception: the coordinator runs it). A serve
agent runs each execution as a task whose command is
`farmworker job-class` and whose payload says which class and arguments:

    {"input": {"job_class_string": "pkg.module.Class", "job_id": "…", "execution_id": "…",
               "pub_args": [...], "kwargs": {...}}}

(in FARM_PAYLOAD: a queued job's payload is its inputs). The runner imports the class
in the agent's Python (so a user's classes need to be importable there: PYTHONPATH or
an installed package), calls it, and writes `{"result": <the return value>}` to
OUTPUT_DIR/outputs.json, which the agent reports as the task's output. Its exit status
says how it went: 0 succeeded, EXIT_FAILED when `run` raised (the traceback is on
stderr, so in the log tail), EXIT_UNIMPORTABLE when the class cannot be imported or is
not a job class (ndscheduler's `scheduled error`), EXIT_BAD_PAYLOAD when the payload
is malformed. The command is `{farmworker} job-class`: the agent puts its own
executable there, which need not be on the PATH.
"""

import importlib
import json
import os
import subprocess
import sys
import traceback

EXIT_FAILED = 1
EXIT_UNIMPORTABLE = 3
EXIT_BAD_PAYLOAD = 4
OUTPUTS_FILE = 'outputs.json'


class JobBase:
    """What ndscheduler's job classes subclass: `run` does the work and returns JSON-able data."""

    def __init__(self, job_id: str, execution_id: str) -> None:
        self.job_id = job_id
        self.execution_id = execution_id

    @classmethod
    def meta_info(cls) -> dict:
        """What the class takes, for people (ndscheduler's web UI shows it)."""
        return {'job_class_string': f'{cls.__module__}.{cls.__name__}', 'notes': '',
                'arguments': [], 'example_arguments': ''}

    def run(self, *args, **kwargs):
        raise NotImplementedError(f'{type(self).__name__} does not implement run()')


class ShellJob(JobBase):
    """Runs a command line (no shell: each argument as given) and returns its output."""

    @classmethod
    def meta_info(cls) -> dict:
        return dict(super().meta_info(), notes='Runs a command; fails if it exits non-zero.',
                    arguments=[{'type': 'string', 'description': 'the program'},
                               {'type': 'string', 'description': 'its arguments, one each'}],
                    example_arguments='["echo", "hello"]')

    def run(self, *argv, **kwargs):
        if not argv or not all(isinstance(arg, str) for arg in argv):
            raise ValueError('ShellJob takes the command as its arguments, as strings')
        done = subprocess.run(list(argv), capture_output=True, text=True, errors='replace')
        if done.returncode:
            raise RuntimeError(f'{argv[0]} exited {done.returncode}: {done.stderr[-2000:]}')
        return {'returncode': done.returncode, 'stdout': done.stdout[-8000:]}


class TaskfarmRunJob(JobBase):
    """Creates a taskfarm run each time it fires: run by the coordinator itself, not here.

    Its keyword arguments are the fields of POST /farm/v1/runs (num_tasks or inputs, and
    name, command, max_tries, retry_delay_s, task_timeout_s, expected_duration_s), checked
    when the job is added. When the job fires (or is run now), the coordinator creates the
    run, owned by the job's creator, in the transaction that records the execution, which
    succeeds at once with {"run": "<uuid>"}; agents then work the run like any other.
    So no agent needs the power to create runs (coordinator/store/scheduled_runs.py).
    """

    @classmethod
    def meta_info(cls) -> dict:
        return dict(super().meta_info(),
                    notes='Creates a taskfarm run each time it fires (the coordinator does it; '
                          'no agent runs this class). Keyword arguments: those of POST '
                          '/farm/v1/runs.',
                    arguments=[], example_arguments='')

    def run(self, *args, **kwargs):
        raise RuntimeError('TaskfarmRunJob is run by the coordinator when its job fires (it '
                           'creates the run there); an agent never runs it')


def load(job_class_string: str) -> type:
    """The class a dotted path names; ImportError if there is none or it is not a job class."""
    module_name, _, class_name = job_class_string.rpartition('.')
    if not module_name or not class_name:
        raise ImportError(f'{job_class_string!r} is not a dotted path module.Class')
    found = getattr(importlib.import_module(module_name), class_name, None)
    if not isinstance(found, type) or not callable(getattr(found, 'run', None)):
        raise ImportError(f'{job_class_string!r} names no class with a run() method')
    return found


def main(payload: str | None, output_dir: str | None) -> int:
    """Run the job class the payload names; the exit status, as the module docstring says."""
    try:
        job = json.loads(payload or '')['input']
        class_string = job['job_class_string']
        pub_args, kwargs = job.get('pub_args', []), job.get('kwargs', {})
        if not isinstance(class_string, str) or not isinstance(pub_args, list) \
                or not isinstance(kwargs, dict):
            raise TypeError('job_class_string must be text, pub_args a list, kwargs an object')
    except (ValueError, KeyError, TypeError) as exc:
        print(f'farmworker job-class: the payload is not a job: {exc}', file=sys.stderr)
        return EXIT_BAD_PAYLOAD
    try:
        job_class = load(class_string)
    except Exception:  # whatever importing the user's module raised
        traceback.print_exc()
        return EXIT_UNIMPORTABLE
    try:
        result = job_class(str(job.get('job_id', '')), str(job.get('execution_id', ''))).run(
            *pub_args, **kwargs)
        text = json.dumps({'result': result}, sort_keys=True)
    except Exception:  # the job's own failure: its traceback is the execution's result
        traceback.print_exc()
        return EXIT_FAILED
    if output_dir:
        with open(os.path.join(output_dir, OUTPUTS_FILE), 'w', encoding='utf-8') as file:
            file.write(text)
    return 0
