"""What an agent works on: one run's numbered tasks (`run`), or every family's work (`serve`).

The agent's loop is the same for both; a Work object says where it claims and
reports, how a task is named (its number in the run, or its id), how a claimed
task becomes a command line, and what a heartbeat says it holds.
"""

import dataclasses
import json
import os

from farmworker import commands
from farmworker.client import Client


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
    problem: str | None = None  # reported as the node's fault, without running anything


@dataclasses.dataclass(frozen=True, slots=True)
class Place:
    """Where tasks run: the agent's environment (a plain copy), slots and log directory."""

    environ: dict[str, str]
    slots: int
    log_dir: str


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

    def describe(self) -> str:
        return 'job types ' + ', '.join(self.job_types) if self.job_types else 'every job type'

    def prepare(self, client: Client, give_up_s: float) -> None:
        pass  # nothing to read first: every claim brings what its tasks need

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
        return queued_job(task, self._revisions[task['revision']], place)

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


def queued_job(task: dict, revision: dict, place: Place) -> Launch:
    """A queued job of a type with a plain command: {payload} and {task} (its id) filled in."""
    task_dir = os.path.join(place.log_dir, 'jobs', f'task-{task["id"]}')
    if revision['command'] is None:
        return Launch(task['id'], task['attempt'],
                      problem=f"job type {task['job_type']} {task['version']} has no command "
                              'this agent can run')
    environ = commands.task_environment(place.environ, task=task['id'], run='',
                                        attempt=task['attempt'], task_dir=task_dir,
                                        slots=place.slots)
    environ.update({key: _text(value) for key, value in revision['settings'].items()})
    values = {'task': str(task['id']), 'payload': task['payload'] or ''}
    return Launch(task['id'], task['attempt'], commands.render(revision['command'], values),
                  environ, task_dir, task['timeout_s'])


def _text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)
