"""`farm-tui`: the App (a mode per screen, one state, one poller) and its command line."""

import argparse
import os
import sys
from collections.abc import Callable

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.message import Message

from farmworker.client import NEVER, CoordinatorError
from farmworker.farm import config
from farmworker.farm_api import FarmApi
from tui.poller import Poller, Reply
from tui.screens.allocations import AllocationsScreen
from tui.screens.base import FarmScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.job_types import JobTypesScreen
from tui.screens.overview import OverviewScreen
from tui.screens.queues import QueuesScreen
from tui.screens.runs import RunsScreen
from tui.screens.schedules import SchedulesScreen
from tui.screens.workers import WorkersScreen
from tui.state import State

THEMES = ('textual-dark', 'textual-light')


class Delivered(Message):
    """A reply from the poller thread, posted to the UI thread's queue."""

    def __init__(self, reply: Reply):
        super().__init__()
        self.reply = reply


class FarmApp(App):
    """The dashboard; `client` may be any object with FarmApi's methods (tests pass a fake)."""

    CSS_PATH = 'app.tcss'
    TITLE = 'farm-tui'
    MODES = {'overview': OverviewScreen, 'runs': RunsScreen, 'queues': QueuesScreen,
             'workers': WorkersScreen, 'job-types': JobTypesScreen, 'schedules': SchedulesScreen,
             'allocations': AllocationsScreen}
    DEFAULT_MODE = 'overview'
    BINDINGS = [
        # also in the NavBar: the footer lists the screen's own keys first, so at 80 columns
        # these fall off its end
        Binding('1', "show('overview')", 'Overview'),
        Binding('2', "show('runs')", 'Runs'),
        Binding('3', "show('queues')", 'Queues'),
        Binding('4', "show('workers')", 'Workers'),
        Binding('5', "show('job-types')", 'Job types'),
        Binding('6', "show('schedules')", 'Schedules'),
        Binding('7', "show('allocations')", 'Allocations'),
        Binding('g', 'refresh_now', 'Refresh', show=False),
        Binding('t', 'toggle_theme', 'Theme', show=False),  # in --help and the palette
        Binding('q', 'quit', 'Quit'),
    ]

    def __init__(self, client: FarmApi, interval_s: float = 2.0, theme: str = THEMES[0]):
        super().__init__()
        self.client = client
        self.state = State()
        self.poller = Poller(client, interval_s, self._deliver_from_thread)
        self.theme = theme

    def on_mount(self) -> None:
        self.poller.start()

    def on_unmount(self) -> None:
        self.poller.stop()

    # ---- the poller's side

    def _deliver_from_thread(self, reply: Reply) -> None:
        try:
            self.post_message(Delivered(reply))
        except RuntimeError:  # the event loop is gone: we are exiting
            self.poller.stop()

    def on_delivered(self, message: Delivered) -> None:
        if not self.is_running:
            # Shutting down. Textual's App._shutdown clears is_running, then prunes every screen,
            # and only then sends the Unmount that stops the poller; meanwhile our message loop
            # may still run (under run_test it does), and the top screen, stripped of its
            # widgets but still `is_mounted`, stays on the stack until all are pruned. Drawing a
            # reply on it then raised NoMatches and the app died.
            return
        self.state.apply(message.reply)
        if isinstance(self.screen, FarmScreen):
            self.screen.refresh_view()

    def watch_screen(self, screen: FarmScreen) -> None:
        """`screen` is on top now: draw it from what we have and poll what it needs."""
        self.poller.watch(screen.feeds())
        screen.refresh_view()

    # ---- actions

    def action_show(self, mode: str) -> None:
        """Switch to a screen; asked for the one already shown, go back to its list."""
        if self.current_mode != mode:
            self.switch_mode(mode)
            return
        while len(self.screen_stack) > 1:
            self.pop_screen()

    def action_refresh_now(self) -> None:
        self.poller.wake()

    def action_toggle_theme(self) -> None:
        self.theme = THEMES[1] if self.theme == THEMES[0] else THEMES[0]

    def confirm(self, question: str, choices: list[tuple[str, str, str]],
                act: Callable[[str, FarmApi], str]) -> None:
        """Ask; on a choice run `act(choice, client)` off the UI thread and notify its outcome."""

        def chosen(choice: str | None) -> None:
            if choice is not None:
                self._act(act, choice)

        self.push_screen(ConfirmScreen(question, choices), chosen)

    @work(thread=True, group='actions')
    def _act(self, act: Callable[[str, FarmApi], str], choice: str) -> None:
        try:
            done = act(choice, self.client)
        except CoordinatorError as error:
            self.call_from_thread(self.notify, str(error), title='Failed', severity='error',
                                  timeout=8)
        except Exception as exc:  # noqa: BLE001  an odd reply must not take the dashboard down
            self.call_from_thread(self.notify, f'{type(exc).__name__}: {exc}',
                                  title='Failed (unexpected reply)', severity='error', timeout=8)
        else:
            self.call_from_thread(self.notify, done, title='Done')
        self.poller.wake()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog='farm-tui',
        description='A live terminal dashboard of a task-farm coordinator: runs with progress, '
                    'rate and ETA, queued work, workers, job types. It only talks to the REST '
                    'API, so it runs anywhere the coordinator is reachable.',
        epilog='Keys: 1-7 switch screens, Enter opens, Esc goes back, g refreshes, t switches '
               'the light/dark theme, Ctrl+P opens the command palette, q quits. Each screen '
               'lists its own keys in the footer.')
    parser.add_argument('--url', help='the coordinator (default: $FARM_URL, else the one '
                                      '`farm login URL` stored)')
    parser.add_argument('--token', help='a user token (default: $FARM_TOKEN, else the one '
                                        '`farm login` stored; `farm-coordinator token create '
                                        'USER` makes one too)')
    parser.add_argument('--interval', type=float, default=2.0, metavar='SECONDS',
                        help='seconds between refreshes (default: %(default)s)')
    parser.add_argument('--light', action='store_true', help='start with the light theme')
    args = parser.parse_args(argv)
    try:
        args.url, args.token = login(args.url, args.token)
    except config.ConfigError as error:
        parser.error(f'{error} (or pass --url and --token)')
    if args.interval < 0.2:
        parser.error('--interval must be at least 0.2 seconds')
    return args


def login(url: str | None, token: str | None) -> tuple[str, str]:
    """--url / --token, else FARM_URL / FARM_TOKEN, else what `farm login` stored: read as `farm`
    reads them, the flags standing in for the environment."""
    if url and token:
        return url, token  # a broken config file must not stop an explicit choice
    flags = {name: value for name, value in (('FARM_URL', url), ('FARM_TOKEN', token)) if value}
    settings = config.load({**os.environ, **flags})
    return settings.url, settings.token


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        client = FarmApi(args.url, args.token, retry=NEVER)
    except ValueError as error:
        print(f'farm-tui: {error}', file=sys.stderr)
        return 2
    app = FarmApp(client, args.interval, THEMES[1] if args.light else THEMES[0])
    app.run()
    return app.return_code or 0


if __name__ == '__main__':
    sys.exit(main())
