"""Allocations: each allocation queue's limits, jobs pending and running, live agents, and the
allocator's last decision with its reason; `P` pauses or resumes one."""

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from tui import actions
from tui import format as fmt
from tui.poller import Feed
from tui.screens.base import FarmScreen
from tui.state import State
from tui.widgets.live_table import LiveTable

COLUMNS = [('name', 'Queue'), ('state', 'State'), ('pending', 'Pending'),
           ('running', 'Running'), ('max', 'Max jobs'), ('agents', 'Agents'),
           ('shape', 'Each job'), ('decided', 'Decided'), ('decision', 'Last decision')]
RIGHT = {'pending', 'running', 'max', 'agents', 'decided'}


def queue_state(queue: dict, now: str) -> str:
    """paused, backing off (after sbatch failed), or active."""
    if queue['paused']:
        return 'paused'
    left = fmt.seconds_between(now, queue['backoff_until'])
    return 'backing off' if left is not None and left > 0 else 'active'


def shape(queue: dict) -> str:
    """`1 node × 8 slots, 2h 00m`: what each job of the queue asks Slurm for."""
    slots = f'{queue["slots"]} slots' if queue['slots'] else 'all CPUs'
    return f'{fmt.counted(queue["nodes"], "node")} × {slots}, {fmt.duration(queue["walltime_s"])}'


def allocation_row(queue: dict, now: str) -> tuple:
    decided = fmt.age(queue['last_decision_at'], now)
    return (queue['name'], queue_state(queue, now), str(queue['jobs_pending']),
            str(queue['jobs_running']), str(queue['max_jobs']), str(queue['agents']),
            shape(queue), fmt.NONE if decided == fmt.NONE else decided + ' ago',
            queue['last_decision'] or fmt.NONE)


class AllocationsScreen(FarmScreen):
    """GET /farm/v1/allocations each refresh: one request."""

    SUB_TITLE = 'Allocations'
    BINDINGS = [Binding('P', 'pause', 'Pause/resume')]
    key = 'allocations'

    def compose_body(self) -> ComposeResult:
        yield Static(id='summary', classes='summary')
        yield LiveTable(COLUMNS, right=RIGHT, id='table')

    def feeds(self) -> list[Feed]:
        return [Feed(self.key, lambda client: client.allocations())]

    def render_state(self, state: State) -> None:
        data = state.replies.get(self.key)
        if data is None:
            return
        now = data['now']
        queues = data['allocations']
        self.show_items({queue['name']: queue for queue in queues},
                        lambda queue: allocation_row(queue, now))
        jobs = sum(queue['jobs_pending'] + queue['jobs_running'] for queue in queues)
        agents = sum(queue['agents'] for queue in queues)
        self.query_one('#summary', Static).update(
            f'{fmt.counted(len(queues), "allocation queue")}, {fmt.counted(jobs, "job")} '
            f'pending or running, {fmt.counted(agents, "agent")}   ·   the coordinator starts '
            'agents on Slurm for waiting work   ·   P: pause/resume')

    def action_pause(self) -> None:
        if queue := self.selected():
            actions.pause_or_resume_allocation(self.app, queue)
