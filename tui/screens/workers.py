"""Workers: every agent with its host, slots, heartbeat age, load, memory, Slurm job (and the
allocation queue that submitted it) and tasks."""

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from tui import format as fmt
from tui.poller import Feed
from tui.screens.base import FarmScreen
from tui.state import State
from tui.widgets.live_table import LiveTable

FILTERS = ('all', 'alive', 'lost')
PAGE = 500
STATE_ORDER = {'busy': 0, 'idle': 1, 'draining': 2, 'lost': 3, 'stopped': 4}
COLUMNS = [('host', 'Host'), ('pid', 'PID'), ('state', 'State'), ('slots', 'Slots'),
           ('heartbeat', 'Heartbeat'), ('load', 'Load'), ('memory', 'Memory'),
           ('slurm', 'Slurm job'), ('allocation', 'Allocation'), ('walltime', 'Walltime left'),
           ('tasks', 'Tasks'),
           ('reason', 'Reason'), ('uuid', 'UUID')]
RIGHT = {'pid', 'slots', 'heartbeat', 'load', 'memory', 'walltime'}


def tasks_cell(tasks: list[dict]) -> str:
    """`a1b2c3d4: 3 7 12 +5`: the run of its first task and up to three task numbers;
    queued work (no run) shows as `queued: #41 #42`, by task id."""
    if not tasks:
        return fmt.NONE
    runs = {task['run'] for task in tasks}
    numbers = ' '.join(str(task['number']) if task['run'] else f'#{task["id"]}'
                       for task in tasks[:3])
    extra = f' +{len(tasks) - 3}' if len(tasks) > 3 else ''
    others = f' (+{fmt.counted(len(runs) - 1, "run")})' if len(runs) > 1 else ''
    where = (fmt.short(tasks[0]['run']) if tasks[0]['run'] else 'queued') + others
    return f'{where}: {numbers}{extra}'


def worker_row(worker: dict, now: str) -> tuple:
    alive = worker['state'] in ('idle', 'busy', 'draining')
    walltime = fmt.NONE
    if worker['walltime_end_at'] and alive:
        walltime = fmt.duration(fmt.seconds_between(now, worker['walltime_end_at']))
    return (worker['hostname'], str(worker['pid']), fmt.state(worker['state']),
            f'{len(worker["tasks"])}/{worker["slots"]}',
            fmt.age(worker['last_heartbeat_at'], now),
            fmt.number(worker['load'], 2), fmt.size(worker['memory_bytes']),
            worker['slurm_job_id'] or fmt.NONE, worker.get('allocation') or fmt.NONE, walltime,
            tasks_cell(worker['tasks']),
            worker['reason'] or '', fmt.short(worker['uuid']))


class WorkersScreen(FarmScreen):
    """GET /farm/v1/workers, one request per refresh; alive workers first, lost ones last."""

    SUB_TITLE = 'Workers'
    BINDINGS = [Binding('f', 'filter', 'Filter')]

    def __init__(self):
        super().__init__()
        self.filter = 'all'

    def compose_body(self) -> ComposeResult:
        yield Static(id='summary', classes='summary')
        yield LiveTable(COLUMNS, right=RIGHT, id='table')

    @property
    def key(self) -> str:
        return f'workers?state={self.filter}'

    def feeds(self) -> list[Feed]:
        state = self.filter
        return [Feed(self.key, lambda client: client.workers(state, PAGE, 0))]

    def render_state(self, state: State) -> None:
        data = state.replies.get(self.key)
        if data is None:
            return
        workers = sorted(data['workers'], key=lambda w: (STATE_ORDER.get(w['state'], 9),
                                                         w['hostname'], w['pid'], w['uuid']))
        self.show_items({w['uuid']: w for w in workers}, lambda w: worker_row(w, data['now']))
        alive = sum(1 for w in workers if w['state'] in ('idle', 'busy', 'draining'))
        slots = sum(w['slots'] for w in workers if w['state'] in ('idle', 'busy', 'draining'))
        shown = f'{len(workers):,} of {data["total"]:,}' if data['total'] > len(workers) else (
            f'{len(workers):,}')
        self.query_one('#summary', Static).update(
            f'{self.filter} workers: {shown}   ·   {alive:,} alive with '
            f'{fmt.counted(slots, "slot")}   ·   f: all/alive/lost')

    def action_filter(self) -> None:
        self.filter = FILTERS[(FILTERS.index(self.filter) + 1) % len(FILTERS)]
        self.refetch()
