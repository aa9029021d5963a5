"""The dashboard under Pilot with a fake client: navigation, drill-down, actions, outages."""

import asyncio

import pytest
from textual.widgets import Button, Static

from farmworker.client import Refused, Unreachable
from tests.tui.canned import LOG_TAIL, OVERVIEW, RUNS, UUIDS, FakeClient
from tests.tui.pilot import SteppedApp, acted, cells, drained, lines, refreshed, table_keys
from tui.app import Delivered, FarmApp
from tui.poller import Reply
from tui.screens.confirm import ConfirmScreen
from tui.screens.overview import OverviewScreen
from tui.screens.queues import QueuesScreen
from tui.screens.run import RunScreen
from tui.screens.runs import RunsScreen
from tui.screens.task import TaskScreen
from tui.screens.workers import WorkersScreen

URL = FakeClient.url
TASKS_CARD = {'waiting': '1,430', 'running': '24', 'done': '1,192', 'failed': '20',
              'cancelled': '2', 'total': '2,668'}
OK_STATUS = f' ● ok  {URL}  · data of 17:20:05 UTC · every 0.2s   t theme · ctrl+p commands'


def run_app(scenario, client=None, size=(120, 40)):
    async def main():
        app = SteppedApp(client or FakeClient(), interval_s=0.2)
        async with app.run_test(size=size) as pilot:
            await refreshed(pilot)
            await scenario(pilot, app)

    asyncio.run(main())


def text_of(app, selector) -> str:
    return str(app.screen.query_one(selector, Static).render())


class OverviewHeldAtShutdown(OverviewScreen):
    async def on_unmount(self) -> None:
        # the app's shutdown has stripped us of our widgets, and we stay on top of the stack
        # until every screen is: a reply now, and the shutdown held until the app handles it
        self.app.post_message(self.app.late_reply)
        await self.app.handling_late_reply.wait()


class HeldAtShutdownApp(SteppedApp):
    MODES = {**FarmApp.MODES, 'overview': OverviewHeldAtShutdown}

    def __init__(self, client):
        super().__init__(client)
        self.late_reply = Delivered(Reply('overview', data=OVERVIEW))
        self.handling_late_reply = asyncio.Event()

    def hook(self, message) -> None:
        """run_test's message hook, called as a pump starts to handle a message: the app runs
        on_delivered to its end before it yields, so the screen resumes only after that."""
        if message is self.late_reply:
            self.handling_late_reply.set()


def test_a_reply_that_arrives_while_the_dashboard_shuts_down_does_not_crash_it():
    async def main():
        app = HeldAtShutdownApp(FakeClient())
        async with app.run_test(message_hook=app.hook) as pilot:
            await refreshed(pilot)
        assert app.handling_late_reply.is_set()  # the reply did come in during the shutdown

    asyncio.run(main())  # raised NoMatches: No nodes match 'NavBar' on OverviewHeldAtShutdown()


def test_a_reply_that_arrives_while_a_screen_is_composed_is_drawn_once_it_is():
    screen = RunScreen(RUNS[0])
    composed = {}  # by feed key: whether the screen was composed when the app handled its reply

    def hook(message):
        if isinstance(message, Delivered):
            composed[message.reply.key] = screen.is_mounted

    async def main():
        app = SteppedApp(FakeClient())
        async with app.run_test(message_hook=hook) as pilot:
            await refreshed(pilot)
            app.push_screen(screen)
            for feed in screen.feeds():  # queued at once, before the screen is composed
                app.post_message(Delivered(app.poller.fetch(feed)))
            await drained(app)
            assert composed[screen.run_key] is False
            assert table_keys(app) == ['0', '1', '2', '3', '4']
            assert text_of(app, '#run-header').splitlines()[0] == f'md-sweep  {UUIDS[0]}  running'

    asyncio.run(main())


def test_number_keys_switch_between_the_four_screens_each_with_its_data():
    async def scenario(pilot, app):
        assert isinstance(app.screen, OverviewScreen)
        assert lines(text_of(app, '#tasks')) == TASKS_CARD
        for key, screen_type, first_row in [('2', RunsScreen, UUIDS[0]),
                                            ('3', QueuesScreen, UUIDS[1]),
                                            ('4', WorkersScreen, 'w-0001-node017')]:
            await pilot.press(key)
            await refreshed(pilot)
            assert isinstance(app.screen, screen_type)
            assert table_keys(app)[0] == first_row
        await pilot.press('1')
        assert isinstance(app.screen, OverviewScreen)

    run_app(scenario)


def test_enter_drills_into_a_run_then_a_task_and_escape_comes_back():
    async def scenario(pilot, app):
        await pilot.press('2')
        await refreshed(pilot)
        await pilot.press('enter')
        await refreshed(pilot)
        assert isinstance(app.screen, RunScreen) and app.screen.run['uuid'] == UUIDS[0]
        assert table_keys(app) == ['0', '1', '2', '3', '4']
        await pilot.press('f', 'f', 'f', 'f')  # all -> waiting -> running -> done -> failed
        await refreshed(pilot)
        assert table_keys(app) == ['1']
        await pilot.press('enter')
        await refreshed(pilot)
        assert isinstance(app.screen, TaskScreen) and app.screen.number == 1
        assert text_of(app, '#log-text') == LOG_TAIL
        assert 'category   ALGORITHM' in text_of(app, '#task-fields').splitlines()
        await pilot.press('escape', 'escape')
        assert isinstance(app.screen, RunsScreen)

    run_app(scenario)


def test_a_waiting_tasks_screen_says_why_it_waits_and_others_do_not():
    async def scenario(pilot, app):
        await pilot.press('2')
        await refreshed(pilot)
        await pilot.press('enter')
        await refreshed(pilot)
        await pilot.press('f')  # all -> waiting
        await refreshed(pilot)
        await pilot.press('enter')
        await refreshed(pilot)
        assert isinstance(app.screen, TaskScreen) and app.screen.number == 4
        lines = text_of(app, '#task-fields').splitlines()
        assert lines[1] == (f'waiting    no live agent works on run {UUIDS[0]} or serves job '
                            'type taskfarm-run')
        await pilot.press('escape')
        await refreshed(pilot)
        await pilot.press('f')  # waiting -> running
        await refreshed(pilot)
        await pilot.press('enter')
        await refreshed(pilot)
        assert app.screen.number == 2
        assert not any(line.startswith('waiting') for line in
                       text_of(app, '#task-fields').splitlines())

    run_app(scenario)


def test_an_eta_beyond_the_workers_walltime_is_marked():
    async def scenario(pilot, app):
        await pilot.press('2')
        await refreshed(pilot)
        assert cells(app, UUIDS[0])[9] == '23m 08s !'  # 1,388 s to go, walltime ends in 1,000
        assert cells(app, UUIDS[1])[9] == '-'
        await pilot.press('enter')
        await refreshed(pilot)
        assert text_of(app, '#run-header').splitlines()[2] == (
            'rate 51.0/min · ETA 23m 08s ! · 2 workers, walltime 16m 40s left · max tries 3'
            ' · command: python sim.py --seed {task}')

    run_app(scenario)


def test_the_workers_screen_lists_lost_workers_last_with_their_reason():
    async def scenario(pilot, app):
        await pilot.press('4')
        await refreshed(pilot)
        assert table_keys(app)[-1] == 'w-0004-node009'
        row = cells(app, 'w-0004-node009')
        assert row[2] == 'lost' and row[11] == 'no heartbeat for 120 s'
        assert row[9] == '-'  # its job's walltime has not run out, but it has left
        assert cells(app, 'w-0002-node018')[9] == '10m 54s'  # walltime left by the server's clock

    run_app(scenario)


def test_a_worker_holding_tasks_of_two_runs_names_the_other_as_one_run():
    async def scenario(pilot, app):
        await pilot.press('4')
        await refreshed(pilot)
        assert cells(app, 'w-0002-node018')[10] == f'{UUIDS[3][:8]} (+1 run): 40 807'

    run_app(scenario)


class OneOfEachClient(FakeClient):
    """One run with waiting tasks, one worker with one slot."""

    def __init__(self):
        super().__init__()
        self.runs_by_uuid = {UUIDS[1]: self.runs_by_uuid[UUIDS[1]]}

    def workers(self, state='all', limit=100, offset=0):
        reply = super().workers(state, limit, offset)
        reply['workers'] = [{**reply['workers'][2], 'slots': 1}]
        reply['total'] = 1
        return reply


def test_counts_of_one_are_singular():
    async def scenario(pilot, app):
        await pilot.press('3')
        await refreshed(pilot)
        assert text_of(app, '#summary') == (
            '240 tasks waiting in 1 run (longest pending first)   ·   Tab, then Enter: tasks of '
            'the run')
        await pilot.press('4')
        await refreshed(pilot)
        assert text_of(app, '#summary') == (
            'all workers: 1   ·   1 alive with 1 slot   ·   f: all/alive/lost')

    run_app(scenario, OneOfEachClient())


def test_restart_asks_first_and_back_does_nothing():
    client = FakeClient()

    async def scenario(pilot, app):
        await pilot.press('2')
        await refreshed(pilot)
        await pilot.press('R')
        assert isinstance(app.screen, ConfirmScreen)
        assert app.focused.id == 'back'  # a stray Enter does no harm
        await pilot.press('enter')
        assert isinstance(app.screen, RunsScreen)
        await pilot.press('R')
        await pilot.click('#all')
        await acted(pilot)
        assert [call for call in client.calls if call[0] == 'restart_run'] == [
            ('restart_run', UUIDS[0], True)]
        assert [n.message for n in app._notifications] == [
            'run md-sweep restarted: 1,194 tasks waiting']
        await refreshed(pilot)
        assert cells(app, UUIDS[0])[7] == '0'  # failed

    run_app(scenario, client)


def test_deleting_the_open_run_goes_back_to_runs_where_it_is_gone():
    client = FakeClient()

    async def scenario(pilot, app):
        await pilot.press('2')
        await refreshed(pilot)
        await pilot.press('down', 'enter')
        await refreshed(pilot)
        await pilot.press('D')
        await pilot.click('#delete')
        await acted(pilot)
        assert isinstance(app.screen, RunsScreen)
        await refreshed(pilot)
        assert table_keys(app) == [UUIDS[0], UUIDS[3]]  # the active runs left

    run_app(scenario, client)


def test_cancelling_a_task_shows_it_cancelled_after_the_next_refresh():
    client = FakeClient()

    async def scenario(pilot, app):
        await pilot.press('2')
        await refreshed(pilot)
        await pilot.press('enter')
        await refreshed(pilot)
        await pilot.press('down', 'down', 'c')
        await pilot.click('#cancel')
        await acted(pilot)
        assert cells(app, '2')[1] == 'running'  # until the next refresh
        await refreshed(pilot)
        assert cells(app, '2')[1] == 'cancelled'

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


@pytest.mark.parametrize('error, kind, problem', [
    (Unreachable('cannot reach the coordinator at http://x:1: connection refused'), 'unreachable',
     'cannot reach the coordinator at http://x:1: connection refused\n'
     'Is `farm-coordinator serve` running there? Point farm-tui at it with --url, FARM_URL or '
     '`farm login URL`.'),
    # what a coordinator answers while its database is down (coordinator/api/errors.py)
    (Refused(503, 'database unavailable, retry shortly'), 'unavailable',
     'database unavailable, retry shortly (HTTP 503)\n'
     'The coordinator runs but cannot use its database (stopped, restarting or out of reach); '
     'it serves again by itself once the database is back.')],
    ids=['unreachable', 'database-down'])
def test_a_coordinator_out_of_service_is_a_message_not_a_traceback_and_the_dashboard_recovers(
        error, kind, problem):
    client = FlakyClient(error)

    async def scenario(pilot, app):
        assert app.screen.query_one('#problem').display
        assert text_of(app, '#problem') == (
            f'{problem} Retrying; the data below (if any) is the last that arrived.')
        assert text_of(app, '#status') == (
            f' ✖ {kind}  {URL}  · retrying   t theme · ctrl+p commands')
        await refreshed(pilot)
        assert client.failures == 2  # it keeps polling
        client.error = None
        await refreshed(pilot)
        assert not app.screen.query_one('#problem').display
        assert text_of(app, '#status') == OK_STATUS
        assert lines(text_of(app, '#tasks')) == TASKS_CARD

    run_app(scenario, client)


def test_a_wrong_token_says_how_to_get_a_good_one():
    client = FlakyClient(Refused(401, 'unknown or expired token'))

    async def scenario(pilot, app):
        assert text_of(app, '#problem') == (
            'unknown or expired token (HTTP 401)\n'
            'Run `farm login URL` for a new token, or create one with `farm-coordinator token '
            'create USER` and pass it with --token or FARM_TOKEN. Retrying; the data below (if '
            'any) is the last that arrived.')
        assert text_of(app, '#status') == (
            f' ✖ bad-token  {URL}  · retrying   t theme · ctrl+p commands')

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
        await refreshed(pilot)
        await pilot.press('D')
        assert str(app.screen.query_one('#question').render()) == (
            f'Delete run md-sweep ({UUIDS[0][:8]}) and all its 2,000 tasks?\n'
            'This cannot be undone.')
        assert {button.id for button in app.screen.query(Button)} == {'delete', 'back'}

    run_app(scenario)


def test_a_run_deleted_elsewhere_is_said_so_while_the_connection_stays_ok():
    client = FakeClient()

    async def scenario(pilot, app):
        await pilot.press('2')
        await refreshed(pilot)
        await pilot.press('enter')
        await refreshed(pilot)
        del client.runs_by_uuid[UUIDS[0]]  # someone else deleted it
        await refreshed(pilot)
        assert text_of(app, '#run-header') == (
            f'Run md-sweep ({UUIDS[0]}) no longer exists: it was deleted. Esc goes back.')
        assert text_of(app, '#status') == OK_STATUS
        assert not app.screen.query_one('#problem').display

    run_app(scenario, client)


def test_the_screen_names_in_the_top_line_are_clickable():
    async def scenario(pilot, app):
        line = str(app.screen.query_one('#nav', Static).render())
        await pilot.click('#nav', offset=(line.index('2 Runs') + 2, 0))
        assert isinstance(app.screen, RunsScreen)

    run_app(scenario)


def test_an_action_the_coordinator_refuses_is_an_error_notification():
    async def scenario(pilot, app):
        await pilot.press('2')
        await refreshed(pilot)
        await pilot.press('enter')
        await refreshed(pilot)
        await pilot.press('c')  # task 0 is done already
        await pilot.click('#cancel')
        await acted(pilot)
        [note] = list(app._notifications)
        assert (note.severity, note.title, note.message) == (
            'error', 'Failed', 'task 0 has already finished (done) (HTTP 409)')

    run_app(scenario)


def test_the_key_of_the_screen_shown_goes_back_to_its_list():
    async def scenario(pilot, app):
        await pilot.press('2')
        await refreshed(pilot)
        await pilot.press('enter')
        await refreshed(pilot)
        await pilot.press('enter')
        await refreshed(pilot)
        assert isinstance(app.screen, TaskScreen)
        await pilot.press('2')
        assert isinstance(app.screen, RunsScreen)

    run_app(scenario)


def test_s_sorts_the_runs_page_without_asking_the_coordinator_and_keeps_the_cursor_row():
    client = FakeClient()

    async def scenario(pilot, app):
        await pilot.press('2', 'f')  # all runs
        await refreshed(pilot)
        assert len(table_keys(app)) == 4
        await pilot.press('down')  # the second run
        calls = len(client.calls)
        await pilot.press('s')  # by failed, most first
        assert table_keys(app) == [UUIDS[0], UUIDS[2], UUIDS[1], UUIDS[3]]
        assert app.screen.query_one('LiveTable').cursor_key == UUIDS[1]
        assert len(client.calls) == calls
        assert text_of(app, '#summary') == (
            'all runs 1–4 of 4, by failed   ·   Enter: tasks of the run   '
            'f: active/all/finished   s: sort')

    run_app(scenario, client)
