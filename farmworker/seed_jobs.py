"""A claimed job of a job type turned into what SubprocessExecutor runs, and its end into a result.

A job type's revision is a Seed manifest or a plain command (an argv template, as a
run's). The agent calls, for each claimed job:

    prepared = prepare(job, work_dir, node, environ, slots=N)   # or Unrunnable
    executor.start(job.task_id, job.attempt, prepared.argv, prepared.env, work_dir,
                   prepared.timeout_s)
    ... when it has finished: result_of(prepared, finished, hurried=...)

Payload: `{"input": {NAME: value, ...}}` (see seed_inputs). What a job gets:

- Seed: `interface.command` split and expanded as bash would (shell_words), from the
  job's environment: each input under its normalised name (`my-file` → MY_FILE: a
  file's path, a JSON value as text), each setting the manifest declares (values
  from the configuration), `ALLOCATED_<RESOURCE>` for each scalar resource (cpus and
  mem default to the node's share per slot), OUTPUT_DIR, and FARM_PAYLOAD.
- A plain command: its template rendered as commands.render does, with `{task}`,
  `{attempt}`, `{payload}`, `{output_dir}`, `{farmworker}` (this agent's own farmworker
  executable: ndscheduler's job types run `{farmworker} job-class`, which need not be
  on the PATH) and each input by name; inputs in the
  environment as INPUT_<NAME> (never under a name the payload picks, such as PATH),
  every setting, the same resources, OUTPUT_DIR and FARM_PAYLOAD.
- With a docker image, the command runs in it through apptainer or singularity
  (containers.py); without one, directly on the node, in the agent's directory.

`work_dir` is the job's scratch directory, the one executor.start is given (and
FARM_TASK_DIR, for `farmworker progress`); a container gets it bound read-write.
A Seed job's OUTPUT_DIR is `work_dir/output-ATTEMPT`, new for each attempt, so a
retry never passes on what an earlier one left. A plain command's is `work_dir`
itself, which the executor makes, removing an earlier attempt's outputs file when
it finds the directory there already; so a plain command costs no file system call
here, which matters for short jobs (with an image it gets its own directory as a
Seed job does). Paths are plain strings: pathlib's parsing cost a short job more
than the rest of its preparation. The timeout is the job's, else the manifest's.
A job that cannot be started raises `Unrunnable`, whose `outcome` is `system_error`
when the node is at fault (no container runtime) and `failed` otherwise (the payload
or the job type's definition). Exit codes are kept as they are: the coordinator maps
them to error categories with the manifest's `errors`.
"""

import dataclasses
import functools
import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from farmworker import commands, containers, delivery, seed_inputs, seed_outputs
from farmworker.batch_script import farmworker_executable
from farmworker.config import Node
from farmworker.executors import MESSAGE_MAX_CHARS, Finished, storable_text
from farmworker.shell_words import CommandSyntaxError, split_command

MIB = seed_inputs.MIB


@dataclasses.dataclass(frozen=True)
class ClaimedJob:
    """One attempt at a job, as a claim hands it to the agent."""

    task_id: int
    attempt: int
    manifest: dict | None  # a Seed manifest, or
    command: list[str] | None  # a plain argv template
    docker_image: str | None = None
    settings: Mapping[str, str] = dataclasses.field(default_factory=dict)  # secrets too
    payload: str | None = None
    timeout_s: float | None = None


@dataclasses.dataclass(frozen=True)
class Prepared:
    """What to start, and what collecting its outputs needs."""

    task_id: int
    attempt: int
    argv: list[str]
    env: dict[str, str]
    output_dir: str
    timeout_s: float | None
    interface_outputs: dict | None  # the manifest's `interface.outputs`; None: plain command
    work_dir: str  # the job's scratch directory, to give executor.start


class Unrunnable(Exception):
    """The job cannot be started; `outcome` is what to report for it, with the message.

    The message is bounded and storable, as a result's `msg` must be: it may quote a
    path or a name the payload gave, and the agent reports it as it is.
    """

    def __init__(self, message: str, outcome: str = 'failed') -> None:
        super().__init__(_message(message))
        self.outcome = outcome


def prepare(job: ClaimedJob, work_dir: str | os.PathLike, node: Node,
            environ: Mapping[str, str], *, slots: int = 1) -> Prepared:
    """The command line and environment of `job`, its input links and OUTPUT_DIR made.

    `environ` is what every task of the agent runs with (commands.task_environment).
    """
    work_dir = os.fspath(work_dir)
    own_dir = job.manifest is not None or job.docker_image is not None
    output_dir = os.path.join(work_dir, f'output-{job.attempt}') if own_dir else work_dir
    staging_dir = os.path.join(work_dir, f'inputs-{job.attempt}')
    try:
        if own_dir:
            _afresh(output_dir)
            if os.path.lexists(staging_dir):  # left by an agent that died
                shutil.rmtree(staging_dir, ignore_errors=True)
        argv, env, variables, staged = _assemble(job, environ, node, slots, output_dir,
                                                 staging_dir)
    except (seed_inputs.BadInput, CommandSyntaxError) as exc:
        raise Unrunnable(str(exc)) from None
    except OSError as exc:  # the node's scratch space (full, read-only, gone): not the job's
        raise Unrunnable(f'cannot make the job\'s directories in {work_dir}: {exc}',
                         outcome='system_error') from None
    if not argv and not job.docker_image:
        raise Unrunnable('the job type has no command to run')
    if job.docker_image:
        argv, env = _in_container(job.docker_image, argv, variables, env, output_dir, staged)
    _check_passable(argv, variables)
    manifest_timeout = (job.manifest or {}).get('job', {}).get('timeout')
    timeout_s = job.timeout_s if job.timeout_s is not None else manifest_timeout
    interface = _interface(job.manifest) if job.manifest is not None else None
    return Prepared(job.task_id, job.attempt, argv, env, output_dir,
                    float(timeout_s) if timeout_s and timeout_s > 0 else None,
                    None if interface is None else interface.get('outputs', {}), work_dir)


def _afresh(directory: str) -> None:
    """Make `directory` new and empty: one an agent that died left is emptied first."""
    try:
        os.makedirs(directory)
    except FileExistsError:
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory)


def collect(prepared: Prepared, exit_code: int | None) -> tuple[str, dict | None, str | None]:
    """(outcome, output, message) of a job that exited with `exit_code`: its outputs are
    collected after a 0 (a missing or malformed one fails it); any other exit failed it."""
    if exit_code != 0:
        return 'failed', None, None
    try:
        return 'complete', seed_outputs.collect(prepared.output_dir,
                                                prepared.interface_outputs), None
    except seed_outputs.BadOutput as exc:
        return 'failed', None, str(exc)


def result_of(prepared: Prepared, done: Finished, *, hurried: bool, key: str = 'number') -> dict:
    """The result to report for a job that ended: delivery.result_of's, with its outputs."""
    result = delivery.result_of(done, hurried=hurried, key=key)
    if result['outcome'] != 'complete':
        return result
    outcome, output, message = collect(prepared, 0)
    # nothing produced is no output: the result stays as small as a run's task's
    result.update(outcome=outcome, output=output if output and any(output.values()) else None)
    if message:
        result['msg'] = _message(message)
    return result


def _message(text: str) -> str:
    return storable_text(text[:MESSAGE_MAX_CHARS])


def _interface(manifest: dict) -> dict:
    return manifest.get('job', {}).get('interface', {})


def _assemble(job: ClaimedJob, environ: Mapping[str, str], node: Node, slots: int,
              output_dir: str, staging_dir: str):
    """(argv, env, the job's own variables, staged inputs), before any container."""
    inputs = seed_inputs.read_payload(job.payload)
    if job.manifest is not None:
        variables, staged = _seed_variables(job, inputs, staging_dir)
    elif job.command is not None:
        variables, staged = _plain_variables(job, inputs), seed_inputs.Staged()
    else:
        raise Unrunnable('the job type has neither a Seed manifest nor a command')
    variables.update(_common(job, output_dir))
    variables.update(_resources(job.manifest, staged.volume_mib, node, slots))
    # its own variables win over the agent's; optional inputs left out are unset (Seed)
    env = dict(environ)
    for name in (*commands.HIDDEN_VARIABLES, *staged.unset):
        env.pop(name, None)
    env.update(variables)
    if job.manifest is not None:  # expanded as a shell would: from the job's environment
        argv = split_command(_interface(job.manifest).get('command', ''), env.get)
    else:
        argv = commands.render(job.command, _plain_fields(job, inputs, output_dir))
    return argv, env, variables, staged


def _seed_variables(job: ClaimedJob, inputs: dict, staging_dir: str):
    """(variables, staged inputs) of a Seed job: the settings it declares, its inputs."""
    interface = _interface(job.manifest)
    staged = seed_inputs.stage(interface.get('inputs', {}), inputs, Path(staging_dir))
    variables = {}
    for setting in interface.get('settings', []):
        value = job.settings.get(setting['name'])
        if value is not None:
            variables[seed_inputs.normalised(setting['name'])] = seed_inputs.as_text(value)
    variables.update(staged.variables)
    return variables, staged


def _plain_variables(job: ClaimedJob, inputs: dict) -> dict[str, str]:
    """A plain command's variables: every setting, and each input as INPUT_<NAME>."""
    for name in inputs:
        if not seed_inputs.NAME.fullmatch(name):
            raise seed_inputs.BadInput(f'the input name {name!r} is not letters, digits, '
                                       "'_' and '-'")
    variables = {seed_inputs.normalised(name): seed_inputs.as_text(value)
                 for name, value in job.settings.items() if value is not None}
    variables.update((f'INPUT_{seed_inputs.normalised(name)}', seed_inputs.as_text(value))
                     for name, value in inputs.items() if value is not None)
    return variables


def _plain_fields(job: ClaimedJob, inputs: dict, output_dir: str) -> dict[str, str]:
    """The `{name}` fields of a plain command's template: inputs, then the agent's own."""
    fields = {name: seed_inputs.as_text(value) for name, value in inputs.items()
              if value is not None}
    fields.update(task=str(job.task_id), attempt=str(job.attempt), payload=job.payload or '',
                  output_dir=output_dir, farmworker=_farmworker())
    return fields


@functools.cache
def _farmworker() -> str:
    return farmworker_executable()


def _common(job: ClaimedJob, output_dir: str) -> dict[str, str]:
    common = {'OUTPUT_DIR': output_dir}
    if job.payload:
        common['FARM_PAYLOAD'] = job.payload
    return common


def _resources(manifest: dict | None, volume_mib: float, node: Node,
               slots: int) -> dict[str, str]:
    """ALLOCATED_<NAME> for each scalar resource: Seed's `value + inputMultiplier * input
    size in MiB`; cpus and mem, when not given, are this node's share per slot."""
    allocated = {}
    if node.cpus:
        allocated['ALLOCATED_CPUS'] = str(max(1, node.cpus // max(1, slots)))
    if node.memory_bytes:
        allocated['ALLOCATED_MEM'] = str(node.memory_bytes // max(1, slots) // MIB)
    scalars = (manifest or {}).get('job', {}).get('resources', {}).get('scalar', [])
    for scalar in scalars:
        value = scalar['value']
        if scalar.get('inputMultiplier') is not None:
            value = value + scalar['inputMultiplier'] * volume_mib
        allocated[f'ALLOCATED_{seed_inputs.normalised(scalar["name"])}'] = str(value)
    return allocated


def _in_container(image: str, argv: list[str], variables: dict[str, str], env: dict[str, str],
                  output_dir: str, staged: seed_inputs.Staged):
    runtime = containers.find_runtime(env.get('PATH'))
    if runtime is None:
        raise Unrunnable(f'the job type runs in the image {image}, and neither '
                         f'{" nor ".join(containers.RUNTIMES)} is on the PATH of this node',
                         outcome='system_error')
    # the agent's FARM_* facts go in too: a job reports progress with them
    inside = {name: value for name, value in env.items()
              if name.startswith('FARM_') and name not in commands.HIDDEN_VARIABLES}
    inside.update(variables)
    host = {name: value for name, value in env.items() if name not in variables}
    try:
        return containers.wrap(runtime, image, argv, inside, host,
                               writable=[os.path.dirname(output_dir)], readable=staged.paths)
    except containers.CannotBind as exc:
        raise Unrunnable(str(exc)) from None


def _check_passable(argv: list[str], variables: Mapping[str, str]) -> None:
    """Refuse what no process can be given (posix_spawn would raise, not fail the task).

    Only the command and the job's own `variables` are looked at: the rest of its
    environment is the agent's, which a process was given already (checking all of it,
    per job, cost a short job more than the rest of its preparation)."""
    for text in (*argv, *variables.values()):
        if '\x00' in text:
            raise Unrunnable('the command or environment would hold a NUL character: '
                             f'{json.dumps(text[:80])}')
        try:
            os.fsencode(text)
        except UnicodeEncodeError:
            raise Unrunnable('the command or environment holds text that is not Unicode: '
                             f'{json.dumps(text[:80])}') from None
    for name in variables:
        if not name or '=' in name or '\x00' in name:
            raise Unrunnable(f'{json.dumps(name[:80])} cannot name an environment variable')
