"""Job types: every version with its state and policy; `P` pauses or resumes the selected one."""

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from tui import actions
from tui import format as fmt
from tui.poller import Feed
from tui.screens.base import FarmScreen
from tui.state import State
from tui.widgets.live_table import LiveTable

FILTERS = ('active', 'all')  # all: inactive (deprecated) versions too
COLUMNS = [('name', 'Name'), ('version', 'Version'), ('state', 'State'),
           ('cap', 'Max running'), ('tries', 'Max tries'), ('title', 'Title')]
RIGHT = {'cap', 'tries'}


def type_row(job_type: dict) -> tuple:
    cap = job_type['max_scheduled']
    return (job_type['name'], job_type['version'], fmt.state(fmt.job_type_state(job_type)),
            fmt.NONE if cap is None else fmt.number(cap), str(job_type['max_tries']),
            job_type['title'] or fmt.NONE)


class JobTypesScreen(FarmScreen):
    """GET /v6/job-types/ (every page) each refresh."""

    SUB_TITLE = 'Job types'
    BINDINGS = [
        Binding('f', 'filter', 'Filter'),
        Binding('P', 'pause', 'Pause/resume'),
    ]

    def __init__(self):
        super().__init__()
        self.filter = 'active'

    def compose_body(self) -> ComposeResult:
        yield Static(id='summary', classes='summary')
        yield LiveTable(COLUMNS, right=RIGHT, id='table')

    @property
    def key(self) -> str:
        return f'job-types?{self.filter}'

    def feeds(self) -> list[Feed]:
        active = True if self.filter == 'active' else None
        return [Feed(self.key, lambda client: client.job_types(is_active=active))]

    def render_state(self, state: State) -> None:
        data = state.replies.get(self.key)
        if data is None:
            return
        types = data['results']
        self.show_items({str(job_type['id']): job_type for job_type in types}, type_row)
        paused = sum(1 for job_type in types if fmt.job_type_state(job_type) == 'paused')
        names = len({job_type['name'] for job_type in types})
        self.query_one('#summary', Static).update(
            f'{self.filter} job types: {fmt.counted(names, "name")}, '
            f'{fmt.counted(len(types), "version")}, {paused:,} paused'
            '   ·   P: pause/resume   f: active/all')

    def action_filter(self) -> None:
        self.filter = FILTERS[(FILTERS.index(self.filter) + 1) % len(FILTERS)]
        self.refetch()

    def action_pause(self) -> None:
        if job_type := self.selected():
            actions.pause_or_resume_job_type(self.app, job_type)
