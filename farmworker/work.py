"""What an agent works on: one run's numbered tasks (`run`), or every family's work (`serve`).

The agent's loop is the same for both; a Work object says where it claims and
reports, how a task is named (its number in the run, or its id), how a claimed
task becomes a command line, and what a heartbeat says it holds.
"""

import dataclasses
import os

from farmworker import code_cache, code_packages, commands, seed_jobs
from farmworker.client import Client, CoordinatorError
from farmworker.config import Node


class NoCommand(Exception):
    """Neither the command line nor the run gives a task command."""


@dataclasses.dataclass(frozen=True, slots=True)
class Launch:
    """A claimed task made ready to start, or (`problem`) one that cannot run here."""

    key: int  # the task's number in its run, or its id
    attempt: int
    argv: list[str] | None = None
    environ: dict[str, str] | None = None
    task_dir: str = ''
    timeout_s: float | None = None
    cwd: str | None = None  # where it starts: the agent's directory unless its family says
    problem: str | None = None  # it cannot start: reported with `outcome`, nothing run
    outcome: str = 'system_error'
    prepared: seed_jobs.Prepared | None = None  # a job: its outputs are collected at its end
    log_bytes: int | None = None  # its log is sent whole up to this (long_logs.py)


@dataclasses.dataclass(frozen=True, slots=True)
class Place:
    """Where tasks run: the agent's environment (a plain copy), slots and log directory."""

    environ: dict[str, str]
    slots: int
    log_dir: str
    node: Node


class RunWork:
    """One run's tasks, named by number: `farmworker run --run UUID`."""

    key = 'number'

    def __init__(self, run: str, command: list[str] | None):
        self.run, self.command = run, command
        self.policy: dict = {}
        self.claim_path, self.results_path = f'/runs/{run}/claim', f'/runs/{run}/results'

    def describe(self) -> str:
        return f'run {self.run}'

    def prepare(self, client: Client, give_up_s: float) -> None:
        """Read the run: an unknown run or one without a command is told before registering."""
        self.policy = client.call('GET', f'/runs/{self.run}', give_up_s=give_up_s)
        if self.command:
            return
        if not self.policy.get('command'):
            raise NoCommand(f'run {self.run} has no stored command: give the task command '
                            'after --, e.g. -- ./job.sh {task}')
        self.command = list(self.policy['command'])

    def serves(self) -> dict:
        """What the agent tells the coordinator it works on, when it registers."""
        return {'run': self.run}

    def claim_fields(self) -> dict:
        return {}

    def launches(self, reply: dict, place: Place) -> list[Launch]:
        return [run_task(self.run, self.command, task['number'], task['attempt'],
                         task.get('input'), self.policy.get('task_timeout_s'), place)
                for task in reply['tasks']]

    def finished(self, reply: dict) -> bool:
        """Whether a claim that got nothing says the run is done."""
        return reply['run']['waiting'] == 0 and reply['run']['running'] == 0

    def expected_duration_s(self) -> float | None:
        return self.policy.get('expected_duration_s')

    def heartbeat_fields(self, running: list[tuple[int, int]]) -> dict:
        return {'run': self.run, 'running': [list(key) for key in running]}

    def held_key(self, task: dict) -> int | None:
        """The key of a task the coordinator says the worker holds, if it is this work's."""
        return task['number'] if task['run'] == self.run else None


class ServeWork:
    """Every family's work of the project, named by task id: `farmworker serve`."""

    key = 'id'
    claim_path, results_path = '/claim', '/results'

    def __init__(self, job_types: list[str] | None):
        self.job_types = job_types
        self._revisions: dict[int, dict] = {}  # definitions the coordinator sent, by revision
        self._client: Client | None = None
        self._code_cache: code_cache.CodeCache | None = None  # made with the first package

    def describe(self) -> str:
        return 'job types ' + ', '.join(self.job_types) if self.job_types else 'every job type'

    def prepare(self, client: Client, give_up_s: float) -> None:
        self._client = client  # nothing to read first: every claim brings what its tasks need

    def serves(self) -> dict:
        return {'job_types': self.job_types}

    def claim_fields(self) -> dict:
        return {'job_types': self.job_types, 'known_revisions': sorted(self._revisions)}

    def launches(self, reply: dict, place: Place) -> list[Launch]:
        self._revisions.update({int(key): value for key, value in reply['revisions'].items()})
        return [self._launch(task, reply['runs'], place) for task in reply['tasks']]

    def _launch(self, task: dict, runs: dict, place: Place) -> Launch:
        if task['run'] is not None:
            run = runs[task['run']]
            if not run['command']:
                return Launch(task['id'], task['attempt'],
                              problem=f"run {task['run']} has no stored command to serve")
            launch = run_task(task['run'], run['command'], task['number'], task['attempt'],
                              task['input'], run['task_timeout_s'], place)
            return dataclasses.replace(launch, key=task['id'])
        revision = self._revisions[task['revision']]
        if revision.get('code'):
            return code_package_task(task, revision['code'], place, self._cache(place))
        return queued_job(task, revision, place)

    def _cache(self, place: Place) -> code_cache.CodeCache:
        if self._code_cache is None:
            self._code_cache = code_cache.CodeCache(os.path.join(place.log_dir, 'code-cache'),
                                                    self._fetch_code)
        return self._code_cache

    def _fetch_code(self, revision_id: int) -> bytes:
        try:
            return self._client.fetch(f'/revisions/{revision_id}/code')
        except CoordinatorError as error:  # the task goes back, as for any fault of the node
            raise code_cache.BadPackage(f'cannot fetch the code of revision {revision_id}: '
                                        f'{error}', outcome='system_error') from None

    def finished(self, reply: dict) -> bool:
        return False  # there is no end to a project's work: serve leaves when idle or drained

    def expected_duration_s(self) -> float | None:
        return None  # tasks of many kinds: the agent's own recent durations tell

    def heartbeat_fields(self, running: list[tuple[int, int]]) -> dict:
        return {'held': [list(key) for key in running]}

    def held_key(self, task: dict) -> int | None:
        return task['id']


def run_task(run: str, command: list[str], number: int, attempt: int, line: str | None,
             timeout_s: float | None, place: Place) -> Launch:
    """A run's task: its command with {task} and {line}, in a task dir under the run's."""
    # a plain string: pathlib's parsing showed in the per-task cost of short tasks
    task_dir = os.path.join(place.log_dir, run, f'task-{number}')
    environ = commands.task_environment(place.environ, task=number, run=run, attempt=attempt,
                                        task_dir=task_dir, slots=place.slots)
    values = {'task': str(number)} if line is None else {'task': str(number), 'line': line}
    return Launch(number, attempt, commands.render(command, values), environ, task_dir,
                  timeout_s)


def code_package_task(task: dict, code: dict, place: Place,
                      cache: code_cache.CodeCache) -> Launch:
    """An IronWorker code package's task: its revision's files laid out in its task dir and run
    by its runtime with -id, -d, -payload and -config, as code_packages prepares it."""
    task_dir = os.path.join(place.log_dir, 'jobs', f'task-{task["id"]}')
    environ = commands.task_environment(place.environ, task=task['id'], run='',
                                        attempt=task['attempt'], task_dir=task_dir,
                                        slots=place.slots)
    package = code_cache.Code(task['revision'], code['checksum'], code['runtime'],
                              code['file_name'], code.get('config'), code.get('env_vars') or {})
    try:
        argv, env = code_packages.prepare(package, task['iron_id'] or str(task['id']),
                                          task['payload'], task_dir, cache, environ)
    except code_cache.BadPackage as error:
        return Launch(task['id'], task['attempt'], problem=str(error), outcome=error.outcome)
    # started in its code directory, which IronWorker makes a task's TASK_DIR
    return Launch(task['id'], task['attempt'], argv, env, task_dir, task['timeout_s'],
                  cwd=env['TASK_DIR'], log_bytes=code.get('max_log_bytes'))


def queued_job(task: dict, revision: dict, place: Place) -> Launch:
    """A queued job: its type's Seed command or plain command, as seed_jobs prepares it."""
    task_dir = os.path.join(place.log_dir, 'jobs', f'task-{task["id"]}')
    job = seed_jobs.ClaimedJob(task['id'], task['attempt'], revision['manifest'],
                               revision['command'], revision['docker_image'],
                               revision['settings'], task['payload'], task['timeout_s'])
    environ = commands.task_environment(place.environ, task=task['id'], run='',
                                        attempt=task['attempt'], task_dir=task_dir,
                                        slots=place.slots)
    try:
        prepared = seed_jobs.prepare(job, task_dir, place.node, environ, slots=place.slots)
    except seed_jobs.Unrunnable as error:
        return Launch(task['id'], task['attempt'], problem=str(error), outcome=error.outcome)
    return Launch(task['id'], task['attempt'], prepared.argv, prepared.env, task_dir,
                  prepared.timeout_s, prepared=prepared)
