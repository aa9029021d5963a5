"""Overview: tasks by state, throughput and its sparkline, runs, workers, oldest wait, failures."""

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Label, Sparkline, Static

from tui import format as fmt
from tui.poller import Feed
from tui.screens.base import FarmScreen
from tui.state import State

TASK_STATES = ('waiting', 'running', 'done', 'failed', 'cancelled')


def _lines(pairs: list[tuple[str, str, str]]) -> Text:
    """Label / value lines with the value right-aligned in a fixed width."""
    text = Text()
    for index, (label, value, style) in enumerate(pairs):
        if index:
            text.append('\n')
        text.append(f'{label:<11}', 'dim')
        text.append(f'{value:>10}', style)
    return text


class OverviewScreen(FarmScreen):
    """Everything at a glance, from one request (GET /farm/v1/overview)."""

    SUB_TITLE = 'Overview'

    def compose_body(self) -> ComposeResult:
        with Grid(id='cards'):
            yield Static(id='tasks', classes='card')
            yield Static(id='runs', classes='card')
            yield Static(id='workers', classes='card')
            yield Static(id='rate', classes='card')
            yield Static(id='oldest', classes='card')
            yield Static(id='failures', classes='card')
        # the chart takes the rest of the height: a glance at a big terminal shows the trend
        with Vertical(id='history', classes='card'):
            yield Sparkline([], id='sparkline')
            with Horizontal(id='spark-axis'):
                yield Label('30 min ago')
                yield Label('now', id='spark-now')

    def on_mount(self) -> None:
        titles = {'tasks': 'Tasks', 'runs': 'Runs', 'workers': 'Workers',
                  'rate': 'Throughput', 'oldest': 'Oldest waiting run',
                  'failures': 'Failures', 'history': 'Completions per minute'}
        for widget_id, title in titles.items():
            self.query_one(f'#{widget_id}').border_title = title

    def feeds(self) -> list[Feed]:
        return [Feed('overview', lambda client: client.overview())]

    def render_state(self, state: State) -> None:
        data = state.replies.get('overview')
        if data is None:
            return
        tasks = data['tasks']
        total = sum(tasks.get(name, 0) for name in TASK_STATES)
        self.query_one('#tasks', Static).update(_lines(
            [(name, fmt.number(tasks.get(name, 0)), fmt.STATE_STYLES[name] if name != 'cancelled'
              else fmt.PURPLE) for name in TASK_STATES] + [('total', fmt.number(total), 'bold')]))
        runs = data['runs']
        self.query_one('#runs', Static).update(_lines(
            [('active', fmt.number(runs['active']), fmt.ORANGE),
             ('finished', fmt.number(runs['finished']), fmt.GREEN),
             ('total', fmt.number(runs['total']), 'bold')]))
        workers = data['workers']
        alive = sum(workers.get(name, 0) for name in ('idle', 'busy', 'draining'))
        lost = sum(workers.get(name, 0) for name in ('lost', 'stopped'))
        self.query_one('#workers', Static).update(_lines(
            [('alive', fmt.number(alive), f'bold {fmt.GREEN}'),
             ('  busy', fmt.number(workers.get('busy', 0)), fmt.GREEN),
             ('  idle', fmt.number(workers.get('idle', 0)), fmt.TEAL),
             ('  draining', fmt.number(workers.get('draining', 0)), fmt.ORANGE),
             ('lost', fmt.number(workers.get('lost', 0)), f'bold {fmt.RED}' if lost else ''),
             ('stopped', fmt.number(workers.get('stopped', 0)), 'dim')]))
        per_minute = data.get('done_per_minute') or []
        self.query_one('#rate', Static).update(_lines(
            [('now', fmt.rate(data.get('rate_per_s')), 'bold'),
             ('last min', fmt.number(per_minute[-1] if per_minute else 0), ''),
             ('30 min', fmt.number(sum(per_minute)), '')]))
        self.query_one('#sparkline', Sparkline).data = per_minute or [0]
        self.query_one('#history').border_subtitle = f'peak {max(per_minute, default=0):,}/min'

        self.query_one('#oldest', Static).update(self._oldest(data))
        failed = data.get('failed_last_hour', 0)
        self.query_one('#failures', Static).update(_lines(
            [('last hour', fmt.number(failed), f'bold {fmt.RED}' if failed else fmt.GREEN),
             ('failed', fmt.number(tasks.get('failed', 0)), fmt.RED if tasks.get('failed') else ''),
             ('cancelled', fmt.number(tasks.get('cancelled', 0)), '')]))

    @staticmethod
    def _oldest(data: dict) -> Text:
        oldest = data.get('oldest_waiting')
        if not oldest:
            return Text('nothing is waiting', fmt.GREEN)
        return _lines([('run', oldest.get('name') or fmt.short(oldest['run']), 'bold'),
                       ('uuid', fmt.short(oldest['run']), ''),
                       ('waiting', fmt.age(oldest.get('since'), data['now']), fmt.ORANGE)])
