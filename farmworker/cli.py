"""`farmworker`: run a coordinator's tasks on this node, and report a task's progress from it."""

import argparse
import logging
import os
import signal
import sys
from pathlib import Path

DESCRIPTION = """\
The farmworker agent: `run` claims tasks of a run from the coordinator, runs each
as COMMAND (or the command stored with the run) with {task} replaced by the task
number and {line} by the task's input line, N at a time, and reports results;
`serve` does the same for the project's work of every family (jobs of job types
and the tasks of open runs). Under Slurm it stops claiming tasks that would
outlive the job. It drains on SIGTERM, SIGINT, SIGHUP or SIGUSR1
(sbatch --signal=B:USR1@SECONDS).
"""

RUN_EPILOG = """exit status:
  0  the run is done, the agent was idle, or it drained: the coordinator has
     every result and its goodbye
  1  the coordinator refused (a wrong token, the run deleted) or could not be
     reached at start, or was away when the agent left; the last line says
     why. No task is left running.
"""

EPILOG = """\
inside a task:
  FARM_TASK, FARM_RUN, FARM_ATTEMPT, FARM_TASK_DIR (scratch) and FARM_SLOTS are set;
  report progress with:  farmworker progress 50 "halfway"

example:
  export FARM_URL=http://login1:8080 FARM_TOKEN=$(cat ~/.farm-token)
  farmworker run --run 3f2a... --slots 8 -- ./simulate.sh --case {task}
  farmworker submit --run 3f2a... --nodes 4 --time 02:00:00 -- ./simulate.sh --case {task}
"""

SERVE_DESCRIPTION = """\
Serve the project's work of every family: queued jobs of job types (Scale v6 and
`farm job-type queue`) and the tasks of open runs, highest priority first, then
oldest, never of a paused or inactive type nor past a type's max_scheduled. A
job type with a plain command runs it with {payload} and {task} (the task id)
replaced, its settings in the environment; a run's task runs the run's stored
command. Walltime, draining and results work as for `farmworker run`.
"""

SERVE_EPILOG = """exit status:
  0  the agent was idle for --max-idle or drained, and the coordinator has every
     result and its goodbye
  1  the coordinator refused or could not be reached at start, or was away when
     the agent left; the last line says why. No task is left running.

example:
  farmworker serve --slots 16 --job-type render --job-type encode
"""

JOB_CLASS_DESCRIPTION = """\
Run one execution of an ndscheduler job: import the class that FARM_PAYLOAD's
job_class_string names (from this Python: PYTHONPATH or an installed package),
call run(*pub_args, **kwargs) and write {"result": ...} to OUTPUT_DIR/outputs.json.
Exit status: 0 succeeded; 1 run() raised (the traceback is on stderr); 3 the class
cannot be imported; 4 the payload is not a job. Serve agents run it; it is rarely
typed by hand.
"""

SUBMIT_DESCRIPTION = """\
Render a Slurm batch script that runs one farmworker agent per node (or one per
job of a job array) and submit it with sbatch; print the job id. Slurm sends the
agents SIGUSR1 a while before the time limit (--signal-lead) so they drain in
time. The coordinator is --url (env FARM_URL), else the URL that
slurm/coordinator.sbatch writes to --url-file. The token reaches the job through
the environment (FARM_TOKEN, exported by sbatch): never in the script, never on
a command line.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog='farmworker', description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest='command', required=True, metavar='COMMAND')
    agent = _agent_options()
    run = commands.add_parser('run', help='work on a run until it is done, idle or drained',
                              parents=[agent], epilog=RUN_EPILOG,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument('--run', required=True, metavar='UUID', help='the run to work on')
    run.add_argument('task_command', nargs=argparse.REMAINDER, metavar='-- COMMAND ...',
                     help='the task command; {task} is replaced by the task number and {line} '
                          "by the task's input line (default: the run's stored command)")
    serve = commands.add_parser('serve', parents=[agent], description=SERVE_DESCRIPTION,
                                help="serve the project's work of every family until idle or "
                                     'drained', epilog=SERVE_EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    serve.add_argument('--job-type', action='append', dest='job_types', metavar='NAME',
                       help='serve only this job type (repeatable; runs are of type '
                            'taskfarm-run unless they name one); default: every type')
    _add_submit(commands)
    progress = commands.add_parser('progress', help="report the running task's progress")
    progress.add_argument('percent', type=float, help='0 to 100')
    progress.add_argument('msg', nargs='?', help='a short message')
    commands.add_parser('job-class', help='run the ndscheduler job class FARM_PAYLOAD names '
                                          '(what serve agents run for ndscheduler jobs)',
                        description=JOB_CLASS_DESCRIPTION,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    return parser


def _agent_options() -> argparse.ArgumentParser:
    """The options `run` and `serve` share: where the coordinator is, and how the agent works."""
    agent = argparse.ArgumentParser(add_help=False)
    agent.add_argument('--url', default=os.environ.get('FARM_URL'),
                       help='coordinator, e.g. http://login1:8080 (env FARM_URL)')
    agent.add_argument('--token', default=os.environ.get('FARM_TOKEN'),
                       help='a worker or user token (env FARM_TOKEN; prefer the variable: '
                            'arguments are visible to other users in ps)')
    agent.add_argument('--slots', type=int, help='tasks at once (default: CPUs of the node or of '
                                                 'the Slurm allocation)')
    agent.add_argument('--max-idle', type=float, default=120.0, metavar='SECONDS',
                       help='leave after this long with nothing to do (default %(default)g)')
    agent.add_argument('--grace', type=float, default=20.0, metavar='SECONDS',
                       help='when draining, how long running tasks may go on before they are '
                            "handed back; keep it below Slurm's KillWait (default %(default)g)")
    agent.add_argument('--connect-timeout', type=float, default=300.0, metavar='SECONDS',
                       help='give up if the coordinator does not answer at start (default '
                            '%(default)g); once working, outages are waited out')
    agent.add_argument('--log-dir', type=Path, default=Path('farm-logs'),
                       help='per-task logs and scratch dirs go under DIR/RUN, or DIR/serve '
                            '(default %(default)s)')
    agent.add_argument('--ready-file', type=Path, metavar='PATH',
                       help='write the worker uuid to PATH once registered: a sign of a working '
                            'agent for whoever started it')
    return agent


def _add_submit(commands) -> None:
    from farmworker.batch_script import DEFAULT_GRACE_S, DEFAULT_URL_FILE

    submit = commands.add_parser('submit', help='sbatch a job that runs agents on a run',
                                 description=SUBMIT_DESCRIPTION,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    submit.add_argument('--run', required=True, metavar='UUID', help='the run to work on')
    submit.add_argument('--time', required=True, metavar='TIME',
                        help='walltime of each job, as sbatch takes it (e.g. 02:00:00)')
    submit.add_argument('--nodes', type=int, default=1, metavar='N',
                        help='nodes per job, one agent on each (default %(default)s)')
    submit.add_argument('--array', type=int, metavar='K',
                        help='submit a job array of K independent jobs')
    submit.add_argument('--cpus', type=int, metavar='N',
                        help='CPUs per node (per array job); default: whole nodes (--exclusive)')
    submit.add_argument('--slots', type=int, metavar='N',
                        help='tasks at once per agent (default: the CPUs it has)')
    submit.add_argument('--grace', type=float, default=DEFAULT_GRACE_S, metavar='SECONDS',
                        help='when draining, how long running tasks may go on before they are '
                             'handed back; shorter than --signal-lead (default %(default)g)')
    submit.add_argument('--signal-lead', type=int, metavar='SECONDS',
                        help='send SIGUSR1 this long before the time limit (default: a third '
                             'of the walltime, at most 120)')
    submit.add_argument('--max-idle', type=float, metavar='SECONDS',
                        help="passed to the agents' --max-idle")
    submit.add_argument('--log-dir', type=Path, default=Path('farm-logs'),
                        help='Slurm output and task logs go here (default %(default)s)')
    submit.add_argument('--url', default=os.environ.get('FARM_URL'),
                        help='coordinator, e.g. http://login1:8080 (env FARM_URL)')
    submit.add_argument('--url-file', default=os.environ.get('FARM_URL_FILE', DEFAULT_URL_FILE),
                        help='without --url, the job reads the URL from this file, as '
                             'coordinator.sbatch writes it (env FARM_URL_FILE; '
                             'default %(default)s)')
    submit.add_argument('--token', default=None,
                        help='a worker or user token (default: env FARM_TOKEN, which is better: '
                             'arguments are visible to other users in ps)')
    submit.add_argument('--job-name', help='default: farm-<first 8 characters of the run>')
    submit.add_argument('--partition', help='sbatch --partition')
    submit.add_argument('--account', help='sbatch --account')
    submit.add_argument('--sbatch-arg', action='append', default=[], metavar='ARG',
                        help='one more sbatch option, e.g. --sbatch-arg=--qos=long (repeatable)')
    submit.add_argument('--srun', action='store_true',
                        help='start the agent as a job step (srun) even on one node, so that '
                             'sstat and accounting see it; several nodes always use srun')
    submit.add_argument('--dry-run', action='store_true',
                        help='print the sbatch command and the script; submit nothing')
    submit.add_argument('task_command', nargs=argparse.REMAINDER, metavar='-- COMMAND ...',
                        help='the task command; {task} is replaced by the task number')


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format='farmworker: %(message)s')
    commands = {'run': _run, 'serve': _run, 'submit': _submit, 'progress': _progress,
                'job-class': _job_class}
    try:
        return commands[args.command](args)
    except _Fatal as fatal:
        print(f'farmworker: {fatal}', file=sys.stderr)
        return 1


class _Fatal(Exception):
    """A problem the user must fix, told in one line."""


def _progress(args) -> int:
    from farmworker.executors import write_progress

    task_dir = os.environ.get('FARM_TASK_DIR')
    if not task_dir:
        raise _Fatal('progress works inside a task run by farmworker (FARM_TASK_DIR is not set)')
    try:
        write_progress(Path(task_dir), args.percent, args.msg)
    except ValueError as exc:
        raise _Fatal(str(exc)) from None
    return 0


def _job_class(args) -> int:
    from farmworker import job_classes

    return job_classes.main(os.environ.get('FARM_PAYLOAD'), os.environ.get('OUTPUT_DIR'))


def _run(args) -> int:
    from farmworker.agent import Agent, NoCommand
    from farmworker.client import Client, Refused, Unreachable
    from farmworker.config import AgentConfig
    from farmworker.executors import SubprocessExecutor
    from farmworker.leaving import reason_for

    run = getattr(args, 'run', None)  # None: serve
    given = getattr(args, 'task_command', [])
    command = given[1:] if given[:1] == ['--'] else given
    if not args.url or not args.token:
        raise _Fatal('the coordinator URL and a token are needed: --url/--token or '
                     'FARM_URL/FARM_TOKEN')
    node = _node()
    slots = args.slots or node.cpus or 1
    if slots < 1:
        raise _Fatal('--slots must be at least 1')
    try:
        client = Client(args.url, args.token)
    except ValueError as exc:
        raise _Fatal(str(exc)) from None
    config = AgentConfig(run=run, command=command or None, slots=slots, log_dir=args.log_dir,
                         max_idle_s=args.max_idle, grace_s=args.grace,
                         connect_timeout_s=args.connect_timeout, ready_file=args.ready_file,
                         job_types=getattr(args, 'job_types', None))
    agent = Agent(config, client, SubprocessExecutor(args.log_dir / (run or 'serve')), node)
    _drain_on_signals(agent)
    try:
        return agent.run()
    except Refused as refused:
        raise _Fatal(reason_for(refused)) from None
    except (Unreachable, NoCommand) as exc:
        raise _Fatal(str(exc)) from None


def _drain_on_signals(agent) -> None:
    """Drain on SIGTERM, SIGUSR1 (Slurm's warning), Ctrl-C, and a hangup unless nohup ignores it.

    Dying of one instead would leave the tasks running: each has a session of its own.
    """
    def drain(number, frame):
        agent.drain(signal.Signals(number).name)

    for signum in (signal.SIGTERM, signal.SIGUSR1, signal.SIGINT):
        signal.signal(signum, drain)
    if signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:
        signal.signal(signal.SIGHUP, drain)


def _submit(args) -> int:
    from farmworker.batch_script import (SubmitError, SubmitOptions, check, dry_run_text,
                                         farmworker_executable, submit)

    command = args.task_command[1:] if args.task_command[:1] == ['--'] else args.task_command
    log_dir = args.log_dir.expanduser().absolute()
    options = SubmitOptions(
        run=args.run, command=command, time=args.time, log_dir=str(log_dir), nodes=args.nodes,
        array=args.array, cpus=args.cpus, slots=args.slots, grace_s=args.grace,
        max_idle_s=args.max_idle, signal_lead_s=args.signal_lead, url=args.url or None,
        url_file=str(Path(args.url_file).expanduser().absolute()),
        farmworker=farmworker_executable(),
        srun=args.srun, job_name=args.job_name, partition=args.partition, account=args.account,
        sbatch_args=args.sbatch_arg)
    try:
        if args.dry_run:
            print(dry_run_text(options), end='')
            return 0
        check(options)
        if not options.url:
            missing = '' if Path(options.url_file).exists() else ' (not there yet: the job waits)'
            print(f'farmworker: no --url: the job reads the coordinator URL from '
                  f'{options.url_file}{missing}', file=sys.stderr)
        log_dir.mkdir(parents=True, exist_ok=True)  # sbatch does not create --output's directory
        job_id = submit(options, os.environ, token=args.token)
    except SubmitError as exc:
        raise _Fatal(str(exc)) from None
    print(job_id)
    print(f'farmworker: submitted job {job_id}; its output goes to {log_dir}', file=sys.stderr)
    return 0


def _node():
    """Where the agent runs: host, CPUs and memory, and the Slurm job with its end, if any."""
    import time

    import psutil

    from farmworker import slurm
    from farmworker.config import Node

    environ = os.environ
    return Node(cpus=slurm.cpus_from_env(environ) or os.cpu_count(),
                memory_bytes=psutil.virtual_memory().total,
                slurm_job_id=slurm.job_id_from_env(environ),
                walltime_end_at=slurm.walltime_end(environ, time.time()))
