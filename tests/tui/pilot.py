"""Pilot helpers: wait for the visible screen's data instead of sleeping a guessed time."""

import asyncio

from tui.screens.base import FarmScreen


async def settled(pilot, timeout_s: float = 10.0) -> None:
    """Until every feed of the screen on top has a reply (or an error), then one more repaint."""
    app = pilot.app
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        screen = app.screen
        if not isinstance(screen, FarmScreen):
            break  # a modal: nothing to fetch
        keys = [feed.key for feed in screen.feeds()]
        if all(key in app.state.replies or key in app.state.errors for key in keys):
            break
        if loop.time() > deadline:
            raise AssertionError(f'no data for {screen} in {timeout_s} s')
        await pilot.pause(0.02)
    await pilot.pause()


async def until(pilot, predicate, timeout_s: float = 15.0, what: str = 'condition') -> None:
    """Until `predicate()` holds, letting the app run meanwhile."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f'{what} not reached in {timeout_s} s')
        await pilot.pause(0.05)


def cells(app, row_key: str) -> list[str]:
    """The plain text of a row of the visible screen's table."""
    from tui.widgets.live_table import LiveTable

    return [str(cell) for cell in app.screen.query_one(LiveTable).get_row(row_key)]


def table_keys(app) -> list[str]:
    from tui.widgets.live_table import LiveTable

    return [row.key.value for row in app.screen.query_one(LiveTable).ordered_rows]
