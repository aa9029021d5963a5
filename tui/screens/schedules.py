"""Schedules: every family's, when each fires next and how its last firing went; `P` pauses
one, `R` runs one now."""

import collections

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from farmworker import schedule_rows
from tui import actions
from tui import format as fmt
from tui.poller import Feed
from tui.screens.base import FarmScreen
from tui.state import State
from tui.widgets.live_table import LiveTable

COLUMNS = [('name', 'Name'), ('family', 'Family'), ('type', 'Job type'), ('when', 'When'),
           ('next', 'Next'), ('last', 'Last fired'), ('state', 'Last state'), ('runs', 'Runs'),
           ('id', 'Id')]
RIGHT = {'runs'}


def schedule_row(row: dict, now: str) -> tuple:
    last = fmt.age(row['last_fire_at'], now)
    return (row['name'] or fmt.NONE, row['family'], row['job_type'] or fmt.NONE,
            schedule_rows.when(row), schedule_rows.next_fire(row, now),
            fmt.NONE if last == fmt.NONE else last + ' ago', fmt.state(row['last_state']),
            fmt.number(row['run_count']), fmt.short(row['id']))


class SchedulesScreen(FarmScreen):
    """GET /farm/v1/schedules each refresh: one request."""

    SUB_TITLE = 'Schedules'
    BINDINGS = [Binding('P', 'pause', 'Pause/resume'), Binding('R', 'run_now', 'Run now')]
    key = 'schedules'

    def compose_body(self) -> ComposeResult:
        yield Static(id='summary', classes='summary')
        yield LiveTable(COLUMNS, right=RIGHT, id='table')

    def feeds(self) -> list[Feed]:
        return [Feed(self.key, lambda client: client.schedules())]

    def render_state(self, state: State) -> None:
        data = state.replies.get(self.key)
        if data is None:
            return
        rows = data['schedules']
        self.show_items({row['id']: row for row in rows},
                        lambda row: schedule_row(row, data['now']))
        idle = collections.Counter(schedule_rows.state(row) for row in rows)
        del idle['scheduled']
        counts = ''.join(f', {count:,} {name}' for name, count in sorted(idle.items()))
        self.query_one('#summary', Static).update(
            f'{fmt.counted(len(rows), "schedule")}{counts}   ·   the next to fire '
            'first   ·   P: pause/resume   ·   R: run now')

    def action_pause(self) -> None:
        if row := self.selected():
            actions.pause_or_resume_schedule(self.app, row)

    def action_run_now(self) -> None:
        if row := self.selected():
            actions.run_schedule_now(self.app, row)
