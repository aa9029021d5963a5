"""Queues: runs with work waiting for a worker, the longest pending first."""

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from tui import format as fmt
from tui.poller import Feed
from tui.screens.base import FarmScreen
from tui.state import State
from tui.widgets.live_table import LiveTable

PAGE = 500
COLUMNS = [('run', 'Run'), ('waiting', 'Waiting'), ('running', 'Running'),
           ('pending', 'Pending for'), ('started', 'First claim'), ('rate', 'Rate'),
           ('eta', 'ETA'), ('tries', 'Max tries'), ('command', 'Command'), ('uuid', 'UUID')]
RIGHT = {'waiting', 'running', 'pending', 'started', 'rate', 'eta', 'tries'}


def queue_row(run: dict, now: str) -> tuple:
    started = fmt.age(run['started_at'], now) + ' ago' if run['started_at'] else 'not yet'
    command = ' '.join(run['command']) if run.get('command') else fmt.NONE
    return (fmt.run_label(run), fmt.number(run['waiting']),
            fmt.number(run['running']), fmt.age(run['created_at'], now),
            started, fmt.rate(run['rate_per_s']),
            fmt.duration(run['eta_s']), str(run['max_tries']), command[:40],
            fmt.short(run['uuid']))


class QueuesScreen(FarmScreen):
    """The active runs (one request), keeping those with waiting tasks, oldest first."""

    SUB_TITLE = 'Queues'
    BINDINGS = [Binding('enter', 'open', 'Open', show=False)]
    key = f'runs?state=active&limit={PAGE}'

    def compose_body(self) -> ComposeResult:
        yield Static(id='summary', classes='summary')
        yield LiveTable(COLUMNS, right=RIGHT, id='table')

    def feeds(self) -> list[Feed]:
        return [Feed(self.key, lambda client: client.runs('active', PAGE, 0))]

    def render_state(self, state: State) -> None:
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
            + '   ·   Enter: tasks of the run')

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        from tui.screens.run import RunScreen

        if run := self.selected():
            self.app.push_screen(RunScreen(run))
