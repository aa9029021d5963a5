"""`farm alloc add|list|show|pause|resume|remove`: allocation queues, where the coordinator starts
agents on Slurm for the work that waits."""

import argparse

from farmworker import readable
from farmworker.farm import output
from farmworker.farm.session import FarmError, connect
from farmworker.slurm import parse_duration

DESCRIPTION = """\
Allocation queues let the coordinator start farmworker agents on Slurm by itself:
every few seconds it compares the work that waits (tasks it may start now, whose
expected duration fits the walltime) with the agents of each queue, alive and
queued, and submits `farmworker serve` jobs through sbatch, never more than
--max-jobs queued and running at once. Agents leave after --idle-timeout with
nothing to do; pending jobs no longer needed are cancelled.
"""
ADD_EPILOG = """\
example:
  farm alloc add cpu --time 02:00:00 --max-jobs 8
  farm alloc add gpu --time 1-00:00:00 --max-jobs 2 --nodes 1 --slots 4 \\
      --serves train -- --partition=gpu --gres=gpu:4
"""
STEER = {'pause': ('submit no more jobs (those submitted go on)', {'paused': True}),
         'resume': ('submit jobs again, at once (a backoff is forgotten)', {'paused': False})}


def add_parsers(commands, common) -> None:
    parser = commands.add_parser('alloc', help='allocation queues: agents on Slurm that follow '
                                               'the waiting work',
                                 description=DESCRIPTION,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = parser.add_subparsers(dest='action', required=True, metavar='ACTION')
    add = actions.add_parser('add', parents=[common], help='add a queue', epilog=ADD_EPILOG,
                             usage='%(prog)s NAME --time TIME --max-jobs N [options] '
                                   '[-- SBATCH_ARGS ...]',
                             description='Add an allocation queue to your project.',
                             formatter_class=argparse.RawDescriptionHelpFormatter)
    add.add_argument('name', metavar='NAME', help='what to call it (letters, digits, _.-)')
    add.add_argument('--time', required=True, metavar='TIME',
                     help='walltime of each job, as sbatch takes it (e.g. 02:00:00)')
    add.add_argument('--max-jobs', type=int, required=True, metavar='N',
                     help='the most jobs queued and running at once')
    add.add_argument('--nodes', type=int, default=1, metavar='N',
                     help='nodes per job, one agent on each (default %(default)s)')
    add.add_argument('--slots', type=int, metavar='N',
                     help='tasks at once per agent (default: the CPUs Slurm gives it)')
    add.add_argument('--idle-timeout', type=float, default=300.0, metavar='SECONDS',
                     help='agents leave after this long with nothing to do (default %(default)g)')
    for flag in ('partition', 'account', 'qos'):
        add.add_argument(f'--{flag}', help=f'sbatch --{flag}')
    add.add_argument('--serves', nargs='+', metavar='TYPE', help='serve only these job types '
                     '(default: the work of every family)')
    add.add_argument('--run', dest='runs', action='append', metavar='UUID',
                     help="serve this run, whose tasks are then this queue's alone (repeatable)")
    # not a REMAINDER positional: after NAME it would swallow the options too (split_sbatch_args)
    add.set_defaults(handler=add_queue, sbatch_args=[])
    listing = actions.add_parser('list', parents=[common], help='the queues, their jobs and '
                                 "the allocator's last decision",
                                 description='List the allocation queues of your project.')
    listing.set_defaults(handler=list_queues)
    show = actions.add_parser('show', parents=[common], help='one queue and its Slurm jobs',
                              description='One queue: its settings, its last decision and its '
                                          'Slurm jobs, newest first.')
    show.add_argument('name', metavar='NAME')
    show.set_defaults(handler=show_queue)
    for action, (text, _) in STEER.items():
        steer = actions.add_parser(action, parents=[common], help=text,
                                   description=text[0].upper() + text[1:] + '.')
        steer.add_argument('name', metavar='NAME')
        steer.set_defaults(handler=steer_queue)
    remove = actions.add_parser('remove', parents=[common], help='remove a queue; its pending '
                                'jobs are cancelled, running ones end when their agents leave',
                                description='Remove a queue.')
    remove.add_argument('name', metavar='NAME')
    remove.set_defaults(handler=remove_queue)


def split_sbatch_args(argv: list[str]) -> tuple[list[str], list[str] | None]:
    """`farm alloc add ... -- SBATCH_ARGS`: the arguments before --, and those after it."""
    if argv[:2] != ['alloc', 'add'] or '--' not in argv:
        return argv, None
    cut = argv.index('--')
    return argv[:cut], argv[cut + 1:]


def add_queue(args) -> int:
    walltime_s = parse_duration(args.time)
    if not walltime_s:
        raise FarmError(f'--time {args.time!r} is not a finite walltime '
                        '(MM, MM:SS, HH:MM:SS or D-HH:MM:SS)')
    extra = args.sbatch_args
    queue = {'name': args.name, 'walltime_s': int(walltime_s), 'max_jobs': args.max_jobs,
             'nodes': args.nodes, 'slots': args.slots, 'idle_timeout_s': args.idle_timeout,
             'partition': args.partition, 'account': args.account, 'qos': args.qos,
             'sbatch_args': extra, 'job_types': args.serves, 'runs': args.runs}
    added = connect().add_allocation(queue)
    if args.json:
        output.print_json(added)
    else:
        output.console().print(f'allocation queue {output.escape(args.name)} added: up to '
                               f'{readable.counted(added["max_jobs"], "job")} of '
                               f'{_shape(added)}, for {_serves(added)}')
    return 0


def list_queues(args) -> int:
    reply = connect().allocations()
    if args.json:
        output.print_json(reply)
        return 0
    out = output.console()
    if not reply['allocations']:
        out.print('No allocation queues (farm alloc add NAME --time T --max-jobs N adds one).')
        return 0
    grid = output.table('NAME', 'STATE', 'JOBS', 'PENDING', 'RUNNING', 'AGENTS', 'SHAPE',
                        'LAST DECISION')
    for row in reply['allocations']:
        grid.add_row(output.escape(row['name']), 'paused' if row['paused'] else 'active',
                     str(row['max_jobs']), str(row['jobs_pending']), str(row['jobs_running']),
                     str(row['agents']), _shape(row),
                     output.escape(row['last_decision'] or readable.NONE))
    out.print(grid)
    return 0


def show_queue(args) -> int:
    api = connect()
    queue, jobs = api.allocation(args.name), api.allocation_jobs(args.name)['jobs']
    if args.json:
        output.print_json({**queue, 'jobs': jobs})
        return 0
    out = output.console()
    grid = output.table('', '')
    grid.show_header = False
    for label, value in (
            ('state', 'paused' if queue['paused'] else 'active'), ('jobs', _shape(queue)),
            ('at most', readable.counted(queue['max_jobs'], 'job')),
            ('idle timeout', readable.duration(queue['idle_timeout_s'])),
            ('serves', _serves(queue)),
            ('sbatch', ' '.join(_sbatch_words(queue)) or readable.NONE),
            ('pending / running', f'{queue["jobs_pending"]} / {queue["jobs_running"]}'),
            ('agents', str(queue['agents'])),
            ('last decision', queue['last_decision'] or readable.NONE),
            ('decided', readable.local_time(queue['last_decision_at']))):
        grid.add_row(label, output.escape(value))
    out.print(f'Allocation queue [bold]{output.escape(queue["name"])}[/]')
    out.print(grid)
    if jobs:
        table = output.table('SLURM JOB', 'STATE', 'SUBMITTED', 'REASON')
        for job in jobs:
            table.add_row(job['slurm_job_id'], output.styled(job['state']),
                          readable.local_time(job['submitted_at']),
                          output.escape(job['reason'] or readable.NONE))
        out.print(table)
    return 0


def steer_queue(args) -> int:
    changed = connect().change_allocation(args.name, STEER[args.action][1])
    if args.json:
        output.print_json(changed)
    else:
        done = 'paused: no more jobs are submitted' if changed['paused'] else 'resumed'
        output.console().print(f'allocation queue {output.escape(args.name)} {done}')
    return 0


def remove_queue(args) -> int:
    removed = connect().remove_allocation(args.name)
    if args.json:
        output.print_json(removed)
        return 0
    out = output.console()
    cancelled = removed['cancelled_jobs']
    out.print(f'allocation queue {output.escape(args.name)} removed'
              + (f'; pending job(s) {" ".join(cancelled)} cancelled' if cancelled else ''))
    if removed['cancel_error']:
        raise FarmError(f'the pending jobs may still start: {removed["cancel_error"]}')
    return 0


def _shape(queue: dict) -> str:
    slots = f'{queue["slots"]} slots' if queue['slots'] else 'all CPUs'
    return (f'{readable.counted(queue["nodes"], "node")} × {slots}, '
            f'{readable.duration(queue["walltime_s"])}')


def _serves(queue: dict) -> str:
    parts = [f'job types {" ".join(queue["job_types"])}'] if queue['job_types'] else []
    parts += [f'runs {" ".join(readable.short(run) for run in queue["runs"])}'] \
        if queue['runs'] else []
    return ', '.join(parts) or 'the work of every family'


def _sbatch_words(queue: dict) -> list[str]:
    return [*(f'--{flag}={queue[flag]}' for flag in ('partition', 'account', 'qos')
              if queue[flag]), *queue['sbatch_args']]
