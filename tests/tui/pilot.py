"""Pilot helpers that wait on events, never on the clock: the test says when the poller polls.

A SteppedApp is the dashboard with its poller thread left out: `refreshed` polls the feeds of
the screen on top once and returns when their replies have been applied and drawn, so a test
knows exactly which replies the screen was drawn from, and no reply arrives behind its back.
"""

import asyncio
from pathlib import Path

from textual.message_pump import MessagePump

from tui import app as tui_app
from tui.app import FarmApp
from tui.poller import Poller
from tui.widgets.live_table import LiveTable


class SteppedPoller(Poller):
    """The poller without its thread: it polls when `refreshed` says so."""

    def start(self) -> None:
        pass


class SteppedApp(FarmApp):
    CSS_PATH = Path(tui_app.__file__).with_name(FarmApp.CSS_PATH)  # else found beside this file

    def __init__(self, client, **kwargs):
        super().__init__(client, **kwargs)
        self.poller = SteppedPoller(client, self.poller.interval_s, self._deliver_from_thread)


async def handled(app: FarmApp, pump: MessagePump) -> None:
    """Until `pump` has handled every message queued so far (or the app has failed)."""
    done = asyncio.Event()
    if not pump.call_later(done.set):
        return  # closed: it will handle nothing more
    # as Pilot does: an exception in a handler ends the app's loop before our callback runs
    waits = [asyncio.create_task(done.wait()), asyncio.create_task(app._exception_event.wait())]
    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for wait in waits:
        wait.cancel()


async def drained(app: FarmApp) -> None:
    """Until the app, then the screen on top (maybe new), have handled what is queued."""
    await handled(app, app)
    await handled(app, app.screen)


async def refreshed(pilot) -> None:
    """One poll of the feeds of the screen on top, its replies applied and drawn."""
    app = pilot.app
    await drained(app)  # keys handled, the screen on top resumed: its feeds are watched
    # in a thread, as the poller delivers: each reply is queued before the thread is done
    await asyncio.to_thread(app.poller.poll_once)
    await drained(app)


async def acted(pilot) -> None:
    """Until the action chosen in a confirmation has run and its outcome is notified."""
    await drained(pilot.app)  # the modal's callback has started the action's worker
    await pilot.app.workers.wait_for_complete()
    await drained(pilot.app)


def cells(app, row_key: str, table: str = '#table') -> list[str]:
    """The plain text of a row of the visible screen's (main) table."""
    return [str(cell) for cell in app.screen.query_one(table, LiveTable).get_row(row_key)]


def table_keys(app, table: str = '#table') -> list[str]:
    return [row.key.value for row in app.screen.query_one(table, LiveTable).ordered_rows]


def lines(text: str) -> dict[str, str]:
    """A card of `label   value` lines as {label: value}."""
    return dict(line.strip().rsplit(None, 1) for line in text.splitlines())
