"""Queues: queued work by job type and priority, then the runs with waiting tasks."""

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from tui import actions
from tui import format as fmt
from tui.poller import Feed
from tui.screens.base import FarmScreen
from tui.state import State
from tui.widgets.live_table import LiveTable

PAGE = 500
GROUP_COLUMNS = [('priority', 'Priority'), ('type', 'Job type'), ('version', 'Version'),
                 ('state', 'State'), ('queued', 'Queued'), ('ready', 'Ready'),
                 ('oldest', 'Oldest waits')]
GROUP_RIGHT = {'priority', 'queued', 'ready', 'oldest'}
COLUMNS = [('run', 'Run'), ('waiting', 'Waiting'), ('running', 'Running'),
           ('pending', 'Pending for'), ('started', 'First claim'), ('rate', 'Rate'),
           ('eta', 'ETA'), ('tries', 'Max tries'), ('command', 'Command'), ('uuid', 'UUID')]
RIGHT = {'waiting', 'running', 'pending', 'started', 'rate', 'eta', 'tries'}


def group_row(group: dict, now: str) -> tuple:
    job_type = group['job_type']
    return (str(group['priority']), job_type['name'], job_type['version'],
            fmt.state(fmt.job_type_state(job_type)), fmt.number(group['queued']),
            fmt.number(group['available_now']), fmt.age(group['oldest_queued_at'], now))


def group_key(group: dict) -> str:
    return f'{group["job_type"]["id"]}@{group["priority"]}'


def queue_row(run: dict, now: str) -> tuple:
    started = fmt.age(run['started_at'], now) + ' ago' if run['started_at'] else 'not yet'
    command = ' '.join(run['command']) if run.get('command') else fmt.NONE
    return (fmt.run_label(run), fmt.number(run['waiting']),
            fmt.number(run['running']), fmt.age(run['created_at'], now),
            started, fmt.rate(run['rate_per_s']),
            fmt.duration(run['eta_s']), str(run['max_tries']), command[:40],
            fmt.short(run['uuid']))


class QueuesScreen(FarmScreen):
    """GET /farm/v1/queue (every family's work by type and priority) and the active runs,
    keeping those with waiting tasks, oldest first: two requests."""

    SUB_TITLE = 'Queues'
    BINDINGS = [Binding('enter', 'open', 'Open', show=False),
                Binding('P', 'pause', 'Pause/resume type')]
    key = f'runs?state=active&limit={PAGE}'
    queue_key = 'queue'

    def __init__(self):
        super().__init__()
        self.groups: dict[str, dict] = {}

    def compose_body(self) -> ComposeResult:
        yield Static(id='queue-summary', classes='summary')
        yield LiveTable(GROUP_COLUMNS, right=GROUP_RIGHT, id='queue-table')
        yield Static(id='summary', classes='summary section')
        yield LiveTable(COLUMNS, right=RIGHT, id='table')

    def feeds(self) -> list[Feed]:
        return [Feed(self.queue_key, lambda client: client.queue()),
                Feed(self.key, lambda client: client.runs('active', PAGE, 0))]

    def render_state(self, state: State) -> None:
        self._render_groups(state.replies.get(self.queue_key))
        data = state.replies.get(self.key)
        if data is None:
            return
        # the API has no per-task queue age: a run's creation is when its first task was queued
        queued = sorted((run for run in data['runs'] if run['waiting']),
                        key=lambda run: (run['created_at'], run['uuid']))
        self.show_items({run['uuid']: run for run in queued},
                        lambda run: queue_row(run, data['now']))
        waiting = sum(run['waiting'] for run in queued)
        self.query_one('#summary', Static).update(
            f'{fmt.counted(waiting, "task")} waiting in {fmt.counted(len(queued), "run")}'
            ' (longest pending first)'
            + (f'   ·   of the first {PAGE} active runs' if data['total'] > PAGE else '')
            + '   ·   Tab, then Enter: tasks of the run')

    def _render_groups(self, data: dict | None) -> None:
        if data is None:
            return
        self.groups = {group_key(group): group for group in data['queue']}
        self.query_one('#queue-table', LiveTable).sync(
            [(key, group_row(group, data['now'])) for key, group in self.groups.items()])
        total = data['total']
        self.query_one('#queue-summary', Static).update(
            f'{fmt.counted(total["queued"], "task")} queued, {total["available_now"]:,} ready, '
            'by job type and priority, in the order agents get them   ·   P: pause/resume the '
            'type')

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == 'table':
            self.action_open()

    def action_open(self) -> None:
        from tui.screens.run import RunScreen

        if run := self.selected():
            self.app.push_screen(RunScreen(run))

    def action_pause(self) -> None:
        key = self.query_one('#queue-table', LiveTable).cursor_key
        if key in self.groups:
            actions.pause_or_resume_job_type(self.app, self.groups[key]['job_type'])
