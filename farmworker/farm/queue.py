"""`farm queue`: what waits to be handed out, by job type and priority, work of every kind."""

from farmworker import readable
from farmworker.farm import output
from farmworker.farm.session import connect

DESCRIPTION = """\
List the work waiting for an agent, grouped by job type and priority, the
highest priority first (the order agents are given it). A run's tasks wait
under its job type (taskfarm-run unless the run named one) at priority 0.
READY counts the tasks not waiting out a delay (a retry delay, or one they
were queued with); those of a paused or inactive type wait all the same,
until it is resumed: `farm job-type resume NAME VERSION`.
"""


def add_parsers(commands, common) -> None:
    parser = commands.add_parser('queue', parents=[common],
                                 help='queued work by job type and priority',
                                 description=DESCRIPTION)
    parser.set_defaults(handler=show_queue)


def show_queue(args) -> int:
    reply = connect().queue()
    if args.json:
        output.print_json(reply)
        return 0
    out = output.console()
    if not reply['queue']:
        out.print('Nothing is queued.')
        return 0
    total = reply['total']
    grid = output.table('PRIORITY', 'JOB TYPE', 'VERSION', 'STATE', 'QUEUED', 'READY',
                        'OLDEST', title=f'{readable.counted(total["queued"], "task")} queued, '
                                        f'{total["available_now"]:,} ready')
    for group in reply['queue']:
        job_type = group['job_type']
        grid.add_row(str(group['priority']), output.escape(job_type['name']),
                     output.escape(job_type['version']),
                     output.styled(readable.job_type_state(job_type)),
                     readable.number(group['queued']), readable.number(group['available_now']),
                     output.ago(group['oldest_queued_at'], reply['now']))
    out.print(grid)
    return 0
