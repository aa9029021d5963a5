"""The dashboard under Pilot with a fake client: navigation, drill-down, actions, outages."""

import asyncio

from textual.widgets import Button, Static

from tests.tui.canned import UUIDS, FakeClient
from tests.tui.pilot import cells, settled, table_keys, until
from tui.app import FarmApp
from tui.client import BadToken, Unreachable
from tui.screens.confirm import ConfirmScreen
from tui.screens.overview import OverviewScreen
from tui.screens.queues import QueuesScreen
from tui.screens.run import RunScreen
from tui.screens.runs import RunsScreen
from tui.screens.task import TaskScreen
from tui.screens.workers import WorkersScreen


def run_app(scenario, client=None, size=(120, 40)):
    async def main():
        app = FarmApp(client or FakeClient(), interval_s=0.2)
        async with app.run_test(size=size) as pilot:
            await settled(pilot)
            await scenario(pilot, app)

    asyncio.run(main())


def text_of(app, selector) -> str:
    return str(app.screen.query_one(selector, Static).render())


def test_number_keys_switch_between_the_four_screens_each_with_its_data():
    async def scenario(pilot, app):
        assert isinstance(app.screen, OverviewScreen)
        assert '1,430' in text_of(app, '#tasks')
        for key, screen_type, first_row in [('2', RunsScreen, UUIDS[0]),
                                            ('3', QueuesScreen, UUIDS[1]),
                                            ('4', WorkersScreen, 'w-0001-node017')]:
            await pilot.press(key)
            await settled(pilot)
            assert isinstance(app.screen, screen_type)
            # the reply may be in before the table is drawn from it: wait for the row itself
            await until(pilot, lambda: table_keys(app)[:1] == [first_row], what=first_row)
        await pilot.press('1')
        assert isinstance(app.screen, OverviewScreen)

    run_app(scenario)


def test_enter_drills_into_a_run_then_a_task_and_escape_comes_back():
    async def scenario(pilot, app):
        await pilot.press('2')
        await settled(pilot)
        await pilot.press('enter')
        await settled(pilot)
        assert isinstance(app.screen, RunScreen) and app.screen.run['uuid'] == UUIDS[0]
        assert table_keys(app) == ['0', '1', '2', '3', '4']
        await pilot.press('f', 'f', 'f', 'f')  # all -> waiting -> running -> done -> failed
        await until(pilot, lambda: table_keys(app) == ['1'], what='only the failed task')
        await pilot.press('enter')
        await settled(pilot)
        assert isinstance(app.screen, TaskScreen) and app.screen.number == 1
        assert 'ValueError: bad seed' in text_of(app, '#log-text')
        assert 'ALGORITHM' in text_of(app, '#task-fields')
        await pilot.press('escape', 'escape')
        assert isinstance(app.screen, RunsScreen)

    run_app(scenario)


def test_an_eta_beyond_the_workers_walltime_is_marked():
    async def scenario(pilot, app):
        await pilot.press('2')
        await settled(pilot)
        assert cells(app, UUIDS[0])[9] == '23m 08s !'  # 1,388 s to go, walltime ends in 1,000
        assert cells(app, UUIDS[1])[9] == '–'
        await pilot.press('enter')
        await settled(pilot)
        assert '2 workers, walltime 16m 40s left' in text_of(app, '#run-header')

    run_app(scenario)


def test_the_workers_screen_lists_lost_workers_last_with_their_reason():
    async def scenario(pilot, app):
        await pilot.press('4')
        await settled(pilot)
        assert table_keys(app)[-1] == 'w-0004-node009'
        row = cells(app, 'w-0004-node009')
        assert row[2] == 'lost' and row[10] == 'no heartbeat for 120 s'
        assert cells(app, 'w-0002-node018')[8] == '10m 54s'  # walltime left by the server's clock

    run_app(scenario)


def test_restart_asks_first_and_back_does_nothing():
    client = FakeClient()

    async def scenario(pilot, app):
        await pilot.press('2')
        await settled(pilot)
        await pilot.press('R')
        assert isinstance(app.screen, ConfirmScreen)
        assert app.focused.id == 'back'  # a stray Enter does no harm
        await pilot.press('enter')
        assert isinstance(app.screen, RunsScreen)
        await pilot.press('R')
        await pilot.click('#all')
        await until(pilot, lambda: ('restart_run', UUIDS[0], True) in client.calls)
        await until(pilot, lambda: cells(app, UUIDS[0])[7].strip() == '0', what='failed 0')
        assert any('restarted' in n.message for n in app._notifications)

    run_app(scenario, client)


def test_deleting_the_open_run_goes_back_to_runs_where_it_is_gone():
    client = FakeClient()

    async def scenario(pilot, app):
        await pilot.press('2')
        await settled(pilot)
        await pilot.press('down', 'enter')
        await settled(pilot)
        await pilot.press('D')
        await pilot.click('#delete')
        await until(pilot, lambda: isinstance(app.screen, RunsScreen), what='back on runs')
        await until(pilot, lambda: UUIDS[1] not in table_keys(app), what='row removed')

    run_app(scenario, client)


def test_cancelling_a_task_shows_it_cancelled_after_the_next_refresh():
    client = FakeClient()

    async def scenario(pilot, app):
        await pilot.press('2')
        await settled(pilot)
        await pilot.press('enter')
        await settled(pilot)
        await pilot.press('down', 'down', 'c')
        await pilot.click('#cancel')
        await until(pilot, lambda: cells(app, '2')[1] == 'cancelled', what='task 2 cancelled')

    run_app(scenario, client)


class FlakyClient(FakeClient):
    """Fails every call with `error` until `error` is set to None."""

    def __init__(self, error):
        super().__init__()
        self.error = error
        self.failures = 0

    def overview(self):
        if self.error is not None:
            self.failures += 1
            raise self.error
        return super().overview()


def test_an_unreachable_coordinator_is_a_message_not_a_traceback_and_polling_goes_on():
    client = FlakyClient(Unreachable('cannot reach the coordinator at http://x:1: '
                                     'connection refused'))

    async def scenario(pilot, app):
        assert app.screen.query_one('#problem').display
        assert 'connection refused' in text_of(app, '#problem')
        assert 'unreachable' in text_of(app, '#status')
        failures = client.failures
        await until(pilot, lambda: client.failures > failures, what='another try')
        client.error = None
        await until(pilot, lambda: not app.screen.query_one('#problem').display, what='recovery')
        assert '1,430' in text_of(app, '#tasks')

    run_app(scenario, client)


def test_a_wrong_token_says_how_to_get_a_good_one():
    client = FlakyClient(BadToken(401, 'the coordinator refused the token: unknown or expired '
                                       'token (HTTP 401)'))

    async def scenario(pilot, app):
        problem = text_of(app, '#problem')
        assert 'HTTP 401' in problem and 'token create' in problem and '--token' in problem
        assert 'bad-token' in text_of(app, '#status')

    run_app(scenario, client, size=(80, 24))


def test_t_switches_between_the_dark_and_light_themes():
    async def scenario(pilot, app):
        assert app.theme == 'textual-dark'
        await pilot.press('t')
        assert app.theme == 'textual-light'

    run_app(scenario)


def test_the_confirmation_modal_names_the_run():
    async def scenario(pilot, app):
        await pilot.press('2')
        await settled(pilot)
        await pilot.press('D')
        question = str(app.screen.query_one('#question').render())
        assert 'md-sweep' in question and '2,000 tasks' in question
        assert {button.id for button in app.screen.query(Button)} == {'delete', 'back'}

    run_app(scenario)


def test_a_run_deleted_elsewhere_is_said_so_while_the_connection_stays_ok():
    client = FakeClient()

    async def scenario(pilot, app):
        await pilot.press('2')
        await settled(pilot)
        await pilot.press('enter')
        await settled(pilot)
        del client.runs_by_uuid[UUIDS[0]]  # someone else deleted it
        await until(pilot, lambda: 'no longer exists' in text_of(app, '#run-header'),
                    what='the run reported gone')
        assert 'ok' in text_of(app, '#status')
        assert not app.screen.query_one('#problem').display

    run_app(scenario, client)


def test_the_screen_names_in_the_top_line_are_clickable():
    async def scenario(pilot, app):
        line = str(app.screen.query_one('#nav', Static).render())
        await pilot.click('#nav', offset=(line.index('2 Runs') + 2, 0))
        await settled(pilot)
        assert isinstance(app.screen, RunsScreen)

    run_app(scenario)


def test_an_action_the_coordinator_refuses_is_an_error_notification():
    async def scenario(pilot, app):
        await pilot.press('2')
        await settled(pilot)
        await pilot.press('enter')
        await settled(pilot)
        await pilot.press('c')  # task 0 is done already
        await pilot.click('#cancel')
        await until(pilot, lambda: any(n.severity == 'error' for n in app._notifications),
                    what='an error notification')
        [note] = list(app._notifications)
        assert note.message == 'task 0 has already finished (done) (HTTP 409)'

    run_app(scenario)


def test_the_key_of_the_screen_shown_goes_back_to_its_list():
    async def scenario(pilot, app):
        await pilot.press('2')
        await settled(pilot)
        await pilot.press('enter')
        await settled(pilot)
        await pilot.press('enter')
        await settled(pilot)
        assert isinstance(app.screen, TaskScreen)
        await pilot.press('2')
        assert isinstance(app.screen, RunsScreen)

    run_app(scenario)


def test_s_sorts_the_runs_page_without_asking_the_coordinator_and_keeps_the_cursor_row():
    client = FakeClient()

    async def scenario(pilot, app):
        await pilot.press('2', 'f')  # all runs
        await until(pilot, lambda: len(table_keys(app)) == 4, what='all four runs')
        await pilot.press('down')  # the second run
        calls = len(client.calls)
        await pilot.press('s')  # by failed, most first
        assert table_keys(app) == [UUIDS[0], UUIDS[2], UUIDS[1], UUIDS[3]]
        assert app.screen.query_one('LiveTable').cursor_key == UUIDS[1]
        assert len(client.calls) - calls <= 1  # at most the poller's own tick
        assert 'by failed' in text_of(app, '#summary')

    run_app(scenario, client)
