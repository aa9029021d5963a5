"""Job types: each version's state, tasks running and queued, how it fared; `P` pauses one."""

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from farmworker import type_status
from tui import actions
from tui import format as fmt
from tui.poller import Feed
from tui.screens.base import FarmScreen
from tui.state import State
from tui.widgets.live_table import LiveTable

FILTERS = ('active', 'all')  # all: inactive (deprecated) versions too
SHOWN = {'active': 'active job type', 'all': 'job type'}  # what the summary counts
WINDOWS_H = (3, 24, 1)  # hours back that done and failed tasks are counted; Scale's default first
COLUMNS = [('name', 'Name'), ('version', 'Version'), ('state', 'State'), ('running', 'Running'),
           ('queued', 'Queued'), ('completed', 'Done'), ('failed', 'Failed'),
           ('categories', 'Failures by category'), ('last', 'Last failure')]
RIGHT = {'running', 'queued', 'completed', 'failed'}


def type_row(row: dict, now: str) -> tuple:
    job_type, counts = row['job_type'], type_status.totals(row)
    failed = Text(fmt.number(counts.failed), fmt.RED if counts.failed else '',
                  justify='right')
    return (job_type['name'], job_type['version'], fmt.state(fmt.job_type_state(job_type)),
            fmt.number(counts.running), fmt.number(counts.queued), fmt.number(counts.completed),
            failed, type_status.categories(counts.failed_by_category),
            type_status.last_failure(row, now))


class JobTypesScreen(FarmScreen):
    """GET /v6/job-types/status/ (every page) each refresh: one request."""

    SUB_TITLE = 'Job types'
    BINDINGS = [
        Binding('f', 'filter', 'Filter'),
        Binding('w', 'window', 'Window'),
        Binding('P', 'pause', 'Pause/resume'),
    ]

    def __init__(self):
        super().__init__()
        self.filter = 'active'
        self.hours = WINDOWS_H[0]

    def compose_body(self) -> ComposeResult:
        yield Static(id='summary', classes='summary')
        yield LiveTable(COLUMNS, right=RIGHT, id='table')

    @property
    def key(self) -> str:
        return f'job-type-status?{self.filter}&hours={self.hours}'

    def feeds(self) -> list[Feed]:
        active, hours = (True if self.filter == 'active' else None), self.hours
        return [Feed(self.key, lambda client: client.job_type_status(active, hours))]

    def render_state(self, state: State) -> None:
        data = state.replies.get(self.key)
        if data is None:
            return
        rows = data['results']
        self.show_items({str(row['job_type']['id']): row for row in rows},
                        lambda row: type_row(row, data['now']))
        types = [row['job_type'] for row in rows]
        paused = sum(1 for job_type in types if fmt.job_type_state(job_type) == 'paused')
        names = len({job_type['name'] for job_type in types})
        # the keys are in the footer; what f and w cycle through is said here
        self.query_one('#summary', Static).update(
            f'{fmt.counted(len(types), SHOWN[self.filter])} ({fmt.counted(names, "name")}), '
            f'{paused:,} paused   ·   done and failed in the '
            f'{type_status.window(data)} (w: 3h/24h/1h)   ·   f: active/all')

    def selected_type(self) -> dict | None:
        row = self.selected()
        return row and row['job_type']

    def action_filter(self) -> None:
        self.filter = FILTERS[(FILTERS.index(self.filter) + 1) % len(FILTERS)]
        self.refetch()

    def action_window(self) -> None:
        self.hours = WINDOWS_H[(WINDOWS_H.index(self.hours) + 1) % len(WINDOWS_H)]
        self.refetch()

    def action_pause(self) -> None:
        if job_type := self.selected_type():
            actions.pause_or_resume_job_type(self.app, job_type)
