"""Runs: one row per run with counts, a progress bar, rate and ETA; Enter opens the run's tasks."""

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from tui import actions
from tui import format as fmt
from tui.poller import Feed
from tui.screens.base import FarmScreen
from tui.state import State
from tui.widgets.live_table import LiveTable

FILTERS = ('active', 'all', 'finished')
# how `s` orders the page (the server sends newest first); ties keep the server's order
SORTS = {
    'newest': None,
    'failed': lambda run: -run['failed'],
    'progress': lambda run: run['percent_done'],
    'eta': lambda run: -(run['eta_s'] or 0),
    'name': lambda run: (run['name'] or '~', run['uuid']),
}
PAGE = 500
COLUMNS = [('run', 'Run'), ('state', 'State'), ('progress', 'Progress'), ('tasks', 'Tasks'),
           ('waiting', 'Waiting'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed'),
           ('rate', 'Rate'), ('eta', 'ETA'), ('age', 'Age'), ('uuid', 'UUID')]
RIGHT = {'tasks', 'waiting', 'running', 'done', 'failed', 'rate', 'eta', 'age'}


def run_row(run: dict, now: str) -> tuple:
    counts = [fmt.number(run[key])
              for key in ('num_tasks', 'waiting', 'running', 'done', 'failed')]
    return (fmt.run_label(run), fmt.state(run['state']), fmt.progress_bar(run), *counts,
            fmt.rate(run['rate_per_s']), fmt.eta(run),
            fmt.age(run['created_at'], now), fmt.short(run['uuid']))


class RunsScreen(FarmScreen):
    """GET /farm/v1/runs, one request per refresh, a page of PAGE runs at a time."""

    SUB_TITLE = 'Runs'
    BINDINGS = [
        Binding('enter', 'open', 'Open', show=False),
        Binding('f', 'filter', 'Filter'),
        Binding('s', 'sort', 'Sort'),
        Binding('n', 'page(1)', 'Page', key_display='n/p'),
        Binding('p', 'page(-1)', 'Previous page', show=False),
        Binding('R', 'restart', 'Restart'),
        Binding('x', 'cancel_run', 'Cancel run'),
        Binding('D', 'delete', 'Delete'),
    ]

    def __init__(self):
        super().__init__()
        self.filter = 'active'
        self.sort = 'newest'
        self.first = 0

    def compose_body(self) -> ComposeResult:
        yield Static(id='summary', classes='summary')
        yield LiveTable(COLUMNS, right=RIGHT, id='table')

    @property
    def key(self) -> str:
        return f'runs?state={self.filter}&offset={self.first}'

    def feeds(self) -> list[Feed]:
        state, offset = self.filter, self.first
        return [Feed(self.key, lambda client: client.runs(state, PAGE, offset))]

    def render_state(self, state: State) -> None:
        data = state.replies.get(self.key)
        if data is None:
            return
        runs = data['runs']
        if SORTS[self.sort] is not None:
            runs = sorted(runs, key=SORTS[self.sort])
        self.show_items({run['uuid']: run for run in runs}, lambda run: run_row(run, data['now']))
        first = self.first + 1 if runs else 0
        self.query_one('#summary', Static).update(
            f'{self.filter} runs {first:,}–{self.first + len(runs):,} of {data["total"]:,}, '
            f'by {self.sort}   ·   Enter: tasks of the run   f: active/all/finished   s: sort')

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        from tui.screens.run import RunScreen

        run = self.selected()
        if run is not None:
            self.app.push_screen(RunScreen(run))

    def action_filter(self) -> None:
        self.filter = FILTERS[(FILTERS.index(self.filter) + 1) % len(FILTERS)]
        self.first = 0
        self.refetch()

    def action_sort(self) -> None:
        names = list(SORTS)
        self.sort = names[(names.index(self.sort) + 1) % len(names)]
        self.render_state(self.app.state)  # same data, another order: no request needed

    def action_page(self, step: int) -> None:
        data = self.reply(self.key)
        total = data['total'] if data else 0
        offset = self.first + step * PAGE
        if 0 <= offset < max(total, 1):
            self.first = offset
            self.refetch()

    def action_restart(self) -> None:
        if run := self.selected():
            actions.restart_run(self.app, run)

    def action_cancel_run(self) -> None:
        if run := self.selected():
            actions.cancel_run(self.app, run)

    def action_delete(self) -> None:
        if run := self.selected():
            actions.delete_run(self.app, run)
