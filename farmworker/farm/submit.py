"""`farm submit`: create a run with its command template and start workers for it, local or Slurm."""

import argparse
import dataclasses
import os
import sys
import urllib.parse
from pathlib import Path

from farmworker import batch_script, readable
from farmworker.client import Refused
from farmworker.farm import local, output, sweeps
from farmworker.farm.session import FarmError, connect
from farmworker.farm_api import FarmApi

DESCRIPTION = """\
Create a run of numbered tasks whose command is COMMAND, with {task} replaced
by the task number (0 to N-1), and start workers for it:
  --local SLOTS               one farmworker agent on this machine, SLOTS tasks
                              at once, detached (it logs to LOG_DIR/RUN/agent.log)
  --nodes M --time HH:MM:SS   a Slurm job with one agent per node (--array K:
                              K such jobs); the agents drain before the time limit
  neither                     only create the run; start workers yourself with
                              farmworker run --run RUN (or farmworker submit)

Sweeps, one task per line of FILE (blank lines are skipped):
  --each-line FILE -- CMD {line}   the line is one argument where {line} stands
  --from-file FILE                 each line is a shell command line (sh -c LINE)
The line is passed as it is: spaces, quotes and $ in it are never re-read by a
shell (except by the sh -c of --from-file, whose job that is).
"""

EPILOG = """\
examples:
  farm submit --local 2 --tasks 20 -- ./simulate.sh --case {task}
  farm submit --nodes 4 --time 02:00:00 --tasks 1000 --max-tries 3 -- ./sim {task}
  farm submit --local 8 --each-line inputs.txt -- ./analyse --file {line}
  farm submit --nodes 1 --time 00:30:00 --from-file commands.txt
"""


def add_parsers(commands, common) -> None:
    parser = commands.add_parser('submit', parents=[common], help='create a run and start workers',
                                  description=DESCRIPTION, epilog=EPILOG,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    what = parser.add_argument_group('the tasks')
    what.add_argument('--tasks', type=int, metavar='N', help='number of tasks (with a sweep: '
                                                             'optional, checked against the lines)')
    what.add_argument('--name', help='a name to tell the run by in lists')
    what.add_argument('--each-line', type=Path, metavar='FILE',
                      help='one task per line of FILE, the line replacing {line} (- : stdin)')
    what.add_argument('--from-file', type=Path, metavar='FILE',
                      help='one task per line of FILE, run as a shell command line (- : stdin)')
    policy = parser.add_argument_group('retries and time')
    policy.add_argument('--max-tries', type=int, metavar='K',
                        help='tries per task before it counts as failed')
    policy.add_argument('--retry-delay', type=float, metavar='SECONDS',
                        help='wait this long before a failed task is tried again')
    policy.add_argument('--timeout', type=float, metavar='SECONDS',
                        help='kill a task that runs longer than this (it fails with a timeout)')
    policy.add_argument('--expected-duration', type=float, metavar='SECONDS',
                        help="a task's usual duration, so agents under Slurm never start one "
                             'that cannot end before the walltime')
    workers = parser.add_argument_group('workers')
    workers.add_argument('--local', type=int, metavar='SLOTS',
                         help='start an agent here that runs SLOTS tasks at once')
    workers.add_argument('--nodes', type=int, metavar='M', help='sbatch a job of M nodes')
    workers.add_argument('--time', metavar='HH:MM:SS', help='walltime of the Slurm job(s)')
    workers.add_argument('--array', type=int, metavar='K', help='a job array of K such jobs')
    workers.add_argument('--cpus', type=int, metavar='N',
                         help='CPUs per node of the Slurm job (default: whole nodes)')
    workers.add_argument('--slots', type=int, metavar='N',
                         help='tasks at once per Slurm agent (default: its CPUs)')
    workers.add_argument('--partition', help='sbatch --partition')
    workers.add_argument('--account', help='sbatch --account')
    workers.add_argument('--log-dir', type=Path, default=Path('farm-logs'),
                         help='agent, task and Slurm logs go here (default %(default)s)')
    parser.add_argument('task_command', nargs=argparse.REMAINDER, metavar='-- COMMAND ...',
                        help='the task command; {task} is the task number, {line} the line')
    parser.set_defaults(handler=run)


@dataclasses.dataclass(frozen=True)
class Plan:
    """What to create, worked out and checked before anything is created."""

    body: dict  # POST /farm/v1/runs
    slurm: batch_script.SubmitOptions | None
    local_slots: int | None
    log_dir: Path


def plan(args, url: str, stdin=sys.stdin) -> Plan:
    """The run to create and the workers to start, from the arguments; FarmError if wrong."""
    command = args.task_command[1:] if args.task_command[:1] == ['--'] else args.task_command
    command, inputs = sweeps.tasks_of(command, args.each_line, args.from_file, stdin)
    body = {'command': command}
    if inputs is not None:
        if args.tasks is not None and args.tasks != len(inputs):
            raise FarmError(f'--tasks {args.tasks} but {len(inputs)} lines: drop --tasks or fix '
                            'the file')
        body['inputs'] = inputs
    elif args.tasks is None:
        raise FarmError('how many tasks? give --tasks N (or a sweep: --each-line / --from-file)')
    if args.tasks is not None:
        if args.tasks < 1:
            raise FarmError('--tasks must be at least 1')
        body['num_tasks'] = args.tasks
    for key, value in (('name', args.name), ('max_tries', args.max_tries),
                       ('retry_delay_s', args.retry_delay), ('task_timeout_s', args.timeout),
                       ('expected_duration_s', args.expected_duration)):
        if value is not None:
            body[key] = value
    log_dir = args.log_dir.expanduser().absolute()
    return Plan(body, _slurm_options(args, command, url, log_dir), _local_slots(args), log_dir)


def _local_slots(args) -> int | None:
    if args.local is None:
        return None
    if args.nodes is not None or args.time is not None or args.array is not None:
        raise FarmError('--local starts workers here; --nodes/--time/--array ask Slurm: pick one')
    if args.local < 1:
        raise FarmError('--local SLOTS must be at least 1')
    return args.local


def _slurm_options(args, command, url, log_dir) -> batch_script.SubmitOptions | None:
    if args.nodes is None and args.time is None and args.array is None:
        stray = [f'--{name}' for name in ('cpus', 'slots', 'partition', 'account')
                 if getattr(args, name) is not None]
        if stray:  # silently ignored, they would leave the user wondering
            raise FarmError(f'{", ".join(stray)}: only for a Slurm job (--nodes/--time)')
        return None
    if args.time is None:
        raise FarmError('a Slurm job needs its walltime: --time HH:MM:SS')
    options = batch_script.SubmitOptions(
        run='0' * 32, command=command, time=args.time, log_dir=str(log_dir),
        nodes=args.nodes or 1, array=args.array, cpus=args.cpus, slots=args.slots, url=url,
        farmworker=batch_script.farmworker_executable(), partition=args.partition,
        account=args.account)
    try:
        batch_script.check(options)  # before the run exists: a typo must not leave one behind
    except batch_script.SubmitError as exc:
        raise FarmError(str(exc)) from None
    return options


def run(args) -> int:
    api = connect()
    the_plan = plan(args, api.url)
    created = api.create_run(the_plan.body)
    workers = start_workers(api, the_plan, created['uuid'])
    facts = {'run': created, 'workers': workers,
             'watch': [f'farm run wait {created["uuid"]}', f'farm run show {created["uuid"]}']}
    if args.json:
        output.print_json(facts)
    else:
        _print(facts)
    return 0


def start_workers(api: FarmApi, the_plan: Plan, run_uuid: str) -> dict | None:
    if the_plan.local_slots is None and the_plan.slurm is None:
        return None
    token = _agent_token(api, run_uuid)
    if the_plan.local_slots is not None:
        try:
            agent = local.start_agent(run_uuid, api.url, token, the_plan.local_slots,
                                      the_plan.log_dir)
        except FarmError as exc:
            raise FarmError(f'run {run_uuid} is created, but no workers: {exc}') from None
        return {'kind': 'local', **agent}
    _warn_if_local_only(api.url)
    options = dataclasses.replace(the_plan.slurm, run=run_uuid)
    the_plan.log_dir.mkdir(parents=True, exist_ok=True)  # sbatch does not create --output's dir
    try:
        job_id = batch_script.submit(options, os.environ, token=token)
    except batch_script.SubmitError as exc:
        raise FarmError(f'run {run_uuid} is created, but no workers: {exc}') from None
    return {'kind': 'slurm', 'job_id': job_id, 'nodes': options.nodes, 'array': options.array,
            'time': options.time, 'output': str(the_plan.log_dir)}


def _warn_if_local_only(url: str) -> None:
    """The job's agents use this very URL: one that names this host only works on one node."""
    host = urllib.parse.urlsplit(url).hostname or ''
    if host == 'localhost' or host.startswith('127.') or host == '::1':
        print(f'farm: note: the agents will call {url}, which compute nodes other than this one '
              'cannot reach; use an address they can (FARM_URL, farm login)', file=sys.stderr)


def _agent_token(api: FarmApi, run_uuid: str) -> str:
    """A worker token bound to this run: an agent (or a job's environment) that leaks it exposes
    one run, not the user's account. A coordinator without /tokens gets the user's own token."""
    try:
        return api.mint_token('worker', run_uuid)['token']
    except Refused as error:
        if error.status not in (404, 405):
            raise
        return api.token


def _print(facts: dict) -> None:
    run, workers = facts['run'], facts['workers']
    out = output.console()
    name = f' "{output.escape(run["name"])}"' if run.get('name') else ''
    command = output.command_line(run.get('command'))
    tasks = readable.counted(run['num_tasks'], 'task')
    out.print(f'Created run [bold]{run["uuid"]}[/]{name}: {tasks} of '
              f'[cyan]{output.escape(command)}[/]')
    if workers is None:
        out.print(f'No workers started: farmworker run --run {run["uuid"]} (or --local / --nodes).')
    elif workers['kind'] == 'local':
        out.print(f'Started a local agent with {readable.counted(workers["slots"], "slot")}: pid '
                  f'{workers["pid"]}, log {workers["log"]}')
    else:
        jobs = f'a job array of {workers["array"]}' if workers['array'] else 'a job'
        out.print(f'Submitted Slurm job {workers["job_id"]} ({jobs}, '
                  f'{readable.counted(workers["nodes"], "node")} each, {workers["time"]}): '
                  f'output in {workers["output"]}')
    out.print(f'Watch it:  {facts["watch"][0]}   (or: {facts["watch"][1]}, farm-tui)')
