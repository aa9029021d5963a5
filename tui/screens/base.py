"""FarmScreen: the frame all dashboard screens share (nav line, problem panel, status bar, footer).

A screen declares the requests it needs (`feeds`) and draws itself from the
app's state (`render_state`); it never fetches anything itself.
"""

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer

from tui.poller import Feed
from tui.state import State
from tui.widgets.live_table import LiveTable
from tui.widgets.nav import NavBar
from tui.widgets.problem import ProblemPanel
from tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from tui.app import FarmApp


class FarmScreen(Screen):
    """Subclasses provide `compose_body`, `feeds` and `render_state`."""

    app: 'FarmApp'

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.items: dict[str, dict] = {}  # what each row of the screen's table stands for

    def compose(self) -> ComposeResult:
        yield NavBar(id='nav')
        yield ProblemPanel(id='problem')
        with Vertical(id='body'):
            yield from self.compose_body()
        yield StatusBar(id='status')
        yield Footer(compact=True, show_command_palette=False)

    def compose_body(self) -> ComposeResult:
        yield from ()

    def feeds(self) -> list[Feed]:
        return []

    def render_state(self, state: State) -> None:
        """Draw from the state; called after every reply while this screen is on top."""

    def on_screen_resume(self) -> None:
        self.app.watch_screen(self)

    def where(self) -> str:
        """Where in the screen's mode we are, beyond its name (e.g. the open run)."""
        return ''

    def refresh_view(self) -> None:
        if not self.is_mounted:
            # pushed or switched to but not composed yet; Textual turns is_mounted on once our
            # on_mount handlers have returned, and then handles the ScreenResume that was queued
            # behind them, which draws what arrived meanwhile (see on_screen_resume)
            return
        state = self.app.state
        self.query_one(NavBar).show(self.app.current_mode, self.where())
        self.query_one(StatusBar).show(state.connection, self.app.client.url,
                                       self.app.poller.interval_s)
        self.query_one(ProblemPanel).show(state.connection)
        self.render_state(state)

    def show_items(self, items: dict[str, dict], row) -> None:
        """Fill the screen's main table (#table) with a row per item (cells from `row(item)`),
        keyed as `items` is."""
        self.items = items
        self.query_one('#table', LiveTable).sync([(key, row(item))
                                                  for key, item in items.items()])

    def selected(self) -> dict | None:
        """The item under the main table's cursor, if any."""
        key = self.query_one('#table', LiveTable).cursor_key
        return self.items.get(key) if key else None

    def reply(self, key: str) -> dict | None:
        return self.app.state.replies.get(key)

    def refetch(self) -> None:
        """Our request changed (filter, page): poll the new one now."""
        self.app.watch_screen(self)
