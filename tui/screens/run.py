"""Run: one run's header and its tasks, a page at a time, filtered by status; Enter opens a task."""

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from tui import actions
from tui import format as fmt
from tui.poller import Feed
from tui.screens.base import FarmScreen
from tui.state import State
from tui.widgets.live_table import LiveTable

STATUSES = (None, 'waiting', 'running', 'done', 'failed', 'cancelled')
PAGE = 100
COLUMNS = [('number', 'Task'), ('status', 'Status'), ('attempt', 'Attempt'),
           ('failed_tries', 'Failed tries'), ('host', 'Worker'), ('percent', '%'),
           ('started', 'Started'), ('duration', 'Duration'), ('exit', 'Exit'), ('msg', 'Message')]
RIGHT = {'number', 'attempt', 'failed_tries', 'percent', 'started', 'duration', 'exit'}


def task_row(task: dict, now: str) -> tuple:
    started = fmt.age(task['started_at'], now) + ' ago' if task['started_at'] else fmt.NONE
    return (str(task['number']), fmt.state(task['status']),
            str(task['attempt']), str(task['failed_tries']),
            task['hostname'] or fmt.short(task['worker']), fmt.number(task['percent']),
            started, fmt.duration(task['duration_s']),
            fmt.NONE if task['exit_code'] is None else str(task['exit_code']),
            (task['msg'] or '')[:60])


def run_header(run: dict) -> Text:
    text = Text()
    text.append(fmt.run_label(run), 'bold')
    text.append(f'  {run["uuid"]}  ', 'dim')
    text.append_text(fmt.state(run['state']))
    text.append('\n')
    text.append_text(fmt.progress_bar(run, width=30))
    text.append(f'   {run["done"]:,} done · {run["failed"]:,} failed · {run["running"]:,} running'
                f' · {run["waiting"]:,} waiting · {run.get("cancelled", 0):,} cancelled'
                f' of {run["num_tasks"]:,}')
    text.append(f'\nrate {fmt.rate(run["rate_per_s"])} · ETA {fmt.eta(run)}'
                f' · {fmt.workers(run)} · max tries {run["max_tries"]}')
    if run.get('command'):
        text.append(' · command: ' + ' '.join(run['command']), 'dim')
    return text


class RunScreen(FarmScreen):
    """GET the run and one page of its tasks each refresh (two requests)."""

    SUB_TITLE = 'Run'
    BINDINGS = [
        Binding('escape', 'app.pop_screen', 'Back'),
        Binding('f', 'filter', 'Filter'),
        Binding('n', 'page(1)', 'Page', key_display='n/p'),
        Binding('p', 'page(-1)', 'Previous page', show=False),
        Binding('c', 'cancel_task', 'Cancel task'),
        Binding('R', 'restart', 'Restart'),
        Binding('x', 'cancel_run', 'Cancel run'),
        Binding('D', 'delete', 'Delete'),
    ]

    def __init__(self, run: dict):
        super().__init__()
        self.run = run
        self.status: str | None = None
        self.cursors = [-1]  # `after` of each page seen, so "previous" can go back

    def compose_body(self) -> ComposeResult:
        yield Static(id='run-header', classes='summary')
        yield Static(id='summary', classes='summary')
        yield LiveTable(COLUMNS, right=RIGHT, id='table')

    @property
    def run_key(self) -> str:
        return f'run/{self.run["uuid"]}'

    @property
    def tasks_key(self) -> str:
        return f'tasks/{self.run["uuid"]}?status={self.status}&after={self.cursors[-1]}'

    def where(self) -> str:
        return f'run {fmt.run_label(self.run)}'

    def feeds(self) -> list[Feed]:
        uuid, status, after = self.run['uuid'], self.status, self.cursors[-1]
        return [Feed(self.run_key, lambda client: client.run(uuid)),
                Feed(self.tasks_key, lambda client: client.tasks(uuid, status, after, PAGE))]

    def render_state(self, state: State) -> None:
        if state.gone(self.run_key):
            self.query_one('#run-header', Static).update(Text(
                f'Run {fmt.run_label(self.run)} ({self.run["uuid"]}) no longer exists: it was '
                'deleted. Esc goes back.', f'bold {fmt.RED}'))
            return
        self.run = state.replies.get(self.run_key, self.run)
        self.query_one('#run-header', Static).update(run_header(self.run))
        data = state.replies.get(self.tasks_key)
        if data is None:
            return
        self.show_items({str(task['number']): task for task in data['tasks']},
                        lambda task: task_row(task, data['now']))
        more = 'more after' if data['next_after'] is not None else 'last page'
        self.query_one('#summary', Static).update(
            f'{self.status or "all"} tasks · page {len(self.cursors)} ({more})   ·   '
            f'Enter: task detail and log   f: status filter')

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        from tui.screens.task import TaskScreen

        if task := self.selected():
            self.app.push_screen(TaskScreen(self.run, task['number']))

    def action_filter(self) -> None:
        self.status = STATUSES[(STATUSES.index(self.status) + 1) % len(STATUSES)]
        self.cursors = [-1]
        self.refetch()

    def action_page(self, step: int) -> None:
        data = self.reply(self.tasks_key)
        if step > 0 and data and data['next_after'] is not None:
            self.cursors.append(data['next_after'])
        elif step < 0 and len(self.cursors) > 1:
            self.cursors.pop()
        else:
            return
        self.refetch()

    def action_cancel_task(self) -> None:
        if task := self.selected():
            actions.cancel_task(self.app, self.run, task['number'])

    def action_restart(self) -> None:
        actions.restart_run(self.app, self.run)

    def action_cancel_run(self) -> None:
        actions.cancel_run(self.app, self.run)

    def action_delete(self) -> None:
        actions.delete_run(self.app, self.run, then=self.dismiss_if_on_top)

    def dismiss_if_on_top(self) -> None:
        if self.app.screen is self:
            self.app.pop_screen()
