"""Task: one task's fields, why it waits if it does, its failure category, and its log tail."""

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui import actions
from tui import format as fmt
from tui.poller import Feed
from tui.screens.base import FarmScreen
from tui.state import State


def waiting_line(waiting: dict | None) -> str | None:
    """Why a waiting task is not handed out (GET .../explain), in one line; None if not waiting."""
    if not waiting or not waiting['waiting']:
        return None
    if waiting['reasons']:
        return '; '.join(waiting['reasons'])
    if waiting['ahead']:
        return f'in line: {fmt.counted(waiting["ahead"], "task")} of its type go first'
    return 'in line for a free slot'


def task_fields(task: dict, now: str, waiting: dict | None = None) -> Text:
    why = waiting_line(waiting)
    pairs = [
        ('status', fmt.state(task['status'])),
        *([('waiting', Text(why, fmt.ORANGE))] if why else []),
        ('attempt', f'{task["attempt"]} '
                    f'({fmt.counted(task["failed_tries"], "failed try", "failed tries")})'),
        ('worker', f'{task["hostname"] or fmt.NONE}  {task["worker"] or ""}'),
        ('progress', fmt.NONE if task['percent'] is None else f'{task["percent"]:g}%'),
        ('started', f'{fmt.clock(task["started_at"])}  ({fmt.age(task["started_at"], now)} ago)'
                    if task['started_at'] else fmt.NONE),
        ('ended', fmt.clock(task['ended_at'])),
        ('duration', fmt.duration(task['duration_s'])),
        ('exit code', fmt.NONE if task['exit_code'] is None else str(task['exit_code'])),
        ('category', task.get('error_category') or fmt.NONE),
        ('message', task['msg'] or fmt.NONE),
        ('input', task['input'] if task['input'] is not None else fmt.NONE),
    ]
    text = Text()
    for index, (label, value) in enumerate(pairs):
        text.append(('\n' if index else '') + f'{label:<10} ', 'dim')
        text.append_text(value if isinstance(value, Text) else Text(value))
    return text


class TaskScreen(FarmScreen):
    """GET /farm/v1/runs/{uuid}/tasks/{number} each refresh."""

    SUB_TITLE = 'Task'
    BINDINGS = [
        Binding('escape', 'app.pop_screen', 'Back'),
        Binding('c', 'cancel_task', 'Cancel task'),
    ]

    def __init__(self, run: dict, number: int):
        super().__init__()
        self.run = run
        self.number = number

    def compose_body(self) -> ComposeResult:
        yield Static(id='task-fields', classes='card')
        with VerticalScroll(id='log'):
            yield Static(id='log-text')

    def on_mount(self) -> None:
        self.query_one('#task-fields').border_title = (
            f'Task {self.number} of {fmt.run_label(self.run)}')
        self.query_one('#log').border_title = 'Log tail'

    @property
    def key(self) -> str:
        return f'task/{self.run["uuid"]}/{self.number}'

    @property
    def explain_key(self) -> str:
        return f'explain/{self.run["uuid"]}/{self.number}'

    def where(self) -> str:
        return f'run {fmt.run_label(self.run)} › task {self.number}'

    def feeds(self) -> list[Feed]:
        uuid, number = self.run['uuid'], self.number
        return [Feed(self.key, lambda client: client.task(uuid, number)),
                Feed(self.explain_key, lambda client: client.explain(uuid, number))]

    def render_state(self, state: State) -> None:
        if state.gone(self.key):
            self.query_one('#task-fields', Static).update(Text(
                f'Task {self.number} of run {fmt.run_label(self.run)} no longer exists '
                '(the run was deleted). Esc goes back.', f'bold {fmt.RED}'))
            return
        task = state.replies.get(self.key)
        if task is None:
            return
        now = task.get('now') or state.connection.server_now or task['started_at'] or ''
        self.query_one('#task-fields', Static).update(
            task_fields(task, now, state.replies.get(self.explain_key)))
        log = self.query_one('#log', VerticalScroll)
        at_end = log.scroll_y >= log.max_scroll_y
        self.query_one('#log-text', Static).update(Text(task['log_tail'] or _no_log(task)))
        if at_end:  # follow the log like `tail -f`, unless the user scrolled up to read
            log.call_after_refresh(log.scroll_end, animate=False)

    def action_cancel_task(self) -> None:
        actions.cancel_task(self.app, self.run, self.number)


def _no_log(task: dict) -> str:
    """What an empty log panel says: a finished task wrote nothing; others may not have yet."""
    if task['status'] in ('done', 'failed'):
        return '(the task wrote no output)'
    if task['status'] == 'running':
        return '(the log tail arrives with progress reports and the result)'
    if task['status'] == 'cancelled':
        return '(no log: the task was cancelled)'
    return '(no log: the task has not run yet)'
