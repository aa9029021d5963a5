"""`farm workers`: the agents the coordinator knows, alive or lost, with load and walltime left."""

from farmworker import readable
from farmworker.farm import output
from farmworker.farm.session import FarmError, connect

LEFT = ('stopped', 'lost')  # gone from their node, or given up for gone: no walltime to spend


def add_parsers(commands, common) -> None:
    parser = commands.add_parser('workers', parents=[common], help='list workers (agents)',
                                 description='List the farmworker agents: state, slots in use, '
                                             'load, last heartbeat, Slurm job and walltime left.')
    parser.add_argument('--state', choices=('alive', 'lost', 'all'), default='alive',
                        help='alive: idle, busy or draining (default); lost: lost or stopped')
    parser.add_argument('--limit', type=int, default=100, help='at most this many (default 100)')
    parser.set_defaults(handler=list_workers)


def list_workers(args) -> int:
    if args.limit < 1:
        raise FarmError('--limit must be at least 1')
    reply = connect().workers(state=args.state, limit=args.limit)
    now = reply['now']

    def row(worker):
        if worker is None:
            return ('WORKER', 'HOST', 'STATE', 'BUSY', 'SLOTS', 'LOAD', 'HEARTBEAT', 'SLURM JOB',
                    'WALLTIME LEFT', 'RUNS')
        state = output.styled(worker['state'])
        if worker.get('reason'):
            state += f' ({output.escape(worker["reason"])})'
        load = worker.get('load')
        runs = sorted({readable.short(task['run']) if task['run'] else 'queued'
                       for task in worker.get('tasks') or ()})
        walltime_left = (readable.NONE if worker['state'] in LEFT else
                         readable.until(worker.get('walltime_end_at'), now))
        none = readable.NONE
        return (readable.short(worker['uuid']), output.escape(worker.get('hostname') or none),
                state, str(len(worker.get('tasks') or ())), str(worker.get('slots') or none),
                none if load is None else f'{load:.2f}',
                output.ago(worker.get('last_heartbeat_at'), now),
                worker.get('slurm_job_id') or none, walltime_left, ' '.join(runs) or none)

    output.print_listing(args, reply, 'workers', 'farm workers', row)
    return 0
